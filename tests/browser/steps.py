"""What a person does in the browser tests, step by step (shared by the browser test modules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from playwright.sync_api import Error as PlaywrightError
from sqlmodel import Session

from tracker.core.clock import utcnow
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


@contextmanager
def new_document(page) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Wait, after the block, for a new document to have loaded in the page.

    Not the first navigation event: the upload script (static/app.js) sets ``#evidence`` and then
    reloads, and the hash change alone is a navigation to Playwright, so ``expect_navigation``
    could return on the old document.
    """
    page.evaluate("window.__before_submit = true")
    yield
    # Polled from here: wait_for_function compiles its predicate, which the app's CSP refuses.
    for _ in range(600):
        try:
            if page.evaluate("window.__before_submit !== true"):
                break
        except PlaywrightError:  # the old document went away while it was asked
            pass
        page.wait_for_timeout(50)
    else:
        raise AssertionError("no new page within 30 s")
    page.wait_for_load_state()


def submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a submit button and wait for the page the server answers with."""
    with new_document(page):
        button.click()


def act(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Take a step that needs no input: one tap on its button."""
    submit(page, page.locator("form button[data-action]", has_text=label).first)


def action_form(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator("details", has=page.locator("summary", has_text=label)).first.locator(
        "form"
    )
