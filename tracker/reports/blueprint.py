"""The leaders' pages blueprint, shared by the modules that add routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
