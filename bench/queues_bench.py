"""Time a person's work queues (我的待办) at N tickets: `GET /api/v1/queues` (run by hand).

    createdb -h 127.0.0.1 -U postgres queues1m
    TRACKER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/queues1m \\
        .venv/bin/python bench/queues_bench.py --tickets 1000000 --reps 30

An empty database is migrated and filled first (demo county + N tickets from bench/_data.py,
then a realistic share of the facts the queues look at: pending extension requests, rejected
reports, special supervision, follow-up checks due); a filled one is timed as it is. Then, per
viewer (`--users`, the county leader first), in process and in this order, alternating so that
load from other processes falls on every figure alike:

- floor: `SELECT 1` through the same session (one database round trip);
- count_queues: the service the page, the badge and the API share (one SQL statement);
- api: `GET /api/v1/queues` through the Flask test client with a bearer token (routing,
  token check, JSON).

Prints median [min–max] of `--reps` runs each, the machine's load average before and after, and
the plan of the counting statement (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, inspect, select, text
from sqlmodel import Session

import tracker.models  # noqa: F401
from tracker import create_app, migrate
from tracker.auth.tokens import create_token
from tracker.core.clock import local_date, utcnow
from tracker.core.db import get_engine
from tracker.org.models import User
from tracker.tickets.models import Ticket
from tracker.tickets.queues import count_queues, counts_statement
from tracker.workflow.queues import queues_for_role
from tracker.workflow.registry import active_workflow

# Shares of the facts the queues read, set after the bulk load (ids spread them evenly).
FACTS_SQL = (
    # 2 % of the tickets in rectification ask for more time.
    "UPDATE ticket SET requested_deadline = deadline + 30 "
    "WHERE state = 'rectifying' AND NOT is_awaiting_verification AND mod(id, 50) = 0",
    # 5 % of the open tickets had a report rejected.
    "UPDATE ticket SET rejection_count = 1 WHERE state = 'rectifying' AND mod(id, 20) = 1",
    # 0.5 % of the open tickets are under special supervision.
    "UPDATE ticket SET is_supervised = true, supervision_level = 'county', supervisor = '王主任' "
    "WHERE state IN ('reported', 'rectifying') AND mod(id, 200) = 2",
    # 1 % of the closed tickets have a follow-up check (回头看) due.
    "UPDATE ticket SET followup_due_on = closed_on + 30 "
    "WHERE state = 'closed' AND mod(id, 100) = 3",
)


def _fill(app, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from _data import bulk_tickets

    engine = get_engine(app)
    if "unit" not in inspect(engine).get_table_names():
        migrate.upgrade(app)
    with Session(engine) as session:
        have = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
        asked = session.execute(
            select(func.count()).where(Ticket.requested_deadline.is_not(None))
        ).scalar_one()
    started = time.perf_counter()
    if have < n:
        with Session(engine) as session:
            bulk_tickets(session, n - have, seed, utcnow(), app.config["TIMEZONE"])
    if have < n or not asked:
        with engine.begin() as conn:
            for statement in FACTS_SQL:
                conn.exec_driver_sql(statement)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE ticket")
        print(f"loaded {n - have} tickets in {time.perf_counter() - started:.1f}s", flush=True)


def _stats(runs: list[float]) -> str:
    ms = [1000 * r for r in runs]
    return f"{statistics.median(ms):7.2f} ms [{min(ms):.2f}–{max(ms):.2f}]"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _plan(session: Session, user: User, config) -> str:  # type: ignore[no-untyped-def]
    """EXPLAIN of the one statement count_queues runs, as it runs it."""
    workflow = active_workflow()
    today = local_date(utcnow(), config["TIMEZONE"])
    queues = queues_for_role(workflow, workflow.queues, user.role)
    statement = counts_statement(session, user, queues, workflow, today, config["QUEUE_COUNT_CAP"])
    bind = session.get_bind()
    sql = str(statement.compile(bind, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if bind.dialect.name == "postgresql" else "EXPLAIN "
    return "\n".join(str(row[0]) for row in session.execute(text(prefix + sql)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--users", default="leader,leader-qingshan,inspector,cadre-qingshan")
    parser.add_argument("--plans", default="leader", help="whose statements to EXPLAIN")
    args = parser.parse_args()
    app = create_app({"TESTING": True})
    print("command:", " ".join(sys.argv), flush=True)
    with app.app_context():
        _fill(app, args.tickets, args.seed)
        engine = get_engine(app)
        client = app.test_client()
        with Session(engine) as session:
            total = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
            print(f"database: {engine.dialect.name}, {total} tickets; load before: {_load()}")
            config = app.config
            today = local_date(utcnow(), config["TIMEZONE"])
            for username in args.users.split(","):
                user = session.execute(select(User).where(User.username == username)).scalar_one()
                _row, token = create_token(session, user, "bench", utcnow())
                session.commit()
                headers = {"Authorization": f"Bearer {token}"}
                runs: dict[str, list[float]] = {"floor": [], "count_queues": [], "api": []}
                for _ in range(args.reps):
                    started = time.perf_counter()
                    session.execute(text("SELECT 1")).scalar_one()
                    runs["floor"].append(time.perf_counter() - started)
                    session.rollback()
                    started = time.perf_counter()
                    counts = count_queues(
                        session, user, active_workflow(), today, config["QUEUE_COUNT_CAP"]
                    )
                    runs["count_queues"].append(time.perf_counter() - started)
                    session.rollback()
                    started = time.perf_counter()
                    answer = client.get("/api/v1/queues", headers=headers)
                    runs["api"].append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.get_data(as_text=True)
                shown = ", ".join(f"{c.queue.name}={c.count}" for c in counts)
                print(f"\n{username} ({user.role}): {shown}")
                for label, values in runs.items():
                    print(f"  {label:<13} {_stats(values)}  ({args.reps} runs)")
            print(f"\nload after: {_load()}")
            for username in args.plans.split(","):
                user = session.execute(select(User).where(User.username == username)).scalar_one()
                print(f"\nplan of {username}'s statement:\n" + _plan(session, user, config))
                session.rollback()


if __name__ == "__main__":
    main()
