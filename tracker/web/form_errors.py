"""Show a service's refusal on the form that caused it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm
from sqlmodel import Session

from tracker.core.errors import ServiceError

_T = TypeVar("_T")


def show_service_errors(form: FlaskForm, error: ServiceError) -> None:
    """Put each field error next to its field (keeping what the user typed); flash the rest.

    A field the form itself refused keeps the form's message (the service, checking the same
    submission in the same round, would only say it again in its words)."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            if not field.errors:
                field.errors = [message]
            placed = True
    if not placed:
        flash(error.message, "danger")


def commit_form(session: Session, form: FlaskForm, save: Callable[[], _T]) -> _T | None:
    """Run `save` (a service call) and commit; return what it made.

    On the service's refusal, roll back, show its reasons on `form` and return None: the caller
    renders the form again with 422."""
    try:
        made = save()
        session.commit()
    except ServiceError as error:
        session.rollback()
        show_service_errors(form, error)
        return None
    return made
