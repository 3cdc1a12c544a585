"""What a person does in the browser tests, step by step (shared by the browser test modules)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from tracker.clock import utcnow
from tracker.tickets.models import Ticket


def today() -> date:
    return utcnow().date()


def reload(db, ticket_id: int) -> Ticket:  # type: ignore[no-untyped-def]
    """Read a ticket fresh from the database, then end the read so the server can write."""
    db.rollback()
    with Session(db.get_bind(), expire_on_commit=False) as fresh:
        return fresh.get(Ticket, ticket_id)


def file_now(make_ticket, **fields):  # type: ignore[no-untyped-def]
    """File a ticket at the real current time with a deadline a month ahead (unless given)."""
    fields.setdefault("deadline", today() + timedelta(days=30))
    return make_ticket(now=utcnow(), **fields)


def take(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Open the action called `label` (a <details> summary) on a ticket page."""
    page.locator("summary", has_text=label).first.click()


def submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def act(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Take a step that needs no input: one tap on its button."""
    submit(page, page.locator("form button[data-action]", has_text=label).first)


def action_form(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator("details", has=page.locator("summary", has_text=label)).first.locator(
        "form"
    )
