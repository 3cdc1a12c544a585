"""Time `dashboard_stats` at N tickets on the configured database (run by hand).

    TRACKER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/dashboard_bench.py --tickets 100000

An empty database is migrated (`tracker db upgrade`; a database with tables is left at its
revision) and filled first (demo county + N tickets from bench/_reports_data.py); a filled one
(e.g. made by `tracker demo --tickets N`) is timed as it is. Prints, per figures source
(`--paths`: "live" counts the tickets, "rollup" reads the rollup tables where it can, config
DASHBOARD_ROLLUP) and per viewer, the median time "cold" (the aggregate cache emptied before
each run: the first view after a ticket changed) and "warm" (the same view again with no change
in between, served from tracker/reports/cache.py), and the plan of the slowest query of a cold
view (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, func, inspect, select
from sqlmodel import Session

import tracker.models  # noqa: F401
from tracker import create_app, migrate
from tracker.core.clock import utcnow
from tracker.core.db import get_engine
from tracker.org.models import Unit, User
from tracker.reports import cache
from tracker.reports.queries import dashboard_stats
from tracker.tickets.models import Ticket

VIEWERS = ("admin", "leader", "leader-qingshan", "cadre-hexi")


def _fill(app, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from _reports_data import report_tickets

    engine = get_engine(app)
    if "unit" not in inspect(engine).get_table_names():
        migrate.upgrade(app)
    with Session(engine) as session:
        if session.execute(select(Unit.id).where(Unit.code == "county")).first():
            return
    with Session(engine) as session:
        started = time.perf_counter()
        report_tickets(session, n, seed, utcnow())
        session.commit()
        print(f"loaded {n} tickets in {time.perf_counter() - started:.1f}s")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _time_views(session: Session, config: dict, repeat: int) -> None:
    """Cold and warm medians of `dashboard_stats` per viewer."""
    for username in VIEWERS:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        for label in ("cold", "warm"):
            runs = []
            for _ in range(repeat):
                if label == "cold":
                    cache.clear()
                started = time.perf_counter()
                dashboard_stats(session, user, None, utcnow(), config)
                runs.append(time.perf_counter() - started)
                session.rollback()  # end the transaction, as a request does
            median, low, high = (1000 * v for v in (statistics.median(runs), min(runs), max(runs)))
            print(
                f"dashboard_stats as {username:<16} {label} median {median:8.1f} ms"
                f"  (min {low:.1f}, max {high:.1f}, {repeat} runs)"
            )


def _explain_slowest(session: Session, config: dict) -> None:
    """The plan of the slowest statement of a cold view as `leader`."""
    engine = session.get_bind()
    timings: list[tuple[float, str, object]] = []

    def before(conn, cursor, statement, parameters, context, many):  # type: ignore[no-untyped-def]
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, many):  # type: ignore[no-untyped-def]
        timings.append((time.perf_counter() - conn.info["started"], statement, parameters))

    user = session.execute(select(User).where(User.username == "leader")).scalar_one()
    cache.clear()
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        dashboard_stats(session, user, None, utcnow(), config)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    print(f"queries per dashboard: {len(timings)}")
    for seconds, statement, _ in sorted(timings, key=lambda t: -t[0])[:3]:
        print(f"  {seconds * 1000:7.1f} ms  {' '.join(statement.split())[:110]}")
    seconds, statement, parameters = max(timings, key=lambda t: t[0])
    print(f"\nslowest query ({seconds * 1000:.1f} ms):\n{statement}\n")
    explain = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    for row in session.connection().exec_driver_sql(explain + statement, parameters):
        print(" | ".join(str(v) for v in row))
    session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--paths", default="live,rollup", help="figures sources to time")
    parser.add_argument("--no-explain", action="store_true", help="skip the slowest query's plan")
    args = parser.parse_args()
    app = create_app({"ENV": "development"})
    engine = get_engine(app)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with app.app_context():
        _fill(app, args.tickets, args.seed)
        with Session(engine) as session:
            total = session.execute(select(func.count(Ticket.id))).scalar_one()
            print(f"tickets in database: {total}")
            session.rollback()
            for path in args.paths.split(","):
                print(f"\n== figures from: {path}")
                config = {**app.config, "DASHBOARD_ROLLUP": path == "rollup"}
                _time_views(session, config, args.repeat)
                if not args.no_explain:
                    _explain_slowest(session, config)


if __name__ == "__main__":
    main()
