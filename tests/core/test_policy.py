"""Who may do what (tracker/policy.py): the table, and the pages, API and services that ask it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import NOW
from openpyxl import Workbook

from tracker.auth.tokens import create_token
from tracker.core.clock import utcnow
from tracker.core.errors import Forbidden, ValidationFailed
from tracker.policy import RULES, Permission, may, offers, roles_with
from tracker.tickets import service
from tracker.tickets.ledger_cli import import_command
from tracker.tickets.schemas import TicketCreate

P = Permission
NONE: frozenset[str] = frozenset()
IN_CHARGE = frozenset({"leader_in_charge"})
OWN_UNIT = frozenset({"responsible_unit", "involved_unit"})
CO_UNIT = frozenset({"involved_unit"})
REPORTER = frozenset({"reporter"})

# (permission, role, relations to the ticket, allowed)
TABLE = [
    (P.FILE_FINDINGS, "inspector", NONE, True),
    (P.FILE_FINDINGS, "admin", NONE, True),
    (P.FILE_FINDINGS, "leader", NONE, False),
    (P.FILE_FINDINGS, "leader", IN_CHARGE, True),
    (P.FILE_FINDINGS, "cadre", NONE, False),
    (P.IMPORT_HISTORY, "inspector", NONE, True),
    (P.IMPORT_HISTORY, "admin", NONE, True),
    (P.IMPORT_HISTORY, "leader", NONE, False),
    (P.IMPORT_HISTORY, "cadre", NONE, False),
    (P.EDIT_FINDINGS, "inspector", NONE, True),
    (P.EDIT_FINDINGS, "admin", NONE, True),
    (P.EDIT_FINDINGS, "leader", IN_CHARGE, True),
    (P.EDIT_FINDINGS, "leader", REPORTER, False),
    (P.EDIT_FINDINGS, "cadre", OWN_UNIT, False),
    (P.CHASE, "inspector", NONE, True),
    (P.CHASE, "leader", IN_CHARGE, True),
    (P.CHASE, "leader", NONE, False),
    (P.CHASE, "admin", NONE, False),
    (P.CHASE, "cadre", OWN_UNIT, False),
    (P.ADD_EVIDENCE, "cadre", OWN_UNIT, True),
    (P.ADD_EVIDENCE, "cadre", CO_UNIT, True),
    (P.ADD_EVIDENCE, "cadre", NONE, False),
    (P.ADD_EVIDENCE, "leader", IN_CHARGE, True),
    (P.ADD_EVIDENCE, "leader", NONE, False),
    (P.ADD_EVIDENCE, "inspector", NONE, True),
    (P.ADD_EVIDENCE_WHEN_CLOSED, "inspector", NONE, True),
    (P.ADD_EVIDENCE_WHEN_CLOSED, "admin", NONE, True),
    (P.ADD_EVIDENCE_WHEN_CLOSED, "cadre", OWN_UNIT, False),
    (P.ADD_EVIDENCE_WHEN_CLOSED, "leader", IN_CHARGE, False),
    (P.CREATE_INSPECTION, "inspector", NONE, True),
    (P.CREATE_INSPECTION, "admin", NONE, True),
    (P.CREATE_INSPECTION, "leader", NONE, False),
    (P.JOIN_INSPECTION_TEAM, "leader", NONE, True),
    (P.JOIN_INSPECTION_TEAM, "admin", NONE, False),
    (P.EDIT_NEXT_STEPS, "leader", NONE, True),
    (P.EDIT_NEXT_STEPS, "cadre", NONE, False),
    (P.EDIT_BULLETIN, "admin", NONE, True),
    (P.EDIT_BULLETIN, "cadre", NONE, False),
    (P.ACCEPT_ACCOUNTS, "inspector", NONE, True),
    (P.ACCEPT_ACCOUNTS, "leader", NONE, False),
    (P.ACCEPT_ACCOUNTS, "cadre", NONE, False),
    (P.READ_LEADER_REPORTS, "inspector", NONE, True),
    (P.READ_LEADER_REPORTS, "cadre", NONE, False),
    (P.ADMINISTER, "admin", NONE, True),
    (P.ADMINISTER, "inspector", NONE, False),
    (P.SUPERVISE, "inspector", NONE, True),
    (P.SUPERVISE, "leader", IN_CHARGE, True),
    (P.SUPERVISE, "leader", NONE, False),
    (P.SUPERVISE, "cadre", OWN_UNIT, False),
    (P.SUPERVISE, "admin", NONE, False),
]


@pytest.mark.parametrize(("permission", "role", "relations", "allowed"), TABLE)
def test_policy_table(permission, role, relations, allowed) -> None:  # type: ignore[no-untyped-def]
    assert may(role, permission, relations) is allowed
    # a role offered an action may take it on some ticket; one not offered, on none
    assert offers(role, permission) == may(role, permission, OWN_UNIT | IN_CHARGE)


def test_every_permission_has_a_rule_and_a_row() -> None:
    assert set(RULES) == set(Permission)
    assert {row[0] for row in TABLE} == set(Permission)
    assert roles_with(P.JOIN_INSPECTION_TEAM) == ("inspector", "leader")


@pytest.mark.parametrize("who", ["admin", "inspector", "leader", "leader_a", "cadre_a"])
def test_filing_and_importing_follow_one_rule(app, db, county, workflow, settings, as_user, who):  # type: ignore[no-untyped-def]
    """The filing page, the import page and the filing service answer alike (the import page
    used to turn leaders away while the service let them file from a sheet)."""
    user = getattr(county, who)
    allowed = offers(user, P.FILE_FINDINGS)
    assert allowed == (user.role != "cadre")
    client = as_user(user)
    expected = 200 if allowed else 403
    assert client.get("/tickets/new").status_code == expected
    assert client.get("/tickets/import").status_code == expected
    data = TicketCreate(title="t", responsible_unit="town-a", deadline=NOW.date())
    if allowed:
        service.file_ticket(db, user, data, workflow, NOW, settings)
    else:
        with pytest.raises(Forbidden):
            service.file_ticket(db, user, data, workflow, NOW, settings)
    page = client.get("/tickets").get_data(as_text=True)
    assert ("/tickets/import" in page) is allowed


def test_a_leader_files_only_within_their_charge(app, db, county, workflow, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A leader who could file for a township outside their charge got 201, then 404 on the
    finding just filed: the service, the API and a sheet (CLI) now refuse it alike."""
    leader = county.leader_a  # in charge of town A
    due = (utcnow() + timedelta(days=30)).date()  # within the horizon at NOW and now
    outside = TicketCreate(title="t", responsible_unit="town-b", deadline=due)
    with pytest.raises(ValidationFailed) as refused:
        service.file_ticket(db, leader, outside, workflow, NOW, settings)
    assert "responsible_unit" in refused.value.fields
    db.rollback()
    _row, token = create_token(db, leader, "t", NOW)
    db.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"title": "t", "responsible_unit": "town-b", "deadline": due.isoformat()}
    answer = api.post("/api/v1/tickets", json=body, headers=headers)
    assert answer.status_code == 422 and "responsible_unit" in answer.get_json()["error"]["fields"]
    answer = api.post(
        "/api/v1/tickets", json={**body, "responsible_unit": "village-a"}, headers=headers
    )
    assert answer.status_code == 201
    assert api.get(f"/api/v1/tickets/{answer.get_json()['id']}", headers=headers).status_code == 200
    workbook = Workbook()
    workbook.active.append(["问题描述", "责任单位", "整改时限"])
    workbook.active.append(["垃圾堆未清理", "青山乡", due.isoformat()])
    workbook.active.append(["垃圾堆未清理", "河西镇", due.isoformat()])
    sheet = tmp_path / "two.xlsx"
    workbook.save(sheet)
    result = app.test_cli_runner().invoke(import_command, [str(sheet), "--as", "leader-a"])
    assert result.exit_code == 1 and "第 3 行" in result.output and "第 2 行" not in result.output
