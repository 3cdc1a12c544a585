"""Benchmark: plan reminders for many open tickets, then dispatch mails to a local SMTP sink.

Run by hand (not part of the tests):

    .venv/bin/python bench/reminders_bench.py --tickets 100000 --mails 5000
    .venv/bin/python bench/reminders_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/reminders_bench.py --mode digest --tickets 20000 --townships 20 --reps 5

`--mode plan` (default): plan every per-ticket reminder for N open tickets (digests off), plan the
same day again, then dispatch `--mails` mails. `--mode digest`: the equivalent of Redmine's
`redmine:send_reminders days=3` — N open tickets in `--townships` townships, the daily cadre digests
(due within 3 days or overdue) and the weekly leader digests (overdue in their charge), planned and
sent to the sink; per-ticket escalations, red alerts and stale reminders off. Each repetition starts
from an empty outbox; the median is printed.

The SQLite file (default) is created in a temporary folder and removed afterwards.

The SMTP sink (`bench/smtp_sink.py`) runs as a separate process, started here and stopped by its
PID, as the Redmine peer's bench runs its own (`../shared/peers/redmine/bench.sh`): in a thread of
this process its parsing competed with the sender for the GIL and counted in the wall and CPU
times measured. It rewrites a stats file after each message; the counts received are read from it.
"""

from __future__ import annotations

import argparse
import cProfile
import shlex
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _data import bulk_tickets
from smtp_sink import read_stats
from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, select

import tracker.models  # noqa: F401
from tracker import create_app
from tracker.core.db import get_engine
from tracker.reminders.dispatcher import dispatch
from tracker.reminders.models import OutboxMessage
from tracker.reminders.planner import plan


class Sink:
    """The SMTP sink in its own process (`bench/smtp_sink.py`), on 127.0.0.1:`port`."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.stats = folder / "sink.stats"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve().parent / "smtp_sink.py"),
                "--port",
                str(port),
                "--stats",
                str(self.stats),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.process.stdout.readline()  # type: ignore[union-attr]  # printed once listening

    def received(self) -> tuple[int, int]:
        """Messages and bytes received so far."""
        return read_stats(self.stats)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: a temp SQLite)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--mode", choices=("plan", "digest"), default="plan")
    parser.add_argument("--townships", type=int, default=0, help="spread tickets over N townships")
    parser.add_argument("--reps", type=int, default=3, help="digest mode: repetitions")
    parser.add_argument(
        "--profile",
        default="",
        help="digest mode: cProfile the last send into this file (read it with pstats)",
    )
    parser.add_argument(
        "--smtp-port", type=int, default=0, help="the SMTP sink's port (0: a free one)"
    )
    args = parser.parse_args()
    if args.mode == "digest":
        reminders = {
            "DAILY_CADRE_DIGEST": True,
            "BEFORE_DAYS": [3],  # Redmine's days=3
            "LEADER_DIGEST_WEEKDAY": 1,  # `now` is a Monday: the weekly leader digests go out
            "ESCALATE_AFTER_DAYS": 0,
            "LADDER": {"blue": -3, "yellow": 1},  # no red alerts
            "STALE_AFTER_DAYS": 0,
            "BATCH_SIZE": args.batch,
        }
    else:
        reminders = {"DAILY_CADRE_DIGEST": False, "BATCH_SIZE": args.batch}
    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    port = args.smtp_port or free_port()
    sink = Sink(port, Path(tmp.name))
    now = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Monday 10:00 local, in the sending window
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_SUPPRESS_SEND": False,
            "REMINDERS": reminders,
        }
    )
    engine = get_engine(app)
    if engine.dialect.name == "postgresql":
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print(
        f"database: {engine.dialect.name}; mode: {args.mode}; tickets: {args.tickets}; "
        f"townships: {args.townships or 'demo'}; batch: {args.batch}"
    )
    with app.app_context():
        workflow = app.extensions["workflow"]
        with Session(engine) as session:
            started = time.perf_counter()
            total = bulk_tickets(
                session, args.tickets, args.seed, now, open_only=True, townships=args.townships
            )
            print(f"generated {total} open tickets in {time.perf_counter() - started:.1f} s")
        if args.mode == "digest":
            digest_sweep(app, engine, now, workflow, args.reps, sink, args.profile)
            sink.stop()
            engine.dispose()
            tmp.cleanup()
            return
        with Session(engine) as session:
            started = time.perf_counter()
            result = plan(session, now, app.config, workflow)
            session.commit()
            seconds = time.perf_counter() - started
            print(
                f"plan: {result.tickets} candidate tickets (of {total} open) -> {result.added} "
                f"outbox rows in {seconds:.1f} s ({total / seconds:,.0f} open tickets/s, "
                f"{result.added / seconds:,.0f} rows/s)"
            )
            started = time.perf_counter()
            again = plan(session, now, app.config, workflow)
            session.commit()
            print(f"plan again: {again.added} new rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        sent = dispatch(engine, now, app.config, workflow, max_batches=args.mails // args.batch)
        seconds = time.perf_counter() - started
        print(
            f"dispatch: {sent.sent} mails sent ({sink.received()[0]} received by the sink) in "
            f"{seconds:.1f} s ({sent.sent / seconds:,.0f} mails/s); failed {sent.failed}, "
            f"cancelled {sent.cancelled}"
        )
        with Session(engine) as session:
            # Items are planned `held` and gathered into one message per person (bundles.py):
            # what is left to send is the sendable rows and the items not yet gathered.
            by_status = dict(
                session.exec(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
            left = sum(by_status.get(s, 0) for s in ("pending", "failed", "held"))
            print(f"outbox by status: {by_status}; still to send: {left}")
    sink.stop()
    engine.dispose()
    tmp.cleanup()


def digest_sweep(app, engine, now, workflow, reps: int, sink: Sink, profile: str) -> None:  # type: ignore[no-untyped-def]
    """Plan and send the digests `reps` times, each from an empty outbox; print the median
    (and with `profile`, the send phase of the last repetition is profiled into that file)."""
    times: list[float] = []
    cpu_times: list[float] = []
    for _ in range(reps):
        with Session(engine) as session:
            session.exec(delete(OutboxMessage))
            session.commit()
        received, received_bytes = sink.received()
        started, cpu_started = time.perf_counter(), time.process_time()
        with Session(engine) as session:
            result = plan(session, now, app.config, workflow)
            session.commit()
        planned, cpu_planned = time.perf_counter() - started, time.process_time() - cpu_started
        profiler = (
            cProfile.Profile(time.process_time) if profile and len(times) == reps - 1 else None
        )
        if profiler:
            profiler.enable()
        sent = dispatch(engine, now, app.config, workflow)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        times.append(seconds)
        cpu_times.append(cpu)
        count, size = sink.received()
        with Session(engine) as session:
            by_rule = dict(
                session.exec(
                    select(OutboxMessage.rule, func.count()).group_by(OutboxMessage.rule)
                ).all()
            )
        print(
            f"digest sweep: {sent.sent} digests sent ({by_rule}; {count - received} "
            f"received by the sink, {(size - received_bytes) / 1e6:.1f} MB) "
            f"covering {result.covered} tickets "
            f"({result.tickets} candidates) in {seconds:.2f} s (plan {planned:.2f} s, "
            f"send {seconds - planned:.2f} s); this process's CPU {cpu:.2f} s "
            f"(plan {cpu_planned:.2f} s, send {cpu - cpu_planned:.2f} s)"
        )
    print(
        f"digest sweep median of {reps}: {statistics.median(times):.2f} s wall "
        f"[{min(times):.2f}–{max(times):.2f}], "
        f"{statistics.median(cpu_times):.2f} s CPU of this process "
        "(the database server's not counted)"
    )
    floors = [
        digest_floor(engine, sink, count - received, size - received_bytes) for _ in range(reps)
    ]
    floor = statistics.median(floors)
    print(
        f"floor (same run): the candidates' columns read in one statement and {count - received} "
        f"mails of the same total size sent over one smtplib connection, median of {reps}: "
        f"{floor:.2f} s [{min(floors):.2f}–{max(floors):.2f}]; the sweep is "
        f"{statistics.median(times) / floor:.1f}× the floor"
    )


def digest_floor(engine, sink: Sink, mails: int, size: int) -> float:  # type: ignore[no-untyped-def]
    """What any digest sweep must do at least, without the app: read the open tickets' dates
    and units (the planner's columns, no rules) and hand `mails` messages of `size` bytes in all
    to the same sink, one SMTP session, no database writes."""
    body = ("督办事项" * 20 + "\r\n") * max(1, size // mails // 62)
    message = f"Subject: floor\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    data = message.encode()
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT id, version, deadline, responsible_unit_id, assignee_id, last_activity_at "
            "FROM ticket WHERE NOT is_awaiting_verification AND return_requested_at IS NULL "
            "ORDER BY id"
        ).all()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n in range(mails):
            smtp.sendmail("tracker@example.org", [f"user{n}@example.org"], data)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
