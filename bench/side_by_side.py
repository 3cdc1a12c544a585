"""The tracker's half of the side-by-side with Redmine, over HTTP, with its floors in the same run.

Starts the tracker under gunicorn (`deploy/gunicorn.conf.py`, `--workers` sync workers) and, as the
framework's floor, `bench/floor_app.py` under the same settings; times each request shape of
`../shared/peers/redmine/bench.sh` with `curl -w %{time_total}` (2 warm-up requests, then `--reps`
timed ones, sequential), in `--rounds` alternating rounds; runs the list's own SQL through
`pgbench` (the SQL floor: the statements a list request sends, captured in process, with their
values inlined); runs `wrk -t2 -c4` on the JSON list and on the floor; reads each worker's RSS.
With `--redmine URL` (a Redmine started by the peer's `start.sh` and loaded by its `load.sh`) each
round times Redmine's request of the same shape right after the tracker's, and the ratios are
printed. Prints the median [min–max] of every measure and the machine's load around it.

Safe on a shared host: ports are flags, and only the servers this script started are stopped, by
their PIDs. Needs curl, wrk and pgbench (PostgreSQL) on the PATH; never run by the test suite.

    export TRACKER_ENV=development
    export TRACKER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench
        .venv/bin/python bench/side_by_side.py --port 8810 --floor-port 8811 \\
        [--redmine http://127.0.0.1:8830 --redmine-keys ../redmine-peer/.api_keys.env]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TRACKER_CLI = str(Path(sys.executable).with_name("tracker"))


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def start_server(app: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn with the deploy settings on 127.0.0.1:`port`; waits until it answers."""
    env = {
        **os.environ,
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    command = [GUNICORN, "-c", "deploy/gunicorn.conf.py", app]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    probe = "/healthz" if app == "wsgi:app" else "/items"
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"{app} did not start, see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"{app} did not answer on port {port}, see {log}")


def stop(server: subprocess.Popen[bytes] | None) -> None:
    """Stop a server this script started, by its PID (gunicorn's workers go with their master)."""
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def worker_rss_mib(master: subprocess.Popen[bytes]) -> list[float]:
    children = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(master.pid)], capture_output=True, text=True
    ).stdout.split()
    return [int(kb) / 1024 for kb in children]


def curl_ms(url: str, headers: list[str], cookie: str | None, reps: int) -> list[float]:
    """`reps` sequential requests timed by curl (time_total), after 2 untimed ones."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}\\n"]
    for header in headers:
        command += ["-H", header]
    if cookie:
        command += ["-b", cookie]
    times = []
    for n in range(reps + 2):
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        code, seconds = out.split()
        if code != "200":
            raise SystemExit(f"{url}: HTTP {code}")
        if n >= 2:
            times.append(float(seconds) * 1000)
    return times


def wrk(url: str, headers: list[str], seconds: int) -> tuple[float, str]:
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out)
    if "Non-2xx" in out:
        raise SystemExit(f"wrk {url}: non-2xx answers\n{out}")
    return rate, p50.group(1) if p50 else "?"


def sign_in(base: str, username: str, password: str, jar: Path) -> str:
    """A session cookie for the HTML pages (the login form with its CSRF token)."""
    page = subprocess.run(
        ["curl", "-s", "-c", str(jar), f"{base}/login"], capture_output=True, text=True, check=True
    ).stdout
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = f"username={username}&password={password}" + (
        f"&csrf_token={token.group(1)}" if token else ""
    )
    subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-b",
            str(jar),
            "-c",
            str(jar),
            "-d",
            data,
            f"{base}/login",
        ],
        check=True,
    )
    return str(jar)


def api_token(username: str) -> str:
    out = subprocess.run(
        [TRACKER_CLI, "user", "token", username, "--name", "side-by-side"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def sql_floor(path: str, username: str, transactions: int) -> tuple[float, int]:
    """The statements a request for `path` sends, run by pgbench: (ms per request, statements).

    Captured in process through the app (values inlined with psycopg's client-side binding) and
    replayed over one connection, as a worker would send them."""
    sys.path.insert(0, str(ROOT))
    import psycopg
    from sqlalchemy import event

    from tracker import create_app
    from tracker.auth.tokens import create_token
    from tracker.core.clock import utcnow
    from tracker.core.db import get_engine
    from tracker.org.accounts import get_user
    from tracker.org.directory import directory

    app = create_app({"LOG_FORMAT": "plain"})
    engine = get_engine(app)
    with app.app_context():
        from sqlmodel import Session

        with Session(engine) as session:
            _row, plain = create_token(session, get_user(session, username), "sql-floor", utcnow())
            session.commit()
            directory(session)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    client.get(path, headers=headers)
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, *_args):  # type: ignore[no-untyped-def]
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    client.get(path, headers=headers)
    event.remove(engine, "before_cursor_execute", capture)
    url = engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        cursor = psycopg.ClientCursor(conn)
        script = "".join(cursor.mogrify(s, p) + ";\n" for s, p in sent if s != "BEGIN")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-t",
            str(transactions),
            "-f",
            file.name,
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    return latency, script.count(";\n")


@dataclass
class Measure:
    name: str
    tracker: Callable[[], list[float]]
    redmine: Callable[[], list[float]] | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: {"tracker": [], "redmine": []})
    loads: list[str] = field(default_factory=list)


def summary(times: list[float]) -> str:
    if not times:
        return "—"
    return f"{statistics.median(times):.1f} [{min(times):.1f}–{max(times):.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--floor-port", type=int, default=8811)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--all-seeing", default="admin", help="user who sees every ticket")
    parser.add_argument("--scoped", default="cadre-qingshan", help="user of one township")
    parser.add_argument("--township", default="qingshan", help="unit code for the overdue list")
    parser.add_argument("--password", default=None, help="the demo password by default")
    parser.add_argument("--redmine", default=None, help="base URL of a running Redmine")
    parser.add_argument("--redmine-keys", default=None, help="the peer's .api_keys.env")
    parser.add_argument("--redmine-project", default="township-01")
    parser.add_argument("--out", default="/tmp/side-by-side")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.password is None:
        sys.path.insert(0, str(ROOT))
        from tracker.demo import DEMO_PASSWORD

        args.password = DEMO_PASSWORD
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"date {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, "
        f"{os.cpu_count()} cores, load {load()}"
    )
    print(f"database {os.environ.get('TRACKER_DATABASE_URL')}")

    base, floor_base = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.floor_port}"
    tracker = floor = None
    try:
        tracker = start_server("wsgi:app", args.port, args.workers, out / "tracker.log")
        floor = start_server(
            "bench.floor_app:app", args.floor_port, args.workers, out / "floor.log"
        )
        everyone = [f"Authorization: Bearer {api_token(args.all_seeing)}"]
        scoped = [f"Authorization: Bearer {api_token(args.scoped)}"]
        cookie = sign_in(base, args.all_seeing, args.password, out / "cookies.txt")
        workflow = json.loads(
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}/api/v1/workflow", headers=dict([everyone[0].split(": ", 1)])
                )
            ).read()
        )
        states = ",".join(s["key"] for s in workflow["states"] if not s.get("terminal"))
        open_list = f"state={states}&sort=deadline"
        overdue = f"unit={args.township}&overdue=1&sort=deadline"
        first = json.loads(
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}/api/v1/tickets?{open_list}&per_page=1",
                    headers=dict([everyone[0].split(": ", 1)]),
                )
            ).read()
        )["items"][0]["id"]

        keys: dict[str, str] = {}
        if args.redmine and args.redmine_keys:
            for line in Path(args.redmine_keys).read_text().splitlines():
                name, _eq, value = line.partition("=")
                keys[name] = value.strip()
        rm = args.redmine
        admin = [f"X-Redmine-API-Key: {keys.get('ADMIN_API_KEY', '')}"]
        user01 = [f"X-Redmine-API-Key: {keys.get('USER01_API_KEY', '')}"]
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        rm_overdue = f"status_id=o&due_date=%3C%3D{yesterday}&sort=due_date"
        project = f"{rm}/projects/{args.redmine_project}/issues"

        def both(name, t_url, t_headers, t_cookie, r_url=None, r_headers=()):  # type: ignore[no-untyped-def]
            return Measure(
                name,
                lambda: curl_ms(t_url, t_headers, t_cookie, args.reps),
                (lambda: curl_ms(r_url, list(r_headers), None, args.reps))
                if rm and r_url
                else None,
            )

        measures = [
            both("floor: bare Flask route, 25 fixed items", f"{floor_base}/items", [], None),
            both(
                "open list JSON, 25 rows, all-seeing",
                f"{base}/api/v1/tickets?{open_list}&per_page=25",
                everyone,
                None,
                f"{rm}/issues.json?status_id=o&sort=due_date&limit=25",
                admin,
            ),
            both(
                "open list JSON, 25 rows, one township's user",
                f"{base}/api/v1/tickets?{open_list}&per_page=25",
                scoped,
                None,
                f"{rm}/issues.json?status_id=o&sort=due_date&limit=25",
                user01,
            ),
            both(
                "open list HTML, all-seeing",
                f"{base}/tickets?{open_list}",
                [],
                cookie,
                f"{rm}/issues?set_filter=1&status_id=o&sort=due_date",
                admin,
            ),
            both(
                "overdue items of one township, JSON",
                f"{base}/api/v1/tickets?{overdue}&per_page=25",
                everyone,
                None,
                f"{project}.json?{rm_overdue}&limit=25",
                admin,
            ),
            both(
                "overdue items of one township, HTML",
                f"{base}/tickets?{overdue}",
                [],
                cookie,
                f"{project}?set_filter=1&{rm_overdue}",
                admin,
            ),
            both(
                "one item, JSON",
                f"{base}/api/v1/tickets/{first}",
                everyone,
                None,
                f"{rm}/issues/1.json",
                admin,
            ),
            both("one item, HTML", f"{base}/tickets/{first}", [], cookie, f"{rm}/issues/1", admin),
        ]
        for round_number in range(args.rounds):
            for measure in measures:
                before = load()
                measure.times["tracker"] += measure.tracker()
                if measure.redmine is not None:
                    measure.times["redmine"] += measure.redmine()
                measure.loads.append(f"{before} → {load()}")
            print(f"round {round_number + 1} of {args.rounds} done, load {load()}", flush=True)

        print(
            f"\n| measure (ms, median [min–max] of {args.rounds}×{args.reps} curl requests) "
            "| tracker | × floor |"
            + (" Redmine | Redmine ÷ tracker |" if rm else "")
            + " load (1/5/15 min) |"
        )
        print("|---|---|---|" + ("---|---|" if rm else "") + "---|")
        floor_ms = statistics.median(measures[0].times["tracker"])
        for m in measures:
            t = m.times["tracker"]
            row = f"| {m.name} | {summary(t)} | {statistics.median(t) / floor_ms:.1f}× |"
            if rm:
                r = m.times["redmine"]
                ratio = f"{statistics.median(r) / statistics.median(t):.1f}×" if r else "—"
                row += f" {summary(r)} | {ratio} |"
            print(row + f" {m.loads[0].split(' → ')[0]} → {m.loads[-1].split(' → ')[1]} |")

        sql_ms, statements = sql_floor(
            f"/api/v1/tickets?{open_list}&per_page=25", args.all_seeing, 500
        )
        sql_scoped, _n = sql_floor(f"/api/v1/tickets?{open_list}&per_page=25", args.scoped, 500)
        sql_overdue, _n = sql_floor(f"/api/v1/tickets?{overdue}&per_page=25", args.all_seeing, 500)
        print(
            f"\nSQL floor (pgbench -n -t 500, the statements of one request, values inlined): "
            f"open list all-seeing {sql_ms:.2f} ms ({statements} statements), one township's user "
            f"{sql_scoped:.2f} ms, overdue of one township {sql_overdue:.2f} ms"
        )

        print(f"\nwrk -t2 -c4 -d{args.wrk_seconds}s (load before: {load()})")
        rate_floor, p50_floor = wrk(f"{floor_base}/items", [], args.wrk_seconds)
        rate, p50 = wrk(
            f"{base}/api/v1/tickets?{open_list}&per_page=25", everyone, args.wrk_seconds
        )
        print(f"  floor /items: {rate_floor:.0f} req/s (p50 {p50_floor})")
        print(
            f"  tracker JSON list: {rate:.1f} req/s (p50 {p50}); "
            f"floor ÷ tracker {rate_floor / rate:.1f}×"
        )
        if rm:
            rate_rm, p50_rm = wrk(
                f"{rm}/issues.json?status_id=o&sort=due_date&limit=25", admin, args.wrk_seconds
            )
            print(
                f"  Redmine JSON list: {rate_rm:.1f} req/s (p50 {p50_rm}); "
                f"tracker ÷ Redmine {rate / rate_rm:.1f}×"
            )
        rss = worker_rss_mib(tracker)
        print(
            f"  tracker workers' RSS after wrk: {', '.join(f'{r:.1f}' for r in rss)} MiB; "
            f"load {load()}"
        )
    finally:
        stop(tracker)
        stop(floor)


if __name__ == "__main__":
    main()
