"""The evidence card's content on a ticket page: photos with their facts and flags, documents,
and who may add more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from tracker.evidence import places, service
from tracker.evidence.datum import DATUM_NAMES
from tracker.evidence.duplicates import Similar
from tracker.evidence.exif import Position
from tracker.evidence.flags import EvidenceFlags, Flag, FlagRules, flags_for_tickets
from tracker.evidence.forms import PURPOSE_LABELS, UploadForm
from tracker.evidence.models import Attachment, Purpose
from tracker.org.models import User
from tracker.policy import Permission, may
from tracker.tickets.models import Ticket
from tracker.tickets.relations import relations_of
from tracker.workflow.definition import WorkflowDefinition


def photo_alt(attachment: Attachment, code: str) -> str:
    """A photo's alt text, in the page's language: what it shows, on which ticket, and when
    (taken, from its EXIF, or else uploaded), e.g. "整改后照片 · DC-2026-000001 · 2026年11月20日".
    Every template that shows a photo uses it (a Jinja global), never the file name."""
    shown = str(PURPOSE_LABELS.get(attachment.purpose, PURPOSE_LABELS[Purpose.EVIDENCE]))
    return " · ".join((shown, code, format_date(attachment.taken_at or attachment.created_at)))


@dataclass(frozen=True)
class PhotoView:
    """What templates show about photos as one viewer sees them: flags, visible copies,
    positions and map links (the ticket page's card and a round's photo wall)."""

    found: EvidenceFlags = field(default_factory=EvidenceFlags)
    maps: places.MapLinks = field(default_factory=places.MapLinks)

    def flags(self, attachment: Attachment) -> list[Flag]:
        return self.found.flags.get(attachment.id, [])

    def similar(self, attachment: Attachment) -> list[Similar]:
        return self.found.similar.get(attachment.id, [])

    def position(self, attachment: Attachment) -> Position | None:
        return places.attachment_position(attachment)

    def map_url(self, position: Position | None) -> str:
        return self.maps.url(position)

    @property
    def datum_note(self) -> str:
        """Which datum the coordinates shown are in, and the map link's when it differs."""
        if self.maps.converts:
            return _("WGS 84; the map link uses %(datum)s", datum=DATUM_NAMES[self.maps.datum])
        return _("WGS 84")


@dataclass
class EvidencePanel:
    attachments: list[Attachment]
    can_upload: bool
    form: UploadForm | None
    uploaders: dict[int, User] = field(default_factory=dict)
    view: PhotoView = field(default_factory=PhotoView)
    place: Position | None = None
    can_place: bool = False  # may enter the finding's coordinates

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

    def is_own_evidence(self, attachment: Attachment, user: User) -> bool:
        """Whether a transition form ticks this file for `user` at first: uncited files their
        own unit added, never the inspector's before-photos."""
        if attachment.purpose == Purpose.BEFORE or attachment.event_id is not None:
            return False
        uploader = self.uploaders.get(attachment.uploader_id or 0)
        if uploader is None:
            return False
        return uploader.id == user.id or (
            uploader.unit_id is not None and uploader.unit_id == user.unit_id
        )

    def purpose_label(self, purpose: str) -> str:
        return str(PURPOSE_LABELS.get(purpose, purpose))

    def uploader(self, attachment: Attachment) -> str:
        user = self.uploaders.get(attachment.uploader_id or 0)
        return user.name if user else ""

    @property
    def flag_count(self) -> int:
        return sum(len(f) for f in self.view.found.flags.values())

    def photos(self, purpose: str) -> list[Attachment]:
        return [a for a in self.images if a.purpose == purpose]

    @property
    def before_after(self) -> tuple[list[Attachment], list[Attachment]]:
        """The before-photos and the after-photos, each in upload order."""
        return self.photos(Purpose.BEFORE), self.photos(Purpose.AFTER)


def build_panel(
    session: Session,
    user: User,
    ticket: Ticket,
    workflow: WorkflowDefinition,
    config: Mapping[str, Any],
) -> EvidencePanel:
    """What the ticket page shows of its evidence, built by its view: a fixed number of
    queries (the ticket's attachments, their uploaders, and what the flags need: the ticket's
    place, its acceptance time, visible copies)."""
    attachments = service.attachments_of(session, ticket)
    ids = {a.uploader_id for a in attachments if a.uploader_id}
    uploaders = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}
    )
    allowed = service.can_upload(session, user, ticket, workflow)
    found = flags_for_tickets(session, user, [ticket], attachments, FlagRules.of(workflow, config))
    return EvidencePanel(
        attachments=attachments,
        can_upload=allowed,
        form=UploadForm() if allowed else None,
        uploaders=uploaders,
        view=PhotoView(found, places.MapLinks.from_config(config)),
        place=found.places.get(ticket.id),
        can_place=may(user, Permission.EDIT_FINDINGS, relations_of(session, user, ticket)),
    )
