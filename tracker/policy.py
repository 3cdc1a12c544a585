"""Who may do what: every role rule of the application in one table.

Each permission maps the roles that hold it to what a role needs on the ticket concerned: `ANY`
(no relation needed: any ticket they can see) or a relation, as `tracker/tickets/relations.py`
works it out (e.g. a leader edits only tickets in their charge). A role not listed may not. Workflow
transitions keep their own per-transition roles and relations in the workflow file.

Views, the API, the CLI and services all ask `may` (for one ticket, with the user's relations to
it) or `offers` (whether to show an entry point at all: the role holds the permission for some
ticket). Services raise `Forbidden` with their own message; views answer 403.

A workflow step whose effects need a permission (`tickets/effects.PERMISSIONS`: supervising) is
held to it as well: the workflow file may narrow who takes the step, never widen it (start-up
refuses a role the table does not give the permission).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

from tracker.org.models import Role, User
from tracker.workflow.definition import INVOLVED_UNIT, LEADER_IN_CHARGE


class Permission(StrEnum):
    FILE_FINDINGS = "file_findings"  # one at a time (page, API) or from a sheet (page, CLI)
    IMPORT_HISTORY = "import_history"  # a finished round's ledger, as history (page, CLI)
    EDIT_FINDINGS = "edit_findings"  # fields of a ticket, one at a time or in bulk
    CHASE = "chase"  # a manual urgent reminder (催办) to the responsible unit
    ADD_EVIDENCE = "add_evidence"  # upload files to an open ticket
    ADD_EVIDENCE_WHEN_CLOSED = "add_evidence_when_closed"  # follow-up checks (回头看)
    CREATE_INSPECTION = "create_inspection"
    JOIN_INSPECTION_TEAM = "join_inspection_team"  # who may be named in an inspection's team
    EDIT_NEXT_STEPS = "edit_next_steps"  # an inspection's next steps
    READ_LEADER_REPORTS = "read_leader_reports"  # overdue and ranking pages in the menu
    EDIT_BULLETIN = "edit_bulletin"  # the bulletin (通报): its pages and next-steps text
    ACCEPT_ACCOUNTS = "accept_accounts"  # a township's account for the bulletin (整改情况)
    SUPERVISE = "supervise"  # put a finding under special supervision (挂牌督办), lift it
    ADMINISTER = "administer"  # units, users, categories, calendar, outbox


ANY: Final = "any"

# Keyed by role names: a Role is a str, and callers hold a user's role as a str.
RULES: Final[Mapping[Permission, Mapping[str, str]]] = {
    # A leader files for the units in their charge: they could not see a finding filed elsewhere.
    Permission.FILE_FINDINGS: {Role.INSPECTOR: ANY, Role.ADMIN: ANY, Role.LEADER: LEADER_IN_CHARGE},
    Permission.IMPORT_HISTORY: {Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    Permission.EDIT_FINDINGS: {Role.INSPECTOR: ANY, Role.ADMIN: ANY, Role.LEADER: LEADER_IN_CHARGE},
    Permission.CHASE: {Role.INSPECTOR: ANY, Role.LEADER: LEADER_IN_CHARGE},
    Permission.ADD_EVIDENCE: {
        Role.ADMIN: ANY,
        Role.INSPECTOR: ANY,
        Role.CADRE: INVOLVED_UNIT,
        Role.LEADER: LEADER_IN_CHARGE,
    },
    Permission.ADD_EVIDENCE_WHEN_CLOSED: {Role.ADMIN: ANY, Role.INSPECTOR: ANY},
    Permission.CREATE_INSPECTION: {Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    Permission.JOIN_INSPECTION_TEAM: {Role.INSPECTOR: ANY, Role.LEADER: ANY},
    Permission.EDIT_NEXT_STEPS: {Role.LEADER: ANY, Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    Permission.READ_LEADER_REPORTS: {Role.LEADER: ANY, Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    Permission.EDIT_BULLETIN: {Role.LEADER: ANY, Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    Permission.ACCEPT_ACCOUNTS: {Role.INSPECTOR: ANY, Role.ADMIN: ANY},
    # A leader supervises what is in their charge (a county leader: the whole county, 县级领导包案).
    Permission.SUPERVISE: {Role.INSPECTOR: ANY, Role.LEADER: LEADER_IN_CHARGE},
    Permission.ADMINISTER: {Role.ADMIN: ANY},
}


def _role(who: User | str) -> str:
    return who if isinstance(who, str) else who.role


def offers(who: User | str, permission: Permission) -> bool:
    """Whether the role holds `permission` at all (for some ticket): show the button, the link."""
    return _role(who) in RULES[permission]


def may(who: User | str, permission: Permission, relations: Iterable[str] = ()) -> bool:
    """Whether the user (or role) may do this, given their relations to the ticket concerned
    (none for actions that concern no ticket)."""
    needed = RULES[permission].get(_role(who))
    return needed is not None and (needed == ANY or needed in relations)


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles holding `permission` (for queries: e.g. who may be named in a team)."""
    return tuple(RULES[permission])
