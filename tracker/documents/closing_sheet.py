"""The 整改销号审批表 (closing sheet) of one finding: what was found and asked, what the unit did
and achieved, the evidence (photos embedded as thumbnails), the verification and the closing,
and lines for the signatures. Printed for a finding that has been verified (to approve its
closing) or closed; anyone who may see the finding may print it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from tracker.core.clock import local_date
from tracker.core.errors import Conflict
from tracker.core.i18n import service_gettext as _
from tracker.documents.letterhead import Letterhead, TableRow, cn_date
from tracker.documents.settings import DocumentSettings
from tracker.evidence.models import Attachment, Purpose
from tracker.evidence.storage import thumbnail_path
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.related import load_related
from tracker.tickets.reported import (
    VERIFICATION_EFFECTS,
    Step,
    evidence_counts,
    figure,
    last_steps,
    unit_reports,
)
from tracker.workflow.definition import WorkflowDefinition

TITLE = "整改销号审批表"
CLOSING_EFFECTS = frozenset({"resolve_done"})
MAX_PICTURES = 6  # per row: two rows of three fill the width of the form
SIGNATURE = "（签字）：　　　　　　　　　　　年　　月　　日"


def check_printable(ticket: Ticket) -> None:
    """A closing sheet exists once the finding is verified, or closed as done."""
    if ticket.verified_at is None and ticket.resolution != Resolution.DONE:
        raise Conflict(_("A closing sheet is printed once the finding has been verified."))


@dataclass(frozen=True)
class _Photos:
    before: tuple[bytes, ...]
    after: tuple[bytes, ...]


def _photos(session: Session, ticket: Ticket, upload_dir: str) -> _Photos:
    """Thumbnails of the finding's photos, before and after (evidence counts as after)."""
    found: dict[bool, list[bytes]] = {True: [], False: []}
    attachments = session.exec(
        select(Attachment)
        .where(Attachment.ticket_id == ticket.id, Attachment.has_thumbnail)
        .order_by(col(Attachment.id))
    ).all()
    for attachment in attachments:
        is_before = attachment.purpose == Purpose.BEFORE
        if len(found[is_before]) >= MAX_PICTURES:
            continue
        path = Path(thumbnail_path(upload_dir, attachment.stored_name))
        if path.is_file():  # a missing file leaves a row short, never the sheet unprinted
            found[is_before].append(path.read_bytes())
    return _Photos(tuple(found[True]), tuple(found[False]))


def _step_text(step: Step | None, tz: str) -> str:
    if step is None:
        return ""
    return f"{step.opinion}\n{step.who}　{cn_date(local_date(step.at, tz))}"


# long: the printed form's rows top to bottom, as on paper
def closing_sheet_docx(
    session: Session,
    ticket: Ticket,
    workflow: WorkflowDefinition,
    config: Mapping[str, Any],
) -> bytes:
    """The sheet as a .docx (GB/T 9704 page and fonts, no 文号: a form, not a 公文)."""
    check_printable(ticket)
    tz = config["TIMEZONE"]
    settings = replace(DocumentSettings.from_config(config), header_title="", recipients="")
    related = load_related(session, [ticket])
    ids = [ticket.id]
    report = unit_reports(session, ids).get(ticket.id, "")
    check = last_steps(session, ids, workflow, VERIFICATION_EFFECTS).get(ticket.id)
    closing = last_steps(session, ids, workflow, CLOSING_EFFECTS).get(ticket.id)
    photos = _photos(session, ticket, str(config["UPLOAD_DIR"]))
    files = evidence_counts(session, ids).get(ticket.id, 0)

    inspection = related.inspections.get(ticket.inspection_id or 0)
    unit = related.unit(ticket.responsible_unit_id)
    location = related.unit(ticket.location_unit_id)
    deadline = f"原定{cn_date(ticket.original_deadline)}"
    if ticket.deadline != ticket.original_deadline:
        deadline += f"，延期至{cn_date(ticket.deadline)}"
    figures = "；".join(
        f"{i.name}{figure(i.achieved)}{i.unit}"
        + (f"（目标{figure(i.target)}{i.unit}）" if i.target is not None else "")
        for i in related.indicators.get(ticket.id, [])
    )
    description = ticket.title
    if ticket.description and ticket.description != ticket.title:
        description += "\n" + ticket.description
    responsible = unit.name if unit else ""
    if ticket.person_in_charge:
        responsible += f"（责任人：{ticket.person_in_charge}）"
    rows = [
        TableRow("问题编号", ticket.code),
        TableRow("督查轮次", inspection.title if inspection else ""),
        TableRow("问题描述", description),
        TableRow("问题地点", location.name if location else ""),
        TableRow("责任单位", responsible),
        TableRow("整改要求", ticket.requirement),
        TableRow("整改时限", deadline),
        TableRow("整改措施", report),
        TableRow("整改成效", figures),
        TableRow("佐证材料", f"共{files}份，退回重报{ticket.rejection_count}次"),
    ]
    if photos.before:
        rows.append(TableRow("整改前照片", pictures=photos.before))
    if photos.after:
        rows.append(TableRow("整改后照片", pictures=photos.after))
    rows += [
        TableRow("核查意见", _step_text(check, tz) or "（待核查）"),
        TableRow("销号意见", _step_text(closing, tz) or "（待审批）"),
        TableRow(
            "签字",
            "\n".join(f"{who}{SIGNATURE}" for who in ("整改单位负责人", "核查人", "审批领导")),
        ),
    ]
    today = local_date(ticket.closed_at or ticket.verified_at or ticket.updated_at, tz)
    from tracker.documents.official import OfficialDocument  # python-docx: on first use

    document = OfficialDocument(Letterhead(TITLE, "", today, settings))
    document.table(rows)
    return document.to_bytes(signed=False, colophon=False)
