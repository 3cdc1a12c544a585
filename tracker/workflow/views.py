"""The workflow page (diagram and rules) and the state colours as a stylesheet."""

from __future__ import annotations

import re

from flask import Blueprint, Response, g, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from tracker.workflow.contrast import text_colour
from tracker.workflow.registry import active_workflow

bp = Blueprint("workflow", __name__)

_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


@bp.route("/workflow")
@login_required
def show() -> ResponseReturnValue:
    from tracker.workflow.diagram import render_svg

    workflow = active_workflow()
    return render_template(
        "workflow/show.html", workflow=workflow, svg=render_svg(workflow, g.locale)
    )


@bp.route("/workflow.css")
def stylesheet() -> Response:
    """State colours as classes (the CSP forbids inline styles)."""
    rules = [
        f".state-{key} {{ background-color: {state.colour}; color: {text_colour(state.colour)}; }}"
        for key, state in active_workflow().states.items()
        if _COLOUR.match(state.colour) and re.fullmatch(r"[a-z0-9_-]+", key)
    ]
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.cache_control.max_age = 300
    return response
