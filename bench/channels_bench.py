"""Benchmark: send N urgent reminders (催办) through each channel to a local server that answers as
the robots, a webhook receiver and an SMS gateway do (tests/robots_server.py), and measure the
throughput per channel and the robot's pacing.

Run by hand (not part of the tests):

    .venv/bin/python bench/channels_bench.py --messages 300
    .venv/bin/python bench/channels_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_ch

Each pass starts from an empty outbox, plans N chases for one township's cadre and runs one
dispatch at `now`: the e-mail rows go to Flask-Mail with sending suppressed (the baseline pass has
no other channel), so a channel's own cost is its pass minus the baseline. The robot pass is paced
at `robot_per_minute` (20): it then dispatches again one simulated minute later until every row
is sent, and reports how many went in each minute.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import bulk_tickets
from robots_server import RobotServer
from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, select

import tracker.models  # noqa: F401
from tracker import create_app
from tracker.core.db import get_engine
from tracker.org.models import Role, User
from tracker.reminders.dispatcher import dispatch
from tracker.reminders.models import OutboxMessage, Robot, Rule
from tracker.reminders.outbox import OutboxRow, enqueue_rows
from tracker.tickets.models import Ticket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: a temp SQLite)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    server = RobotServer(per_minute=10**9)  # the robot's own limit is not what is measured
    server.start()
    now = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Monday 10:00 local, in the sending window
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "MAIL_SUPPRESS_SEND": True,
            "REMINDERS": {"BATCH_SIZE": 100, "DAILY_CADRE_DIGEST": False},
        }
    )
    engine = get_engine(app)
    if engine.dialect.name == "postgresql":
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    print("command:", shlex.join([sys.executable, *sys.argv]))
    with app.app_context():
        workflow = app.extensions["workflow"]
        with Session(engine) as session:
            bulk_tickets(session, args.messages, 2026, now, open_only=True, townships=1)
            cadre = session.exec(
                select(User).where(User.role == Role.CADRE, User.unit_id.is_not(None))
            ).first()
            cadre.mobile, cadre.notify_channels = "13800000001", ["webhook", "sms"]
            session.add(cadre)
            robot = Robot(
                unit_id=cadre.unit_id,
                kind="wecom",
                name="bench",
                webhook_url=f"{server.url}/cgi-bin/webhook/send?key=good-key",
                is_enabled=False,
            )
            session.add(robot)
            session.commit()
            tickets = session.exec(select(Ticket.id).limit(args.messages)).all()
            cadre_id, robot_id = cadre.id, robot.id
        print(
            f"database: {engine.dialect.name}; {len(tickets)} chases to one cadre per pass; "
            f"local server {server.url}"
        )
        passes = {
            "email only (baseline)": {},
            "webhook": {"WEBHOOK": {"url": f"{server.url}/hook", "secret": "hook-secret"}},
            "sms": {
                "SMS": {
                    "url": f"{server.url}/sms",
                    "ok_field": "code",
                    "ok_value": "OK",
                }
            },
            "robot (wecom, 20/min)": {"ROBOT_PER_MINUTE": 20},
        }
        baseline = 0.0
        for name, channels in passes.items():
            app.config["CHANNELS"] = {"TIMEOUT": 5, **channels}
            with Session(engine) as session:
                session.exec(delete(OutboxMessage))
                robot = session.get(Robot, robot_id)
                robot.is_enabled = name.startswith("robot")
                session.add(robot)
                session.commit()
                rows = [
                    OutboxRow(
                        f"chase:bench{i}:{cadre_id}",
                        Rule.CHASE,
                        cadre_id,
                        tid,
                        None,
                        None,
                        {"event_id": f"bench{i}", "actor": "bench", "comment": ""},
                        now,
                    )
                    for i, tid in enumerate(tickets)
                ]
                enqueue_rows(session, rows, now)
                session.commit()
            started = time.perf_counter()
            result = dispatch(engine, now, app.config, workflow)
            seconds = time.perf_counter() - started
            with Session(engine) as session:
                by_channel = dict(
                    session.exec(
                        select(OutboxMessage.channel, func.count())
                        .where(
                            OutboxMessage.status == "sent",
                            OutboxMessage.rule == Rule.CHASE,
                        )
                        .group_by(OutboxMessage.channel)
                    ).all()
                )
            extra = sum(v for k, v in by_channel.items() if k != "email")
            if not channels:
                baseline = seconds
                print(f"{name}: {by_channel} in {seconds:.2f} s")
                continue
            own = max(seconds - baseline, 1e-9)
            line = (
                f"{name}: sent {by_channel}, paced {result.paced}, in {seconds:.2f} s; "
                f"the channel's own {own:.2f} s = {extra / own:,.0f} messages/s"
            )
            print(line)
            minute = 0
            left = result.paced
            while left and minute < 30:
                minute += 1
                at = now + timedelta(minutes=minute, seconds=30)
                result = dispatch(engine, at, app.config, workflow)
                with Session(engine) as session:
                    left = session.exec(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(
                            OutboxMessage.channel != "email",
                            OutboxMessage.status != "sent",
                        )
                    ).one()
                print(f"  minute {minute}: sent {result.sent}, waiting {left}")
    server.stop()
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
