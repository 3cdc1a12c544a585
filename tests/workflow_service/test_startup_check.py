"""Tickets in a state the active workflow file lacks block the start, naming file, state, count."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from flask.cli import ScriptInfo
from helpers import NOW
from sqlmodel import Session

from tracker.cli import cli
from tracker.core.config import get_settings
from tracker.core.db import get_engine
from tracker.tickets import service
from tracker.tickets.schemas import TicketCreate, TransitionIn
from tracker.tickets.stored_states import check_ticket_states, ensure_ticket_states
from tracker.workflow.definition import WorkflowError

ROOT = Path(__file__).resolve().parents[2]


def _file_submitted(app, county, count: int) -> None:  # type: ignore[no-untyped-def]
    """File `count` tickets under `app`'s (five-state) workflow and submit them for verification."""
    workflow = app.extensions["workflow"]
    settings = service.Settings.of(get_settings(app))
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        for index in range(count):
            ticket = service.file_ticket(
                session,
                county.inspector,
                TicketCreate(
                    title=f"垃圾堆 {index}", responsible_unit="town-a", deadline=NOW.date()
                ),
                workflow,
                NOW,
                settings,
            )
            for name, inputs in (
                ("accept", {}),
                (
                    "submit",
                    {
                        "comment": "已清理",
                        "attachments": [],
                        "indicators": [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
                    },
                ),
            ):
                service.apply_transition(
                    session,
                    ticket,
                    county.cadre_a,
                    TransitionIn(transition=name, **inputs),
                    ticket.version,
                    workflow,
                    NOW,
                    settings,
                )
        # One ticket stays in a state both files have.
        service.file_ticket(
            session,
            county.inspector,
            TicketCreate(title="仍在交办", responsible_unit="town-b", deadline=NOW.date()),
            workflow,
            NOW,
            settings,
        )
        session.commit()


@pytest.fixture
def app(app_factory, five_state_path):  # type: ignore[no-untyped-def]
    return app_factory(WORKFLOW=five_state_path)


@pytest.fixture
def switched(app, app_factory, county):  # type: ignore[no-untyped-def]
    """Three tickets in 'submitted', then the same database started with default.toml."""
    _file_submitted(app, county, 3)
    return app_factory(WORKFLOW="default.toml")


def test_fitting_tickets_pass(app, county):  # type: ignore[no-untyped-def]
    _file_submitted(app, county, 1)
    assert check_ticket_states(app) == []
    ensure_ticket_states(app)  # no error


def test_unknown_state_is_reported_with_file_state_and_count(switched):  # type: ignore[no-untyped-def]
    problems = check_ticket_states(switched)
    assert problems == ["3 ticket(s) in state 'submitted', which default.toml does not define"]
    with pytest.raises(WorkflowError) as caught:
        ensure_ticket_states(switched)
    message = str(caught.value)
    assert message.startswith("default.toml: states: ")
    assert "'submitted'" in message and "3 ticket(s)" in message
    assert "'reported'" not in message


def test_empty_database_without_tables_has_nothing_to_check(tmp_path, app_factory):  # type: ignore[no-untyped-def]
    fresh = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    assert check_ticket_states(fresh) == []


def _invoke(app, *args):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    with app.app_context():  # the fixtures hold another app's context
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


@pytest.mark.parametrize("command", ["run", "scheduler"])
def test_run_and_scheduler_refuse_to_start(switched, command):  # type: ignore[no-untyped-def]
    result = _invoke(switched, command)
    assert result.exit_code == 1
    assert "default.toml" in result.output
    assert "3 ticket(s) in state 'submitted'" in result.output


def test_other_commands_are_not_blocked(switched):  # type: ignore[no-untyped-def]
    result = _invoke(switched, "routes")
    assert result.exit_code == 0, result.output
    assert "/workflow" in result.output
    # `db upgrade` must stay available to repair things: it is not wrapped.
    from tracker.cli import db_upgrade

    with cli.make_context(
        "tracker", ["db", "upgrade"], obj=ScriptInfo(create_app=lambda: switched)
    ) as ctx:
        db = cli.get_command(ctx, "db")
        assert db.get_command(ctx, "upgrade").callback is db_upgrade.callback


def test_workflow_check_command(switched, app):  # type: ignore[no-untyped-def]
    blocked = _invoke(switched, "workflow", "check", "--lang", "en")
    assert blocked.exit_code == 1
    assert "workflow default.toml" in blocked.output
    assert "blocked: 3 ticket(s) in state 'submitted'" in blocked.output
    fine = _invoke(app, "workflow", "check", "--lang", "en")
    assert fine.exit_code == 0, fine.output
    assert "every ticket is in a state the workflow defines" in fine.output
    blocked = _invoke(switched, "workflow", "check")  # the configured default: zh
    assert "办理流程 default.toml：" in blocked.output and "受阻：3 ticket(s)" in blocked.output
    assert "所有问题均处于办理流程定义的状态" in _invoke(app, "workflow", "check").output


def test_wsgi_entry_point_refuses(switched, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_DATABASE_URL", switched.config["DATABASE_URL"])
    monkeypatch.setenv("TRACKER_WORKFLOW", "default.toml")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "a-test-secret-that-is-not-the-default")
    with pytest.raises(
        WorkflowError, match=r"default\.toml: states: 3 ticket\(s\) in state 'submitted'"
    ):
        runpy.run_path(str(ROOT / "wsgi.py"))
