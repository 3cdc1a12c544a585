"""`tracker workflow check`, and the start-up guard for `tracker run` and `tracker scheduler`."""

from __future__ import annotations

import copy
import functools
from typing import Any

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from tracker.core.i18n import service_gettext as _
from tracker.core.i18n import speaks_language
from tracker.tickets.stored_states import check_ticket_states, ensure_ticket_states
from tracker.workflow.definition import WorkflowError
from tracker.workflow.registry import active_workflow

# Commands that start serving or working: stored tickets must fit the active workflow first.
GUARDED_COMMANDS = ("run", "scheduler")


def guarded(command: click.Command) -> click.Command:
    """A copy of `command` that refuses to start while tickets are in unknown states."""
    original = command.callback
    if original is None:
        return command

    @functools.wraps(original)
    def callback(*args: Any, **kwargs: Any) -> Any:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        try:
            ensure_ticket_states(app)
        except WorkflowError as error:
            raise click.ClickException(str(error)) from error
        return original(*args, **kwargs)

    wrapped = copy.copy(command)
    wrapped.callback = callback
    return wrapped


@click.group("workflow")
def workflow_group() -> None:
    """The active workflow (state machine)."""


@workflow_group.command("check")
@with_appcontext
@speaks_language
def check_command() -> None:
    """Check that every stored ticket is in a state the active workflow defines (exit 1 if not)."""
    workflow = active_workflow()
    problems = check_ticket_states(current_app._get_current_object())  # type: ignore[attr-defined]  # Flask types the proxy as the app
    click.echo(
        _(
            "workflow %(source)s: %(states)d states, %(transitions)d transitions",
            source=workflow.source,
            states=len(workflow.states),
            transitions=len(workflow.transitions),
        )
    )
    if problems:
        for problem in problems:
            click.echo(_("blocked: %(problem)s", problem=problem), err=True)
        raise SystemExit(1)
    click.echo(_("every ticket is in a state the workflow defines"))
