"""Changes the reports pages make: the bulletin's next-steps text of an inspection round."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.inspections.models import Inspection
from tracker.inspections.service import get_visible_inspection, update_next_steps
from tracker.org.models import User


def get_inspection(session: Session, user: User, inspection_id: int) -> Inspection:
    """The round, if `user` may see it; NotFound (404) otherwise, as on /inspections/<id>."""
    return get_visible_inspection(session, user, inspection_id)


def save_next_steps(
    session: Session, user: User, inspection_id: int, text: str, now: datetime
) -> Inspection:
    """Store 三、下一步工作措施及建议 with the round (`inspections.service.update_next_steps`)."""
    return update_next_steps(session, user, get_inspection(session, user, inspection_id), text, now)
