"""Web benchmark: ticket list (API and HTML) for a cadre and a leader, a ticket page, the dashboard,
each against the bare SQL producing the same rows; then requests/s through gunicorn and the peak RSS
of a worker.

Build the data first (bulk fast path), then run, e.g.:

    export TRACKER_ENV=development TRACKER_DATABASE_URL=sqlite:////tmp/bench/t.db
    tracker demo --tickets 100000
        .venv/bin/python bench/bench_web.py --reps 15 --http-seconds 10

Prints a Markdown table (medians in ms) and the exact command. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app, migrate  # noqa: E402
from tracker.auth.tokens import create_token  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import DEMO_PASSWORD  # noqa: E402
from tracker.org.models import User  # noqa: E402
from tracker.tickets.models import Ticket  # noqa: E402
from tracker.tickets.queries import SORTS, capped_count, parse_filter, scoped_query  # noqa: E402


def median_ms(fn, reps: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up (caches, pool, templates)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_list(app, session: Session, user: User, args: dict[str, str]):  # type: ignore[no-untyped-def]
    """The list's own SQL (its capped count + one page) executed with Core: no ORM objects, no
    rendering."""
    workflow = app.extensions["workflow"]
    flt = parse_filter(MultiDict(args), workflow)
    config = app.config
    query = scoped_query(
        session, user, flt, workflow, utcnow(), config["TIMEZONE"], config["AMBER_DAYS"]
    )
    count = capped_count(query.count_branches, config["LIST_COUNT_CAP"])
    page = query.rows.order_by(*SORTS[flt.sort]).limit(25)

    def run() -> None:
        with get_engine(app).connect() as conn:
            conn.execute(count).scalar_one()
            conn.execute(page).all()

    return run, page


def explain(app, stmt) -> str:  # type: ignore[no-untyped-def]
    engine = get_engine(app)
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + str(compiled)).all()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def signed_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, (username, response.status_code)
    return client


def in_process(app, reps: int, rows: list[tuple[str, float, float | None]]) -> dict[str, object]:
    # Set-up in an app context; the timed requests run outside it (a shared app context would
    # share `g`, and with it the signed-in user, between requests).
    names = {"cadre": "cadre-qingshan", "leader": "leader"}
    args = {"state": "rectifying", "sort": "deadline"}
    tokens, bares = {}, {}
    with app.app_context(), Session(get_engine(app)) as session:
        for role, username in names.items():
            user = session.exec(select(User).where(User.username == username)).scalar_one()
            _row, tokens[role] = create_token(session, user, "bench", utcnow())
            bares[role] = bare_list(app, session, user, args)
        session.commit()
        total = session.exec(select(func.count()).select_from(Ticket)).scalar_one()
    slowest: tuple[float, object] = (0.0, None)
    for role, username in names.items():
        client = signed_in(app, username)
        api = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        bare, stmt = bares[role]
        bare_ms = median_ms(bare, reps)
        api_ms = median_ms(
            lambda api=api, headers=headers: check(
                api.get(
                    "/api/v1/tickets?state=rectifying&sort=deadline&per_page=25", headers=headers
                )
            ),
            reps,
        )
        html_ms = median_ms(
            lambda client=client: check(client.get("/tickets?state=rectifying&sort=deadline")),
            reps,
        )
        rows.append((f"list API, {role} (rectifying by deadline, 25/page)", api_ms, bare_ms))
        rows.append((f"list HTML, {role}", html_ms, bare_ms))
        if bare_ms > slowest[0]:
            slowest = (bare_ms, stmt)
        listed = api.get("/api/v1/tickets?per_page=1", headers=headers).get_json()
        mine = listed["items"][0]["id"]
        page_ms = median_ms(lambda c=client, t=mine: check(c.get(f"/tickets/{t}")), reps)
        rows.append((f"ticket page, {role}", page_ms, None))
        if client.get("/dashboard").status_code == 200:
            dash_ms = median_ms(lambda c=client: check(c.get("/dashboard")), max(3, reps // 3))
            rows.append((f"dashboard, {role}", dash_ms, None))
    plan = explain(app, slowest[1])
    return {"tickets": total, "plan": plan, "token": tokens["cadre"]}


def check(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, (
        response.request.path,
        response.status_code,
        response.data[:300],
    )
    return response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_run(
    token: str, seconds: float, connections: int, workers: int, port: int = 0
) -> tuple[float, float, list[tuple[float, float]]]:
    """gunicorn, `connections` keep-alive clients for `seconds`: req/s, median ms, and each
    worker's (RSS, peak RSS) in MB. `port` 0 picks a free one."""
    port = port or free_port()
    env = dict(
        os.environ,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        TRACKER_LOG_LEVEL="WARNING",
        GUNICORN_LOG_LEVEL="warning",
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        path = "/api/v1/tickets?state=rectifying&sort=deadline&per_page=25"
        headers = {"Authorization": f"Bearer {token}"}
        latencies: list[float] = []
        errors = [0]
        stop = time.monotonic() + seconds

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                start = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
                latencies.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=client) for _ in range(connections)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        rss = []
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            # (VmRSS now, VmHWM peak): the peak includes the transient ~32 MB of the scrypt
            # hash each worker computes at import (tracker/auth/service.py _DUMMY_HASH).
            now_kb = re.search(r"VmRSS:\s+(\d+) kB", status)
            peak_kb = re.search(r"VmHWM:\s+(\d+) kB", status)
            if now_kb and peak_kb:
                rss.append((int(now_kb.group(1)) / 1024, int(peak_kb.group(1)) / 1024))
        assert errors[0] == 0, f"{errors[0]} non-200 answers"
        return len(latencies) / elapsed, statistics.median(latencies), rss
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--http-seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (0: a free one)")
    args = parser.parse_args()
    app = create_app({"LOG_FORMAT": "plain", "WTF_CSRF_ENABLED": False})
    migrate.upgrade(app)  # what a site runs after an update; a no-op on a current database
    rows: list[tuple[str, float, float | None]] = []
    info = in_process(app, args.reps, rows)
    url = app.config["DATABASE_URL"]
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"database: {get_engine(app).dialect.name}, {info['tickets']} tickets")
    print("\n| measurement | median ms | bare SQL ms | ratio |\n|---|---:|---:|---:|")
    for name, ms, bare in rows:
        ratio = f"{ms / bare:.1f}×" if bare else ""
        print(f"| {name} | {ms:.1f} | {'' if bare is None else f'{bare:.1f}'} | {ratio} |")
    if args.http_seconds > 0:
        rps, med, rss = http_run(
            str(info["token"]), args.http_seconds, args.connections, args.workers, args.port
        )
        print(
            f"\ngunicorn {args.workers} workers, {args.connections} connections, "
            f"{args.http_seconds:.0f} s, "
            f"list API as cadre: {rps:.0f} req/s, median {med:.1f} ms; "
            "RSS per worker after the run (peak): "
            + ", ".join(f"{now:.0f} MB ({peak:.0f} MB)" for now, peak in rss)
        )
    print(f"\nEXPLAIN of the slowest list query ({url.split(':')[0]}):\n```\n{info['plan']}\n```")


if __name__ == "__main__":
    main()
