"""The caller's work queues (GET /queues); their tickets are `GET /tickets?queue=NAME`."""

from __future__ import annotations

from flask import current_app, g
from flask.typing import ResponseReturnValue

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.schemas import QueueList, QueueOut
from tracker.core.clock import local_date, utcnow
from tracker.core.db import get_session
from tracker.tickets.queues import count_queues
from tracker.workflow.registry import active_workflow


@bp.get("/queues")
def queues() -> ResponseReturnValue:
    config = current_app.config
    counts = count_queues(
        get_session(),
        api_user(),
        active_workflow(),
        local_date(utcnow(), config["TIMEZONE"]),
        config["QUEUE_COUNT_CAP"],
    )
    return respond(
        QueueList(
            items=[
                QueueOut(
                    name=c.queue.name,
                    label=c.queue.label(g.locale),
                    count=c.count,
                    count_is_capped=c.is_capped,
                    kind=c.queue.kind,
                )
                for c in counts
            ]
        )
    )
