"""Fast bulk data for benchmarks: tickets inserted with SQLAlchemy Core (executemany), in chunks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, select

from tracker.core.clock import local_date
from tracker.demo import DEMO_PASSWORD, TOWNSHIPS, load_demo
from tracker.org.models import Role, Unit, User
from tracker.org.service import create_unit, create_user
from tracker.tickets.models import Ticket

CHUNK = 2000


# (state, awaiting verification, resolution) with weights: a realistic mix for dashboards.
MIX = [
    (("reported", False, None), 2),
    (("rectifying", False, None), 3),
    (("rectifying", True, None), 1),
    (("verified", False, None), 1),
    (("closed", False, "done"), 3),
]


def bulk_tickets(
    session: Session,
    n: int,
    seed: int,
    now: datetime,
    tz: str = "Asia/Shanghai",
    open_only: bool = False,
    townships: int = 0,
) -> int:
    """Load the demo county (no tickets), then add `n` tickets; return how many exist.

    Shared by the benchmarks: a mix of every state by default; `open_only` gives tickets whose
    deadline clock runs (reported or rectifying, not awaiting verification). `townships` (> 0)
    grows the county to that many townships, each with its cadre and its leader in charge, and
    spreads the tickets over the townships only (like Redmine's issues over projects); by default
    they go to every unit that has a cadre. Needs an app context.
    """
    if session.exec(select(Unit.id).where(Unit.code == "county")).first() is None:
        load_demo(session, 0, seed, now)
        session.commit()
    rng = random.Random(seed)
    if townships:
        units = ensure_townships(session, townships)
    else:
        units = [
            uid
            for uid in session.exec(
                select(User.unit_id).where(User.role == Role.CADRE, User.unit_id.is_not(None))
            )
        ]
    reporter = session.exec(select(User.id).where(User.role == Role.INSPECTOR)).first()
    today = local_date(now, tz)
    start = session.exec(select(func.count()).select_from(Ticket)).one()
    states = [m for m, _ in MIX[:2]] if open_only else [m for m, _ in MIX]
    weights = [w for _, w in MIX[:2]] if open_only else [w for _, w in MIX]
    rows = []
    for number in range(start, start + n):
        state, awaiting, resolution = rng.choices(states, weights)[0]
        deadline = today + timedelta(days=rng.randint(-30, 30))
        filed = now - timedelta(days=rng.randint(31, 60))
        unit = rng.choice(units)  # drawn in the same order as before closed_on was added
        closed = now - timedelta(days=rng.randint(0, 30)) if resolution else None
        rows.append(
            {
                "code": f"BX-{number:08d}",
                "title": f"基准测试问题 {number}",
                "description": "",
                "requirement": "",
                "source": "inspection",
                "severity": "normal",
                "tags": "",
                "person_in_charge": "",
                "responsible_unit_id": unit,
                "reporter_id": reporter,
                "state": state,
                "is_awaiting_verification": awaiting,
                "resolution": resolution,
                "closed_at": closed,
                "closed_on": local_date(closed, tz) if closed else None,
                "deadline": deadline,
                "original_deadline": deadline,
                "extension_count": 0,
                "rejection_count": 0,
                "rebound_count": 0,
                "created_at": filed,
                "updated_at": filed,
                "last_activity_at": filed,
                "version": 1,
            }
        )
        if len(rows) == CHUNK:
            session.connection().execute(insert(Ticket.__table__), rows)
            # A commit per chunk, as `tracker demo` does: one transaction of 10^6 rows would
            # make PostgreSQL's rollup triggers step over every earlier version of the rows they
            # update (bench/RESULTS.md, dashboard rollup).
            session.commit()
            rows = []
    if rows:
        session.connection().execute(insert(Ticket.__table__), rows)
    session.commit()
    return start + n


def ensure_townships(session: Session, count: int) -> list[int]:
    """Make the county hold `count` townships (the demo's first), each with a cadre and a leader
    in charge; return the ids of the first `count` township units."""
    codes = [code for code, _, _ in TOWNSHIPS][:count]
    for number in range(len(TOWNSHIPS) + 1, count + 1):
        code = f"town{number:02d}"
        codes.append(code)
        if session.exec(select(Unit.id).where(Unit.code == code)).first() is not None:
            continue
        name = f"第{number}乡"
        create_unit(session, code, name, "township", "county")
        create_user(
            session,
            f"cadre-{code}",
            "cadre",
            DEMO_PASSWORD,
            unit_code=code,
            display_name=f"{name}干部",
            email=f"cadre-{code}@demo.example",
        )
        create_user(
            session,
            f"leader-{code}",
            "leader",
            DEMO_PASSWORD,
            display_name=f"包乡领导（{name}）",
            email=f"leader-{code}@demo.example",
            charge_codes=[code],
        )
    session.commit()
    by_code = dict(session.exec(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())
    return [by_code[code] for code in codes]
