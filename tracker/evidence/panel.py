"""The evidence card's content on a ticket page: photos, documents, and who may add more."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker.evidence import service
from tracker.evidence.forms import PURPOSE_LABELS, UploadForm
from tracker.evidence.models import Attachment
from tracker.org.models import User
from tracker.tickets.models import Ticket


@dataclass
class EvidencePanel:
    attachments: list[Attachment]
    can_upload: bool
    form: UploadForm | None
    uploaders: dict[int, User] = field(default_factory=dict)

    @property
    def images(self) -> list[Attachment]:
        return [a for a in self.attachments if a.is_image]

    @property
    def documents(self) -> list[Attachment]:
        return [a for a in self.attachments if not a.is_image]

    @property
    def by_id(self) -> dict[int, Attachment]:
        return {a.id: a for a in self.attachments}

    @property
    def uncited(self) -> list[Attachment]:
        """Files not yet given as evidence with a transition (offered in transition forms)."""
        return [a for a in self.attachments if a.event_id is None]

    def purpose_label(self, purpose: str) -> str:
        return str(PURPOSE_LABELS.get(purpose, purpose))

    def uploader(self, attachment: Attachment) -> str:
        user = self.uploaders.get(attachment.uploader_id or 0)
        return user.name if user else ""


def build_panel(session: Session, user: User, ticket: Ticket) -> EvidencePanel:
    """Two queries: the ticket's attachments and their uploaders."""
    attachments = service.attachments_of(session, ticket)
    ids = {a.uploader_id for a in attachments if a.uploader_id}
    uploaders = {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}
    allowed = service.can_upload(session, user, ticket)
    return EvidencePanel(
        attachments=attachments,
        can_upload=allowed,
        form=UploadForm() if allowed else None,
        uploaders=uploaders,
    )
