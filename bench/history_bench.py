"""A ticket with a long history (issue 14): the ticket page and the history API for a ticket with
`--comments` comments (default 10,000) beside one with 10, in process (Flask test client), with
the floor timed in the same loop: `/healthz` (a request that runs `SELECT 1`) and a bare
`SELECT 1` on the engine. Prints wall and CPU milliseconds (this process), median [min–max] of
`--reps` runs, the statements each request runs and the size of its answer.

Run by hand, never by the tests. SQLite by default (a file it creates), PostgreSQL with
`--database` (an empty database: it is migrated and given the demo county once; later runs
reuse the tickets):

    .venv/bin/python bench/history_bench.py --reps 21
    createdb -h 127.0.0.1 -U postgres bench_history
    .venv/bin/python bench/history_bench.py --reps 21 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_history

`--profile` prints a cProfile of the page for the long ticket (top 30 by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite:////tmp/history_bench.db")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=21)
    parser.add_argument("--profile", action="store_true")
    return parser.parse_args()


ARGS = options()
os.environ["TRACKER_DATABASE_URL"] = ARGS.database
os.environ.setdefault("TRACKER_ENV", "development")

from tracker import create_app, migrate  # noqa: E402
from tracker.auth.tokens import create_token  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from tracker.org.models import User  # noqa: E402
from tracker.tickets.models import EventKind, Ticket, TicketEvent  # noqa: E402


def comment(session: Session, ticket: Ticket, author: User, count: int) -> None:
    """`count` comments written straight into the table, as tests/tickets/test_history_pages.py
    does (the service would take minutes for 10,000)."""
    start = utcnow()
    for first in range(1, count + 1, 5_000):
        rows = [
            {
                "ticket_id": ticket.id,
                "actor_id": author.id,
                "kind": EventKind.COMMENT,
                "comment": f"第{n}条意见：现场复查，垃圾已清运，边沟仍有积水，请继续整改。",
                "data": {},
                "created_at": start + timedelta(seconds=n),
                "prev_hash": "",
                "hash": "",
            }
            for n in range(first, min(count, first + 4_999) + 1)
        ]
        session.execute(insert(TicketEvent), rows)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum does after so many inserts: with the statistics of an empty table,
        # the planner sorts all 10,000 events for the latest 50 instead of walking the index.
        session.execute(text("ANALYZE ticket_event"))
        session.commit()


def prepare(app, comments: int) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """The ids of a ticket with `comments` comments and of one with 10, and an API token."""
    with app.app_context(), Session(get_engine(app)) as session:
        if session.exec(select(User).where(User.username == "leader")).first() is None:
            load_demo(session, tickets=2, seed=2026, now=utcnow())
            session.commit()
        leader = session.exec(select(User).where(User.username == "leader")).scalar_one()
        author = session.exec(select(User).where(User.username == "cadre-qingshan")).scalar_one()
        ids = session.exec(select(Ticket.id).order_by(Ticket.id).limit(2)).scalars().all()
        for ticket_id, count in zip(ids, (comments, 10), strict=True):
            have = session.exec(
                select(func.count())
                .select_from(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.COMMENT)
            ).scalar_one()
            if have < count:
                comment(session, session.get(Ticket, ticket_id), author, count - have)
        _row, token = create_token(session, leader, "history-bench", utcnow())
        session.commit()
        return ids[0], ids[1], token


def timed(work: Callable[[], object], reps: int) -> str:
    """Wall / CPU ms, each median [min–max]."""
    work()  # warm-up: templates, caches, the pool
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return " / ".join(
        f"{statistics.median(r):.1f} [{min(r):.1f}–{max(r):.1f}]" for r in (walls, cpus)
    )


def statements_and_size(app, request: Callable[[], object]) -> str:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        seen.append("")

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return f"{len(seen)} statements, {len(answer.data) / 1000:.0f} kB"  # type: ignore[attr-defined]


def ok(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, (response.status_code, response.data[:300])
    return response


def main() -> None:
    app = create_app({"LOG_FORMAT": "plain", "WTF_CSRF_ENABLED": False})
    migrate.upgrade(app)
    long_id, short_id, token = prepare(app, ARGS.comments)
    page = app.test_client()
    signed = page.post("/login", data={"username": "leader", "password": DEMO_PASSWORD})
    assert signed.status_code == 302, signed.status_code
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    engine = get_engine(app)

    def select_one() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()

    requests: list[tuple[str, Callable[[], object]]] = [
        ("floor: GET /healthz (SELECT 1 through the app)", lambda: ok(api.get("/healthz"))),
        ("floor: SELECT 1 on the engine", select_one),
    ]
    for ticket_id, label in ((long_id, f"{ARGS.comments:,} comments"), (short_id, "10 comments")):
        requests += [
            (
                f"GET /tickets/{ticket_id} (HTML, signed in), {label}",
                lambda t=ticket_id: ok(page.get(f"/tickets/{t}")),
            ),
            (
                f"GET /api/v1/tickets/{ticket_id}/events (first 50), {label}",
                lambda t=ticket_id: ok(api.get(f"/api/v1/tickets/{t}/events", headers=headers)),
            ),
            (
                f"GET /api/v1/tickets/{ticket_id}/events?order=desc (latest 50), {label}",
                lambda t=ticket_id: ok(
                    api.get(f"/api/v1/tickets/{t}/events?order=desc", headers=headers)
                ),
            ),
        ]
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print("database:", engine.url.render_as_string(hide_password=True))
    print("load average at start (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    rows = [(name, timed(work, ARGS.reps)) for name, work in requests]
    rows += [(f"{name} (again, end of run)", timed(work, ARGS.reps)) for name, work in requests[:2]]
    print("load average at end (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    sizes = {name: statements_and_size(app, work) for name, work in requests[2:]}
    print("\n| request | wall ms / CPU ms, median [min–max] | statements, answer |\n|---|---|---|")
    for name, figure in rows:
        print(f"| {name} | {figure} | {sizes.get(name, '')} |")
    if ARGS.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            ok(page.get(f"/tickets/{long_id}"))
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
