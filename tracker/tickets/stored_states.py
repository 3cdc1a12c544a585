"""Stored tickets against the active workflow: states the workflow file no longer defines.

Here rather than in `tracker/workflow/registry.py`: the workflow layer knows nothing of tickets
(docs/architecture.md); the ticket domain checks its own rows against the workflow it uses.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, inspect
from sqlmodel import Session, select

from tracker.core.db import get_engine
from tracker.tickets.models import Ticket
from tracker.workflow.definition import WorkflowDefinition, WorkflowError


def check_ticket_states(app: Flask) -> list[str]:
    """Problems with stored tickets under the active workflow: states the file no longer has.

    One message per unknown state, with its ticket count; empty when every ticket fits. A
    database without the ticket table yet (before `tracker db upgrade`) has nothing to check.
    """
    engine = get_engine(app)
    if not inspect(engine).has_table(Ticket.__tablename__):
        return []
    workflow: WorkflowDefinition = app.extensions["workflow"]
    with Session(engine) as session:
        rows = session.exec(
            select(Ticket.state, func.count()).group_by(Ticket.state).order_by(Ticket.state)
        ).all()
    return [
        f"{count} ticket(s) in state {state!r}, which {workflow.source} does not define"
        for state, count in rows
        if workflow.state(state) is None
    ]


def ensure_ticket_states(app: Flask) -> None:
    """Refuse to start serving or working when stored tickets are in states the file lacks."""
    problems = check_ticket_states(app)
    if problems:
        workflow: WorkflowDefinition = app.extensions["workflow"]
        raise WorkflowError(
            workflow.source,
            "states",
            "; ".join(problems)
            + ". Add these states back to the workflow file, or move those tickets first.",
        )
