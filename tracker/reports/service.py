"""Changes the reports pages make: the bulletin's next-steps text of an inspection round."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.errors import Forbidden, ValidationFailed
from tracker.i18n import service_gettext as _
from tracker.inspections.models import Inspection
from tracker.inspections.service import get_visible_inspection
from tracker.org.models import User
from tracker.policy import Permission, offers

MAX_NEXT_STEPS = 20000


def get_inspection(session: Session, user: User, inspection_id: int) -> Inspection:
    """The round, if `user` may see it; NotFound (404) otherwise, as on /inspections/<id>."""
    return get_visible_inspection(session, user, inspection_id)


def save_next_steps(
    session: Session, user: User, inspection_id: int, text: str, now: datetime
) -> Inspection:
    """Store 三、下一步工作措施及建议 with the round, and who wrote it when."""
    if not offers(user, Permission.EDIT_BULLETIN):
        raise Forbidden(_("only leaders, inspectors and admins edit the bulletin"))
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_NEXT_STEPS:
        raise ValidationFailed(
            _("the next steps are too long"),
            {"next_steps": _("at most %(count)s characters", count=MAX_NEXT_STEPS)},
        )
    inspection = get_inspection(session, user, inspection_id)
    inspection.next_steps = text
    inspection.next_steps_updated_at = now
    inspection.next_steps_updated_by_id = user.id
    session.add(inspection)
    session.flush()
    return inspection
