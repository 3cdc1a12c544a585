"""Every action × role × relation gives one answer through the web, the API and the CLI.

A finding of town A with town B co-operating; each person stands in one relation to it (own unit,
co-operating unit, in charge, outside, or one who sees everything). Each action is tried on a
fresh copy of the finding through each channel, and judged by what it changed in the database
(not by status codes, which differ by channel); the answer must be the same everywhere and the
one `tracker/policy.py`, the workflow and the visibility rule give.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook
from PIL import Image
from sqlmodel import func, select

from tracker.auth.tokens import create_token
from tracker.core.clock import local_date, utcnow
from tracker.evidence.models import Attachment
from tracker.org.models import Unit
from tracker.policy import Permission, may
from tracker.tickets import service
from tracker.tickets.ledger_cli import import_command
from tracker.tickets.models import EventKind, Ticket, TicketEvent
from tracker.tickets.relations import Viewpoint, relations_of

# person → their relation to a finding of town A with town B co-operating
PEOPLE = {
    "cadre_a": "own unit",
    "cadre_b": "co-operating unit",
    "cadre_dept": "outside",
    "leader_a": "in charge",
    "leader_b": "co-operating unit (leader)",
    "inspector": "sees everything",
    "admin": "sees everything",
}
ACTIONS = ("view", "comment", "evidence", "edit", "accept", "request_return", "file")


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.fixture
def setting(app, db, county, make_ticket):  # type: ignore[no-untyped-def]
    today = local_date(utcnow(), "Asia/Shanghai")

    def fresh() -> Ticket:
        return make_ticket(now=utcnow(), co_units=["town-b"], deadline=today + timedelta(days=30))

    return fresh, today


def _expected(db, user, ticket, workflow, today, action: str) -> bool:  # type: ignore[no-untyped-def]
    relations = relations_of(db, user, ticket)
    viewpoint = Viewpoint.load(db, user)
    sees = viewpoint.sees(_unit(db, "town-a"), [_unit(db, "town-b")])
    if action in ("view", "comment"):
        return sees
    if action == "evidence":
        return sees and may(user, Permission.ADD_EVIDENCE, relations)
    if action == "edit":
        return sees and may(user, Permission.EDIT_FINDINGS, relations)
    if action in ("accept", "request_return"):
        offered = service.transitions_for(db, user, ticket, workflow, today)
        return action in {t.name for t in offered}
    to_town_a = viewpoint.relations(Ticket(), _unit(db, "town-a"), ())
    return may(user, Permission.FILE_FINDINGS, to_town_a)


def _unit(db, code: str) -> Unit:  # type: ignore[no-untyped-def]
    return db.exec(select(Unit).where(Unit.code == code)).one()


def _web(client, db, ticket: Ticket, action: str, today) -> bool:  # type: ignore[no-untyped-def]
    """Try `action` on the pages; whether it took effect."""
    path = f"/tickets/{ticket.id}"
    if action == "view":
        return client.get(path).status_code == 200
    if action == "comment":
        client.post(f"{path}/comments", data={"comment": "进展"})
        return (
            _count(
                db,
                TicketEvent,
                TicketEvent.ticket_id == ticket.id,
                TicketEvent.kind == EventKind.COMMENT,
            )
            == 1
        )
    if action == "evidence":
        client.post(
            f"{path}/attachments",
            data={"purpose": "after", "files": (BytesIO(_png()), "a.png")},
            content_type="multipart/form-data",
        )
        return _count(db, Attachment, Attachment.ticket_id == ticket.id) == 1
    if action == "edit":
        new = (today + timedelta(days=40)).isoformat()
        client.post("/tickets/bulk", data={"ids": [str(ticket.id)], "deadline": new})
        db.rollback()
        return db.get(Ticket, ticket.id).deadline.isoformat() == new
    if action in ("accept", "request_return"):
        data = {"transition": action, "version": str(ticket.version), "comment": "不属本单位"}
        client.post(f"{path}/transition", data=data)
        return _moved(db, ticket, action)
    before = _count(db, Ticket)
    client.post(
        "/tickets/new",
        data={
            "title": "新问题",
            "responsible_unit": "town-a",
            "deadline": (today + timedelta(days=9)).isoformat(),
            "source": "inspection",
            "severity": "normal",
        },
    )
    return _count(db, Ticket) == before + 1


def _api(api, db, ticket: Ticket, action: str, today) -> bool:  # type: ignore[no-untyped-def]
    path = f"/api/v1/tickets/{ticket.id}"
    if action == "view":
        return api("get", path).status_code == 200
    if action == "comment":
        return api("post", f"{path}/comments", json={"comment": "进展"}).status_code == 201
    if action == "evidence":
        answer = api(
            "post",
            f"{path}/attachments",
            data={"file": (BytesIO(_png()), "a.png")},
            content_type="multipart/form-data",
        )
        return answer.status_code == 201
    if action == "edit":
        new = (today + timedelta(days=40)).isoformat()
        body = {"deadline": new, "version": ticket.version}
        return api("patch", path, json=body).status_code == 200
    if action in ("accept", "request_return"):
        body = {"transition": action, "comment": "不属本单位", "version": ticket.version}
        api("post", f"{path}/transitions", json=body)
        return _moved(db, ticket, action)
    body = {
        "title": "新问题",
        "responsible_unit": "town-a",
        "deadline": (today + timedelta(days=9)).isoformat(),
    }
    return api("post", "/api/v1/tickets", json=body).status_code == 201


def _moved(db, ticket: Ticket, action: str) -> bool:  # type: ignore[no-untyped-def]
    db.rollback()
    now = db.get(Ticket, ticket.id)
    return now.state == "rectifying" if action == "accept" else now.return_requested_at is not None


def _cli(app, db, user, tmp_path, today) -> bool:  # type: ignore[no-untyped-def]
    workbook = Workbook()
    workbook.active.append(["问题描述", "责任单位", "整改时限"])
    workbook.active.append(["垃圾堆未清理", "青山乡", (today + timedelta(days=9)).isoformat()])
    sheet = tmp_path / f"{user.username}.xlsx"
    workbook.save(sheet)
    result = app.test_cli_runner().invoke(import_command, [str(sheet), "--as", user.username])
    return result.exit_code == 0


@pytest.mark.parametrize("person", list(PEOPLE))
def test_one_answer_everywhere(app, db, county, workflow, as_user, setting, tmp_path, person):  # type: ignore[no-untyped-def]
    fresh, today = setting
    user = getattr(county, person)
    _row, token = create_token(db, user, "t", utcnow())
    db.commit()
    api_client = app.test_client()

    def api(method: str, path: str, **kw):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}"}
        return getattr(api_client, method)(path, headers=headers, **kw)

    client = as_user(user)
    answers = {}
    for action in ACTIONS:
        by_web, by_api = fresh(), fresh()
        expected = _expected(db, user, by_web, workflow, today, action)
        got = {
            "web": _web(client, db, by_web, action, today),
            "api": _api(api, db, by_api, action, today),
        }
        if action == "file":
            got["cli"] = _cli(app, db, user, tmp_path, today)
        db.rollback()
        answers[action] = (expected, got)
    wrong = {a: v for a, v in answers.items() if any(g != v[0] for g in v[1].values())}
    assert not wrong, (PEOPLE[person], wrong)
