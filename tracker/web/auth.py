"""Decorators for views that only some roles may open (the policy's `offers`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

from tracker.policy import Permission, offers

_P = ParamSpec("_P")
_R = TypeVar("_R")


def permission_required(
    permission: Permission,
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Only signed-in users whose role the policy offers `permission`; everyone else gets 403."""

    def decorate(view: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(view)
        @login_required
        def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            if not offers(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


admin_required = permission_required(Permission.ADMINISTER)
