"""Filing findings in a batch (`file_tickets`) leaves exactly what filing them one by one does."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from helpers import NOW, PASSWORD, count_queries, database_rows, restart_ids
from sqlmodel import func, select

from tracker.core.errors import Forbidden, ValidationFailed
from tracker.ops import audit
from tracker.org.models import Unit, User
from tracker.org.service import create_user
from tracker.reminders.models import OutboxMessage
from tracker.reminders.notices import recipients_for
from tracker.tickets import filing, service
from tracker.tickets.chain import current_keys, event_fields, event_mac
from tracker.tickets.models import Indicator, Ticket, TicketCodeCounter, TicketCoUnit, TicketEvent
from tracker.tickets.schemas import TicketCreate

UNITS = ["town-a", "town-b", "dept", "village-a"]
CO_UNITS = [[], ["dept"], ["town-b", "village-a"], ["village-b"]]
# The reporter (an inspector) is never told of their own filing; cadre-b is also town-b's cadre.
ASSIGNEES = [None, "cadre-va", "inspector", "cadre-b", "leader-a"]


def finding(i: int, **fields) -> TicketCreate:  # type: ignore[no-untyped-def]
    responsible = UNITS[i % len(UNITS)]
    data = {
        "title": f"第{i}号 房前屋后垃圾堆未清理",
        "description": "督查发现垃圾堆",
        "category": "garbage_pile" if i % 2 else None,
        "responsible_unit": responsible,
        "location_unit": "village-a" if i % 3 else None,
        "co_units": [c for c in CO_UNITS[i % len(CO_UNITS)] if c != responsible],
        "assignee": ASSIGNEES[i % len(ASSIGNEES)],
        "tags": ["三堆", " 回头看 ", ""][: i % 3],
        "indicators": [
            {"name": "清理垃圾堆", "unit": "堆", "target": 12},
            {"name": "回收废旧农膜", "unit": "吨", "target": 3.5, "achieved": 1},
        ][: i % 3],
        **({"deadline_working_days": 10} if i % 2 else {"deadline": date(2026, 7, 31)}),
        **fields,
    }
    return TicketCreate.model_validate(data)


@pytest.fixture
def people(db, county):  # type: ignore[no-untyped-def]
    """Cadres: one without an address (told in the app, never mailed), one disabled (never
    told); one more in dept."""
    create_user(db, "cadre-a-nomail", "cadre", PASSWORD, unit_code="town-a")
    disabled = create_user(
        db, "cadre-b-gone", "cadre", PASSWORD, unit_code="town-b", email="gone@example.org"
    )
    disabled.is_enabled = False
    create_user(db, "cadre-dept2", "cadre", PASSWORD, unit_code="dept", email="d2@example.org")
    db.commit()
    return county


def test_a_batch_leaves_the_same_rows_as_filing_one_by_one(
    db, people, workflow, settings, monkeypatch
):
    """Both ways run from the same committed state; every table is compared row for row."""
    monkeypatch.setattr(filing, "CHUNK", 4)  # 23 findings: five chunks, the last one short
    items = [finding(i) for i in range(1, 24)]
    reporter = people.inspector

    notes_one = service.FilingNotes()
    singles = [
        service.file_ticket(db, reporter, item, workflow, NOW, settings, notes=notes_one)
        for item in items
    ]
    one_by_one = database_rows(db)
    single_codes = [t.code for t in singles]
    db.rollback()
    restart_ids(db)

    notes_batch = service.FilingNotes()
    batch = service.file_tickets(db, reporter, items, workflow, NOW, settings, notes=notes_batch)
    assert database_rows(db) == one_by_one
    assert [t.code for t in batch] == single_codes
    assert notes_batch.fallback_years == notes_one.fallback_years
    db.commit()

    # Both ways share the per-ticket code: check it against the request and against the
    # rules other code applies (the transition notices' recipients, the audit's digest).
    assert_filed_as_asked(db, items, batch, reporter, workflow)
    told = {db.get(User, n.recipient_id).username for n in db.exec(select(OutboxMessage))}
    assert told == {
        "cadre-a",
        "cadre-a-nomail",  # in-app notices need no address (f4f3d4d)
        "cadre-va",
        "cadre-b",
        "cadre-dept",
        "cadre-dept2",
        "leader-a",
    }
    assert audit.verify_chain(db).ok


def assert_filed_as_asked(db, items, tickets, reporter, workflow) -> None:  # type: ignore[no-untyped-def]
    """Each ticket holds what its finding asked for: fields, co-units, indicators in order,
    one `created` event whose hash is its content's, and one notice per person whom
    `recipients_for` names (the rule transitions use), never the reporter."""
    units = {u.id: u.code for u in db.exec(select(Unit))}
    for item, ticket in zip(items, tickets, strict=True):
        db.refresh(ticket)
        assert (ticket.title, ticket.reporter_id, ticket.state, ticket.version) == (
            item.title,
            reporter.id,
            workflow.initial,
            1,
        )
        assert units[ticket.responsible_unit_id] == item.responsible_unit
        assert ticket.assignee_id == (
            db.exec(select(User.id).where(User.username == item.assignee)).first()
        )
        assert ticket.tag_list() == [t.strip() for t in item.tags if t.strip()]
        co_units = db.exec(select(TicketCoUnit.unit_id).where(TicketCoUnit.ticket_id == ticket.id))
        assert sorted(units[u] for u in co_units) == sorted(item.co_units)
        indicators = db.exec(
            select(Indicator).where(Indicator.ticket_id == ticket.id).order_by(Indicator.id)
        ).all()
        assert [(i.position, i.name, i.unit, i.target, i.achieved) for i in indicators] == [
            (n, i.name, i.unit, i.target, i.achieved) for n, i in enumerate(item.indicators)
        ]
        [event] = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert (event.kind, event.actor_id, event.to_state, event.created_at) == (
            "created",
            reporter.id,
            workflow.initial,
            NOW,
        )
        assert event.data == {"deadline": ticket.deadline.isoformat()}
        assert event.prev_hash == "" and event.hash == event_mac(
            current_keys().current, event_fields(event)
        )
        people = recipients_for(db, ticket, ("responsible_unit", "co_units"))
        outbox = db.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).all()
        assert {(m.key, m.recipient_id) for m in outbox} == {
            (f"notice:{event.id}:{u.id}", u.id) for u in people if u.id != reporter.id
        }
        for message in outbox:
            assert (message.rule, message.status, message.payload) == (
                "notice",
                "held",  # gathered into the recipient's next message
                {"event": "created", "event_id": event.id, "actor": reporter.name},
            )


def test_the_returned_tickets_are_ordinary_loaded_tickets(db, county, workflow, settings, move):
    first, second = service.file_tickets(
        db, county.inspector, [finding(1), finding(2)], workflow, NOW, settings
    )
    db.commit()
    assert (first.code, second.code) == ("DC-2026-000001", "DC-2026-000002")
    assert first.state == workflow.initial and first.version == 1
    assert first.created_at == NOW and first.deadline == date(2026, 6, 30)
    assert first.tag_list() == ["三堆"]
    move(second, county.cadre_dept, "accept")  # a versioned UPDATE of the returned object
    assert second.version == 2 and second.state == "rectifying"


def test_codes_are_consecutive_and_continue_the_year(db, county, workflow, settings, make_ticket):
    assert make_ticket().code == "DC-2026-000001"
    items = [finding(i) for i in range(5)]
    codes = [t.code for t in service.file_tickets(db, county.admin, items, workflow, NOW, settings)]
    assert codes == [f"DC-2026-{n:06d}" for n in range(2, 7)]
    assert make_ticket().code == "DC-2026-000007"
    assert db.get(TicketCodeCounter, 2026, populate_existing=True).last == 7


def test_one_bad_finding_files_none_and_reserves_no_code(db, county, workflow, settings):
    items = [finding(1), finding(2, responsible_unit="火星乡"), finding(3)]
    with pytest.raises(ValidationFailed) as refused:
        service.file_tickets(db, county.inspector, items, workflow, NOW, settings)
    assert "responsible_unit" in refused.value.fields
    db.commit()  # whatever was written would now stay
    for model in (Ticket, TicketEvent, Indicator, TicketCoUnit, OutboxMessage):
        assert db.exec(select(func.count()).select_from(model)).one() == 0
    assert db.get(TicketCodeCounter, 2026) is None


def test_a_cadre_may_not_file(db, county, workflow, settings):
    with pytest.raises(Forbidden):
        service.file_tickets(db, county.cadre_a, [finding(1)], workflow, NOW, settings)


def test_findings_are_written_a_thousand_per_statement(app, db, county, workflow, settings):
    items = [finding(i, assignee=None) for i in range(2500)]
    with count_queries(app) as statements:
        tickets = service.file_tickets(db, county.inspector, items, workflow, NOW, settings)
    assert len(tickets) == 2500
    inserts = Counter(s.split()[2].strip('"') for s in statements if s.startswith("INSERT"))
    assert inserts == {
        "ticket_code_counter": 1,  # one upsert reserves all 2,500 codes
        "ticket": 3,  # then per chunk of 1,000: one executemany each
        "ticket_co_unit": 3,
        "indicator": 3,
        "ticket_event": 3,
        "outbox_message": 3,
    }
    updates = Counter(s.split()[1].strip('"') for s in statements if s.startswith("UPDATE"))
    assert updates == {"ticket": 3}  # per chunk: one executemany sets the history chain heads
    # the rest: look-ups of the units, category and calendar once, per chunk the cadres to
    # notify and the outbox keys already planned
    assert len(statements) <= 33, Counter(s[:60] for s in statements)
