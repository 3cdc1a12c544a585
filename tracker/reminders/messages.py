"""Rendering an outbox row into a mail: subject, text and HTML, in the recipient's language."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from email.mime.base import MIMEBase
from email.policy import compat32
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message
from markupsafe import Markup

from tracker.core.config import get_settings
from tracker.org.models import Unit, User
from tracker.reminders.models import OPTIONAL_RULES, Rule
from tracker.reminders.policy import Policy
from tracker.tickets.models import Ticket
from tracker.workflow.definition import WorkflowDefinition

if TYPE_CHECKING:
    from tracker.reminders.digest import Digest

# compat32 writing CRLF lines. Flask-Mail sets `email.policy.SMTP`, whose header registry parses
# every header back while the generator writes it: a third of the time spent writing a digest
# (bench/RESULTS.md). The headers are already encoded (Flask-Mail's sanitize_* do RFC 2047), so
# compat32 writes the same mail: the tests parse it under the default policy with no defect.
SMTP_COMPAT32 = compat32.clone(linesep="\r\n")


class MailMessage(Message):
    """Flask-Mail's message, written by the faster compat32 policy, with random boundaries.

    A boundary of 122 random bits, drawn after the text was rendered, cannot occur in it; so
    the generator's search for a boundary absent from each part (a regular expression over the
    whole text, once per multipart) is skipped."""

    _written: bytes | None = None

    def _message(self) -> MIMEBase:
        message = super()._message()
        message.policy = SMTP_COMPAT32
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{uuid.uuid4().hex}")
        return message

    def freeze(self) -> None:
        """Write the mail now (dated now), so that sending it only sends these bytes.
        Nothing may change the message afterwards."""
        if self.date is None:
            self.date = time.time()
        self._written = self._message().as_bytes()

    def as_bytes(self) -> bytes:
        return self._written if self._written is not None else super().as_bytes()


LEVEL_RULES: dict[str, str] = {Rule.ESCALATE: "yellow", Rule.RED: "red"}


@dataclass(frozen=True)
class TicketView:
    """What a mail says about one ticket (shared by every message that lists it)."""

    id: int
    code: str
    title: str
    unit: str
    deadline: str  # local date, ISO
    days_left: int | None
    link: str
    # This ticket's digest line per (locale, "txt" or "html"), rendered once per dispatch batch:
    # about 45 % of a sweep's lines are a ticket in a cadre's and a leader's digest.
    lines: dict[tuple[str, str], str] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )


def ticket_view(
    ticket: Ticket, units: dict[int, Unit], policy: Policy, days_left: int | None
) -> TicketView:
    unit = units.get(ticket.responsible_unit_id)
    return TicketView(
        id=ticket.id,
        code=ticket.code,
        title=ticket.title,
        unit=unit.name if unit else "",
        deadline=ticket.deadline.isoformat(),
        days_left=days_left,
        link=policy.ticket_url(ticket.id),
    )


def subject_for(rule: str, payload: dict[str, Any], item: TicketView | None, count: int) -> str:
    code = item.code if item else ""
    days = abs(item.days_left or 0) if item else 0
    if rule == Rule.BEFORE:
        return _("%(code)s: %(days)s days left to rectify", code=code, days=days)
    if rule == Rule.DUE:
        return _("%(code)s: the deadline is today", code=code)
    if rule == Rule.OVERDUE:
        return _("%(code)s: overdue by %(days)s days", code=code, days=days)
    if rule == Rule.ESCALATE:
        return _("Escalation: %(code)s is overdue by %(days)s days", code=code, days=days)
    if rule == Rule.RED:
        return _("Red alert: %(code)s is overdue by %(days)s days", code=code, days=days)
    if rule == Rule.STALE:
        return _(
            "%(code)s: no progress for %(days)s days", code=code, days=payload.get("idle_days", 0)
        )
    if rule == Rule.CHASE:
        return _("Urgent reminder: %(code)s", code=code)
    if rule == Rule.SUPERVISION:
        return _("Under special supervision: %(code)s", code=code)
    if rule == Rule.SUPERVISION_REPORT:
        return _("%(code)s: the weekly progress report to the supervising leader is due", code=code)
    if rule == Rule.CADRE_DIGEST:
        return _("Daily digest: %(count)s findings due or overdue", count=count)
    if rule == Rule.LEADER_DIGEST:
        return _("Weekly digest: %(count)s overdue findings in your charge", count=count)
    if payload.get("event") == "created":
        return _("%(code)s: a new finding for your unit", code=code)
    return _("%(code)s: %(action)s", code=code, action=payload.get("action", ""))


def days_text(locale: str, days_left: int | None) -> str:
    """ "3 days left", "due today", ... in `locale`; memoised per app, locale and number.

    A digest lists up to 200 tickets: one gettext per distinct number, not one per line.
    Call inside `force_locale(locale)`. Same msgids as the `mail/_days.txt` macro.
    """
    cache = current_app.extensions.setdefault("reminder_days_text", {})
    key = (locale, days_left)
    text = cache.get(key)
    if text is None:
        if days_left is None:
            text = _("clock stopped")
        elif days_left > 0:
            text = _("%(n)s days left", n=days_left)
        elif days_left == 0:
            text = _("due today")
        else:
            text = _("%(n)s days overdue", n=-days_left)
        cache[key] = text = str(text)
    return text


class DaysText(dict[int | None, str]):
    """`days[n]` in a template: `days_text` for the locale being rendered, looked up like a
    dict. A digest lists up to 200 tickets; a subscript is cheaper in Jinja than a call."""

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.locale = locale

    def __missing__(self, days_left: int | None) -> str:
        text = self[days_left] = days_text(self.locale, days_left)
        return text


def digest_lines(items: list[TicketView], locale: str, kind: str) -> str:
    """A digest's ticket lines in `kind` ("txt" or "html"), each rendered by the
    `mail/_digest_line.*` macro only the first time its ticket is listed in `locale` (the
    view keeps it). Call inside `force_locale(locale)`."""
    key = (locale, kind)
    missing = [t for t in items if key not in t.lines]
    if missing:
        line = current_app.jinja_env.get_template(f"mail/_digest_line.{kind}").module.line  # type: ignore[attr-defined]
        days, deadline_label = DaysText(locale), _("Deadline")
        for t in missing:
            t.lines[key] = line(t, days, deadline_label)
    joined = "".join(t.lines[key] for t in items)
    return Markup(joined) if kind == "html" else joined


def build_digest_message(
    rule: str, digest: Digest, recipient: User, workflow: WorkflowDefinition
) -> Message:
    """A person's gathered message (daily or notices): sections of tickets, one line each."""
    settings = get_settings()
    locale = recipient.locale or settings.default_locale
    with force_locale(locale):
        count = digest.count
        if rule == Rule.DAILY:
            subject = _("Today: %(count)s findings need your attention", count=count)
        else:
            subject = _("Updates on %(count)s findings", count=count)
        context = {
            "recipient": recipient,
            "sections": digest.ordered(),
            "base_url": settings.base_url.rstrip("/"),
            "days": DaysText(locale),
            "action": lambda name: _action_label(workflow, name, locale),
            "subject": subject,
        }
        text = render_template("mail/bundle.txt", **context)
        html = render_template("mail/bundle.html", **context)
    return _mail(rule, recipient, locale, subject, text, html, None, optional=True)


def _action_label(workflow: WorkflowDefinition, name: str | None, locale: str) -> str:
    transition = workflow.transition(name) if name else None
    return transition.label(locale) if transition else ""


def build_message(
    rule: str,
    payload: dict[str, Any],
    recipient: User,
    items: list[TicketView],
    workflow: WorkflowDefinition,
) -> Message:
    """Render the mail in the recipient's language (their setting, else the default)."""
    settings = get_settings()
    locale = recipient.locale or settings.default_locale
    digest = rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST)
    template = "digest" if digest else ("notice" if rule == Rule.NOTICE else "reminder")
    with force_locale(locale):
        item = items[0] if items and not digest else None
        count = int(payload.get("total", len(items))) if digest else 1
        action = payload.get("transition")
        transition = workflow.transition(action) if action else None
        context = {
            "rule": str(rule),
            "payload": payload,
            "recipient": recipient,
            "item": item,
            "items": items,
            "count": count,
            "level": LEVEL_RULES.get(rule) or payload.get("level"),
            "action": transition.label(locale) if transition else "",
            "base_url": settings.base_url.rstrip("/"),
            "days": DaysText(locale),
        }
        if transition:
            payload = {**payload, "action": transition.label(locale)}
        subject = subject_for(rule, payload, item, count)
        text, html = (
            render_template(
                f"mail/{template}.{kind}",
                subject=subject,
                lines=digest_lines(items, locale, kind) if digest else "",
                **context,
            )
            for kind in ("txt", "html")
        )
    ticket_id = item.id if item else None
    return _mail(rule, recipient, locale, subject, text, html, ticket_id, rule in OPTIONAL_RULES)


def _mail(
    rule: str,
    recipient: User,
    locale: str,
    subject: str,
    text: str,
    html: str,
    ticket_id: int | None,
    optional: bool,
) -> Message:
    """The rendered mail with its sender, language, rule and threading headers."""
    config, settings = current_app.config, get_settings()
    message_id, headers = mail_headers(settings.base_url, ticket_id, optional)
    message = MailMessage(
        subject=subject,
        recipients=[cast(str, recipient.email)],
        body=text,
        html=html,
        sender=config.get("MAIL_DEFAULT_SENDER"),
        extra_headers={"Content-Language": locale, "X-Tracker-Rule": str(rule), **headers},
    )
    message.msgId = message_id
    return message


def mail_headers(
    base_url: str, ticket_id: int | None, optional: bool
) -> tuple[str, dict[str, str]]:
    """A Message-ID under BASE_URL's host, and the headers that thread every mail about one
    ticket (In-Reply-To/References naming the ticket's own id) and offer an unsubscribe link for
    mail the person may turn off."""
    host = urlsplit(base_url).hostname or "localhost"
    headers: dict[str, str] = {}
    if ticket_id:
        root = f"<ticket-{ticket_id}@{host}>"
        headers["In-Reply-To"] = root
        headers["References"] = root
    if optional:
        headers["List-Unsubscribe"] = f"<{base_url.rstrip('/')}/account/notifications>"
    return make_msgid("tracker", domain=host), headers
