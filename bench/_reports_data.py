"""Benchmark data for the reports: tickets with inspection rounds, indicators and co-units.

`bench/_data.py: bulk_tickets` (shared with the reminders benchmark) makes tickets only; the
dashboard and bulletin also read inspection rounds, indicators and co-operating units, so this
generator adds them. Up to `PYTHON_ROWS` tickets are generated in Python (seeded); beyond that,
on PostgreSQL, the set is replicated in SQL with new ids and codes (`INSERT ... SELECT` over
`generate_series`), which loads 10^6 tickets in about a minute instead of a quarter of an hour.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from tracker.core.clock import local_date
from tracker.demo import FINDINGS, TOWNSHIPS, load_demo
from tracker.inspections.models import Inspection
from tracker.org.models import Unit
from tracker.tickets.models import Category, Indicator, Ticket, TicketCoUnit

BATCH = 20_000
PYTHON_ROWS = 100_000
STATES = [
    ("reported", False, None),
    ("rectifying", False, None),
    ("rectifying", False, None),
    ("rectifying", True, None),
    ("verified", False, None),
    ("closed", False, "done"),
    ("closed", False, "done"),
    ("closed", False, "done"),
    ("closed", False, "withdrawn"),
]


def _ticket(number: int, rng: random.Random, ctx: dict, now: datetime) -> tuple[dict, dict]:
    township = rng.choice(ctx["townships"])
    village = rng.choice(ctx["villages"][township])
    responsible = township if rng.random() > 0.1 else ctx["agri"]
    category, title, requirement, ind_name, ind_unit, (low, high) = rng.choice(FINDINGS)
    created = now - timedelta(days=rng.uniform(1, 365))
    original = local_date(created, "Asia/Shanghai") + timedelta(days=rng.choice([7, 15, 30, 60]))
    extended = rng.random() < 0.1
    state, awaiting, resolution = rng.choice(STATES)
    finished = min(created + timedelta(days=rng.uniform(1, 75)), now)
    is_done = state in ("verified", "closed") and resolution == "done"
    has_completion = awaiting or is_done
    row = {
        "id": number,
        "code": f"BN-{number:09d}",
        "title": title.format(village=ctx["names"][village]),
        "description": "",
        "category_id": ctx["categories"].get(category),
        "source": rng.choice(["inspection", "unannounced", "assessment", "citizen"]),
        "inspection_id": rng.choice(ctx["inspections"]) if rng.random() < 0.7 else None,
        "location_unit_id": village,
        "responsible_unit_id": responsible,
        "person_in_charge": "分管副乡长",
        "requirement": requirement,
        "severity": rng.choice(["low", "normal", "normal", "high"]),
        "tags": "",
        "reporter_id": ctx["reporter"],
        "state": state,
        "resolution": resolution,
        "is_awaiting_verification": awaiting,
        "deadline": original + timedelta(days=15) if extended else original,
        "original_deadline": original,
        "extension_count": int(extended),
        "rejection_count": rng.choice([0, 0, 0, 1, 2]),
        "rebound_count": rng.choice([0] * 9 + [1]),
        "created_at": created,
        "updated_at": finished,
        "last_activity_at": finished,
        "completed_at": finished if has_completion else None,
        "verified_at": finished if is_done else None,
        "closed_at": finished if state == "closed" else None,
        "completed_on": local_date(finished, "Asia/Shanghai") if has_completion else None,
        "closed_on": local_date(finished, "Asia/Shanghai") if state == "closed" else None,
        "version": 1,
    }
    target = rng.randint(low, high)
    indicator = {
        "ticket_id": number,
        "name": ind_name,
        "unit": ind_unit,
        "target": target,
        "achieved": target if has_completion else None,
        "position": 0,
    }
    return row, indicator


def _context(session: Session, now: datetime) -> dict:
    units = list(session.execute(select(Unit)).scalars())
    by_code = {u.code: u for u in units}
    townships = [by_code[code].id for code, _name, _villages in TOWNSHIPS]
    villages = {
        t: [u.id for u in units if u.parent_id == t and u.kind == "village"] for t in townships
    }
    inspections = []
    for index in range(12):
        started = local_date(now, "Asia/Shanghai") - timedelta(days=30 * index + 5)
        inspection = Inspection(title=f"第{index + 1}轮督导检查（基准）", started_on=started)
        session.add(inspection)
        session.flush()
        inspections.append(inspection.id)
    reporter = session.execute(text("SELECT id FROM user_account WHERE username = 'inspector'"))
    return {
        "townships": townships,
        "villages": villages,
        "names": {u.id: u.name for u in units},
        "agri": by_code["agri"].id,
        "categories": dict(session.execute(select(Category.code, Category.id)).all()),
        "inspections": inspections,
        "reporter": reporter.scalar_one(),
    }


def _replicate(session: Session, base: int, copies: int, n: int) -> None:
    """PostgreSQL: copy the first `base` tickets `copies` times with new ids; stop at `n`."""
    columns = [c.name for c in Ticket.__table__.columns if c.name not in ("id", "code")]
    cols = ", ".join(columns)
    picked = ", ".join(f"t.{c}" for c in columns)
    session.execute(
        text(
            f"INSERT INTO ticket (id, code, {cols}) "
            f"SELECT t.id + k * :base, 'BN-' || lpad((t.id + k * :base)::text, 9, '0'), {picked} "
            "FROM ticket t CROSS JOIN generate_series(1, :copies) k "
            "WHERE t.code LIKE 'BN-%' AND t.id + k * :base <= :n"
        ),
        {"base": base, "copies": copies, "n": n},
    )
    session.execute(
        text(
            "INSERT INTO indicator (ticket_id, name, unit, target, achieved, position) "
            "SELECT i.ticket_id + k * :base, i.name, i.unit, i.target, i.achieved, i.position "
            "FROM indicator i JOIN ticket t ON t.id = i.ticket_id AND t.code LIKE 'BN-%' "
            "CROSS JOIN generate_series(1, :copies) k WHERE i.ticket_id + k * :base <= :n"
        ),
        {"base": base, "copies": copies, "n": n},
    )
    session.execute(
        text(
            "INSERT INTO ticket_co_unit (ticket_id, unit_id) "
            "SELECT c.ticket_id + k * :base, c.unit_id FROM ticket_co_unit c "
            "CROSS JOIN generate_series(1, :copies) k WHERE c.ticket_id + k * :base <= :n"
        ),
        {"base": base, "copies": copies, "n": n},
    )
    session.execute(
        text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT max(id) FROM ticket))")
    )


def report_tickets(session: Session, n: int, seed: int, now: datetime) -> int:
    """Load the demo county (no demo tickets) and `n` benchmark tickets; return how many."""
    load_demo(session, 0, seed, now)
    ctx = _context(session, now)
    rng = random.Random(seed)
    is_pg = session.get_bind().dialect.name == "postgresql"
    if session.execute(select(func.count(Ticket.id))).scalar_one():
        raise RuntimeError("report_tickets needs a database without tickets")
    generated = min(n, PYTHON_ROWS) if is_pg else n
    for first in range(1, generated + 1, BATCH):
        tickets, indicators, co_units = [], [], []
        for number in range(first, min(first + BATCH, generated + 1)):
            row, indicator = _ticket(number, rng, ctx, now)
            tickets.append(row)
            indicators.append(indicator)
            if row["responsible_unit_id"] == ctx["agri"]:
                co_units.append({"ticket_id": number, "unit_id": rng.choice(ctx["townships"])})
        session.execute(insert(Ticket.__table__), tickets)
        session.execute(insert(Indicator.__table__), indicators)
        if co_units:
            session.execute(insert(TicketCoUnit.__table__), co_units)
    if is_pg:
        if n > generated:
            _replicate(session, generated, -(-n // generated) - 1, n)
        else:
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                    "(SELECT max(id) FROM ticket))"
                )
            )
    return n
