"""Load the active workflow at start-up and hand it to services (checking stored tickets
against it is the ticket domain's: tracker/tickets/stored_states.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from tracker.core.resources import resource_dir
from tracker.workflow.definition import WorkflowDefinition, load_workflow


def workflow_path(name: str) -> Path:
    path = Path(name)
    if path.is_absolute():
        return path
    return resource_dir("config") / "workflows" / name


def init_app(app: Flask) -> None:
    """Load and validate the file named by WORKFLOW; an invalid file stops the start."""
    app.extensions["workflow"] = load_workflow(workflow_path(app.config["WORKFLOW"]))


def active_workflow() -> WorkflowDefinition:
    return current_app.extensions["workflow"]
