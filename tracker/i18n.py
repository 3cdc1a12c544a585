"""Language and time-zone selection for Flask-Babel; labels for stored codes."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import gettext
from flask_login import current_user

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """The language chosen in this session, else the user's setting, else the default."""
    if not has_request_context():  # CLI commands and jobs: the configured default
        return current_app.config.get("DEFAULT_LOCALE", "zh")
    if request.path.startswith("/api/"):
        # API clients have no session: the Accept-Language header, else English.
        return request.accept_languages.best_match(LANGUAGES) or "en"
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return current_app.config.get("DEFAULT_LOCALE", "zh")


def service_gettext(text: str, **values: object) -> str:
    """`gettext` for the messages services raise: in the request's language (a page's user, an
    API client's Accept-Language); plain English outside a request, where CLI commands, jobs
    and tests calling services read them. Import it as `_` so that Babel finds the msgids."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


def input_label(name: str) -> str:
    """A workflow input's name for people (refusals, the workflow page)."""
    _ = service_gettext
    return {
        "comment": _("comment"),
        "attachments": _("photos or documents"),
        "indicators": _("figures achieved"),
        "deadline": _("new deadline"),
        "supervision": _("supervision level and leader"),
        "unit": _("the unit to hand it to"),
    }.get(name, name)


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app: Flask) -> None:
    from tracker.extensions import babel

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
