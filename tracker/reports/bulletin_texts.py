"""The bulletin's written parts: each township's account of its measures (整改情况) and
section 二 as its author edited it. Every save is a new version (who, when); nothing is
rewritten, so the history of a text is its versions.

A township's cadre submits its account for a round; an inspector (or admin) accepts it, or
writes a corrected version, which counts as accepted. The bulletin prints the newest accepted
version; a newer submission waits on the bulletin page for acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.inspections.models import Inspection
from tracker.org.models import Role, Unit, User
from tracker.policy import Permission, offers
from tracker.reports.models import BulletinText
from tracker.reports.queries import group_of, load_units

ACCOUNT, PROBLEMS = "account", "problems"
MAX_TEXT = 5000


@dataclass
class RoundTexts:
    """The current texts of one round."""

    accepted: dict[int, BulletinText] = field(default_factory=dict)  # township id → account
    pending: dict[int, BulletinText] = field(default_factory=dict)  # newer, not accepted yet
    problems: BulletinText | None = None


def round_texts(session: Session, inspection_id: int) -> RoundTexts:
    """Newest accepted and newest pending account per township, and section 二 (one query)."""
    result = RoundTexts()
    rows = session.exec(
        select(BulletinText)
        .where(BulletinText.inspection_id == inspection_id)
        .order_by(col(BulletinText.id))
    )
    for row in rows:
        if row.section == PROBLEMS:
            result.problems = row
        elif row.unit_id is not None and row.accepted_at is not None:
            result.accepted[row.unit_id] = row
            result.pending.pop(row.unit_id, None)
        elif row.unit_id is not None:
            result.pending[row.unit_id] = row
    return result


def account_history(session: Session, inspection_id: int, unit_id: int) -> list[BulletinText]:
    """Every version of a township's account for the round, newest first."""
    return list(
        session.exec(
            select(BulletinText)
            .where(
                BulletinText.inspection_id == inspection_id,
                BulletinText.section == ACCOUNT,
                BulletinText.unit_id == unit_id,
            )
            .order_by(col(BulletinText.id).desc())
        )
    )


def _clean(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed(_("the text is empty"), {"text": _("Write the text.")})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("the text is too long"), {"text": _("At most %(count)s characters.", count=MAX_TEXT)}
        )
    return text


def own_township(session: Session, user: User) -> Unit | None:
    """The township a cadre's unit belongs to (None for other roles or units outside one)."""
    if user.role != Role.CADRE or user.unit_id is None:
        return None
    units = load_units(session)
    unit = units.get(user.unit_id)
    return group_of(unit, units) if unit else None


def submit_account(
    session: Session, user: User, inspection: Inspection, township: Unit, text: str, now: datetime
) -> BulletinText:
    """A new version of `township`'s account: its own cadres submit; an accepter's version is
    accepted at once. `inspection` must already be one `user` may see."""
    is_accepter = offers(user, Permission.ACCEPT_ACCOUNTS)
    if not is_accepter:
        mine = own_township(session, user)
        if mine is None or mine.id != township.id:
            raise Forbidden(_("only the township's own cadres write its account"))
    return _new_version(
        session, user, inspection, ACCOUNT, text, now, is_accepted=is_accepter, unit=township
    )


def accept_account(
    session: Session, user: User, inspection: Inspection, text_id: int, now: datetime
) -> BulletinText:
    """Accept a submitted version: the bulletin prints it from now on."""
    if not offers(user, Permission.ACCEPT_ACCOUNTS):
        raise Forbidden(_("only inspectors accept a township's account"))
    row = session.get(BulletinText, text_id)
    if row is None or row.inspection_id != inspection.id or row.section != ACCOUNT:
        raise NotFound(_("text not found"))
    if row.accepted_at is None:
        row.accepted_at, row.accepted_by_id = now, user.id
        session.add(row)
        session.flush()
    return row


def save_problems(
    session: Session, user: User, inspection: Inspection, text: str, now: datetime
) -> BulletinText:
    """A new version of section 二 (存在的主要问题) for the round."""
    if not offers(user, Permission.EDIT_BULLETIN):
        raise Forbidden(_("only leaders, inspectors and admins edit the bulletin"))
    return _new_version(session, user, inspection, PROBLEMS, text, now, is_accepted=True)


def _new_version(
    session: Session,
    user: User,
    inspection: Inspection,
    section: str,
    text: str,
    now: datetime,
    *,
    is_accepted: bool,
    unit: Unit | None = None,
) -> BulletinText:
    """A new version of a text of the round, written by `user` now (and accepted by them)."""
    row = BulletinText(
        inspection_id=inspection.id,
        section=section,
        unit_id=unit.id if unit else None,
        text=_clean(text),
        written_by_id=user.id,
        written_at=now,
        accepted_by_id=user.id if is_accepted else None,
        accepted_at=now if is_accepted else None,
    )
    session.add(row)
    session.flush()
    return row
