"""The 督办通知单: one official notice to one unit for a batch of its findings, with a 文号.

Who may issue it is the chase rule (`Permission.CHASE`: inspectors, leaders in charge) for
every finding in the batch; the findings are looked up through the viewer's scope first, so a
finding one may not see is a 404 like everywhere else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from tracker.core.clock import local_date
from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.documents.letterhead import Letterhead, cn_date
from tracker.documents.numbering import issue_number
from tracker.documents.settings import DocumentSettings
from tracker.org.models import Unit, User
from tracker.policy import Permission, may
from tracker.tickets.models import Ticket
from tracker.tickets.related import load_related
from tracker.tickets.relations import relations_of
from tracker.tickets.scope import visible_tickets
from tracker.tickets.status import clock_running
from tracker.workflow.definition import WorkflowDefinition

TITLE = "督办通知单"
MAX_FINDINGS = 50  # one notice; a bigger batch is a list, not a notice
CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Batch:
    """The findings of one responsible unit that one notice covers."""

    unit: Unit
    tickets: tuple[Ticket, ...]

    def key(self) -> str:
        """The register key: the same unit and findings print the same 文号 again."""
        ids = ",".join(str(t.id) for t in sorted(self.tickets, key=lambda t: t.id or 0))
        return f"notice:{self.unit.id}:{hashlib.sha256(ids.encode()).hexdigest()[:32]}"


def notice_batches(session: Session, user: User, ids: Sequence[int]) -> list[Batch]:
    """The visible findings `ids`, grouped by responsible unit (one notice each).

    NotFound if any is not visible (or does not exist); Forbidden if the user may not chase
    one of them; ValidationFailed for an empty or oversized selection.
    """
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationFailed(_("Tick the findings to put in the notice."), {"ids": "required"})
    if len(wanted) > MAX_FINDINGS:
        raise ValidationFailed(
            _("At most %(count)s findings per notice.", count=MAX_FINDINGS), {"ids": "too many"}
        )
    tickets = session.exec(
        visible_tickets(session, user)
        .where(col(Ticket.id).in_(wanted))
        .order_by(col(Ticket.deadline), col(Ticket.id))  # ties in the order they were filed
    ).all()
    if len(tickets) != len(wanted):
        raise NotFound(_("ticket not found"))
    for ticket in tickets:
        if not may(user, Permission.CHASE, relations_of(session, user, ticket)):
            raise Forbidden(_("only inspectors and the leaders in charge may chase a finding"))
    unit_ids = {t.responsible_unit_id for t in tickets}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    grouped: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        grouped.setdefault(ticket.responsible_unit_id, []).append(ticket)
    return [Batch(units[unit_id], tuple(found)) for unit_id, found in grouped.items()]


def notice_letterhead(
    session: Session,
    batch: Batch,
    config: Mapping[str, Any],
    user: User,
    now: datetime,
) -> Letterhead:
    """The `[documents]` settings addressed to the unit (主送), with the batch's own 文号."""
    settings = replace(DocumentSettings.from_config(config), recipients=batch.unit.name)
    today = local_date(now, config["TIMEZONE"])
    entry = issue_number(
        session, batch.key(), f"{TITLE}（{batch.unit.name}）", settings, user, now, today.year
    )
    return Letterhead(TITLE, entry.number, today, settings)


def _deadline_text(ticket: Ticket, today: date, workflow: WorkflowDefinition) -> str:
    text = cn_date(ticket.deadline)
    if ticket.deadline != ticket.original_deadline:
        text += f"（原定{cn_date(ticket.original_deadline)}，已批准延期）"
    if clock_running(ticket, workflow) and today > ticket.deadline:
        text += f"，已逾期{(today - ticket.deadline).days}天"
    return text + "。"


@dataclass(frozen=True)
class NoticeFinding:
    """One finding in a notice: its "（一）…" heading and its paragraph."""

    heading: str
    text: str


@dataclass(frozen=True)
class NoticeContent:
    """What one notice says, built once and rendered both as .docx and as a printable page."""

    unit: Unit
    letterhead: Letterhead
    intro: str
    findings: tuple[NoticeFinding, ...]
    closing: str

    @property
    def recipients(self) -> str:
        """主送, as the page prints it: the unit followed by "："."""
        return self.letterhead.settings.recipients.rstrip("：:") + "："

    @property
    def date_text(self) -> str:
        return cn_date(self.letterhead.issued_on)


def notice_content(
    session: Session,
    batch: Batch,
    letterhead: Letterhead,
    workflow: WorkflowDefinition,
) -> NoticeContent:
    """The notice: the findings with codes, requirements and deadlines; what to do; contact."""
    settings = letterhead.settings
    today = letterhead.issued_on
    related = load_related(session, list(batch.tickets), details=False)
    rounds = sorted({i.title for i in related.inspections.values()})
    source = f"在{'、'.join(rounds)}中" if rounds else "在督查检查中"
    findings = []
    for index, ticket in enumerate(batch.tickets, start=1):
        location = related.unit(ticket.location_unit_id)
        parts = []
        if ticket.description and ticket.description != ticket.title:
            parts.append(f"问题描述：{ticket.description.rstrip('。')}。")
        if location is not None:
            parts.append(f"问题地点：{location.name}。")
        requirement = (ticket.requirement or "立行立改，彻底整改到位").rstrip("。")
        parts.append(f"整改要求：{requirement}。")
        parts.append(f"整改时限：{_deadline_text(ticket, today, workflow)}")
        heading = f"（{_cn_number(index)}）{ticket.title}（{ticket.code}）"
        findings.append(NoticeFinding(heading, "".join(parts)))
    reply_to = settings.issuing_body or "督查部门"
    contact = f"联系人：{settings.contact.rstrip('。')}。" if settings.contact else ""
    return NoticeContent(
        unit=batch.unit,
        letterhead=letterhead,
        intro=f"{source}发现你单位存在以下{len(batch.tickets)}个问题，现予督办。",
        findings=tuple(findings),
        closing=(
            f"请于整改时限内报告整改情况，并将整改前后照片等佐证材料报送{reply_to}；"
            f"不能按期完成的，须在时限届满前申请延期。{contact}"
        ),
    )


def notice_docx(content: NoticeContent) -> bytes:
    """The notice as an official .docx (GB/T 9704 layout)."""
    from tracker.documents.official import OfficialDocument  # python-docx: on first use

    document = OfficialDocument(content.letterhead)
    document.paragraph(content.intro)
    for finding in content.findings:
        document.subheading(finding.heading)
        document.paragraph(finding.text)
    document.paragraph(content.closing)
    return document.to_bytes(colophon=False)  # addressed to the unit alone: no 抄送/印发


def prepare_notices(
    session: Session,
    user: User,
    ids: Sequence[int],
    workflow: WorkflowDefinition,
    config: Mapping[str, Any],
    now: datetime,
) -> list[NoticeContent]:
    """The notices for the findings `ids`, one per responsible unit; their 文号 are entered in
    the register (the caller commits)."""
    return [
        notice_content(
            session, batch, notice_letterhead(session, batch, config, user, now), workflow
        )
        for batch in notice_batches(session, user, ids)
    ]


def notice_file(content: NoticeContent) -> tuple[str, bytes]:
    """The notice as a file to download: (file name, .docx)."""
    return f"notice-{content.unit.code}.docx", notice_docx(content)


def _cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (up to 99: headings of a notice)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    head = CN_NUMBERS[tens - 1] if tens > 1 else ""
    return head + "十" + (CN_NUMBERS[ones - 1] if ones else "")
