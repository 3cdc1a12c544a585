"""Two people apply different transitions to the same ticket at the same moment (PostgreSQL).

Both load the ticket at version V and both steps are valid from there: the cadre reports
completion, the reporting inspector withdraws the finding. Exactly one wins; the other gets a
conflict (409), nothing of its attempt stays, and the history holds one new event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from helpers import later
from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from tracker.core.db import get_engine
from tracker.core.errors import Conflict
from tracker.org.models import User
from tracker.tickets import service
from tracker.tickets.models import Ticket, TicketEvent
from tracker.tickets.schemas import TransitionIn

REPORT = {
    "transition": "report_completion",
    "comment": "已清理垃圾堆 12 处",
    "indicators": [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
}
WITHDRAW = {"transition": "withdraw", "comment": "与 DC-2026-000009 重复"}


@pytest.fixture(autouse=True)
def postgresql_only(database_url):  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks and concurrent transactions: PostgreSQL only")


def run_together(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads; return each job's result or the exception it raised."""
    results: list[object] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], object]) -> None:
        try:
            results[index] = job()
        except Exception as exc:  # the test inspects it
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a transaction hung"
    return results


def _counts(db, ticket_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    db.commit()  # a fresh snapshot
    events = db.exec(
        select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    ).one()
    return events, db.get(Ticket, ticket_id, populate_existing=True).version


@pytest.fixture
def accepted(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    # Far enough to stay ahead of the real clock in the browser case, within DEADLINE_HORIZON_DAYS.
    ticket = make_ticket(deadline=later(1000).date())
    move(ticket, county.cadre_a, "accept")
    db.refresh(ticket)
    assert ticket.state == "rectifying"
    return ticket


def test_two_sessions_exactly_one_wins(app, db, county, accepted, workflow, settings):  # type: ignore[no-untyped-def]
    events_before, version = _counts(db, accepted.id)
    loaded = threading.Barrier(2, timeout=30)

    def attempt(user_id: int, inputs: dict) -> Callable[[], str]:
        def job() -> str:
            with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
                ticket = session.get(Ticket, accepted.id)
                user = session.get(User, user_id)
                assert ticket.version == version
                loaded.wait()  # both hold the ticket at version V
                try:
                    service.apply_transition(
                        session,
                        ticket,
                        user,
                        TransitionIn(**inputs),
                        version,
                        workflow,
                        later(1),
                        settings,
                    )
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                return inputs["transition"]

        return job

    results = run_together(
        attempt(county.cadre_a.id, REPORT), attempt(county.inspector.id, WITHDRAW)
    )
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], StaleDataError | Conflict), repr(losers[0])

    events_after, version_after = _counts(db, accepted.id)
    assert events_after == events_before + 1
    assert version_after == version + 1
    ticket = db.get(Ticket, accepted.id, populate_existing=True)
    last = db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
    ).first()
    assert last.transition == winners[0]
    if winners[0] == "withdraw":
        assert ticket.state == "closed" and not ticket.is_awaiting_verification
    else:
        assert ticket.state == "rectifying" and ticket.is_awaiting_verification


def test_two_browsers_exactly_one_wins(db, county, accepted, signed_in):  # type: ignore[no-untyped-def]
    events_before, version = _counts(db, accepted.id)
    cadre, inspector = signed_in(county.cadre_a), signed_in(county.inspector)
    ready = threading.Barrier(2, timeout=30)

    def post(client, inputs: dict) -> Callable[[], int]:  # type: ignore[no-untyped-def]
        form = {"transition": inputs["transition"], "comment": inputs["comment"]}
        if "indicators" in inputs:
            form |= {"ind-0-name": "清理垃圾堆", "ind-0-unit": "堆", "ind-0-achieved": "12"}
        form["version"] = str(version)

        def job() -> int:
            ready.wait()
            return client.post(f"/tickets/{accepted.id}/transition", data=form).status_code

        return job

    statuses = run_together(post(cadre, REPORT), post(inspector, WITHDRAW))
    assert sorted(statuses) == [302, 409], statuses
    events_after, version_after = _counts(db, accepted.id)
    assert events_after == events_before + 1
    assert version_after == version + 1
