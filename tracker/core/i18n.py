"""Language and time-zone selection for Flask-Babel; labels for stored codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, force_locale, get_translations, gettext
from flask_login import current_user

from tracker.core.config import LANGUAGES, get_settings

# Where a CLI command that speaks to people keeps its language (click's context meta, shared
# by the group and its subcommands): see `speaks_language`.
CLI_LOCALE_KEY = "tracker.locale"
babel = Babel()  # bound in `init_app`


def cli_locale() -> str | None:
    """The language of the running CLI command, if it speaks to people (`speaks_language`)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(CLI_LOCALE_KEY) if ctx is not None else None


def speaks_language(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a CLI command (below `with_appcontext`) whose messages are for people: they, and
    the services' refusals, read in the configured default language (DEFAULT_LOCALE, zh unless
    set), or in the one `--lang` or the TRACKER_LANG environment variable names."""

    @click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        envvar="TRACKER_LANG",
        help="Language of the messages (default: the configured DEFAULT_LOCALE).",
    )
    @functools.wraps(command)
    def speaking(*args: Any, lang: str | None, **kwargs: Any) -> Any:
        chosen = lang or get_settings().default_locale
        click.get_current_context().meta[CLI_LOCALE_KEY] = chosen
        with force_locale(chosen):
            return command(*args, **kwargs)

    return speaking


class CommandError(click.ClickException):
    """A CLI command's refusal in its language: "错误：…" where click would print "Error: …".
    The line is translated when raised (click shows it after the command's context closed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        _ = service_gettext
        self.line = _("Error: %(message)s", message=message)

    def show(self, file: Any = None) -> None:
        click.echo(self.line, file=file, err=file is None)


def select_locale() -> str:
    """The language chosen in this session, else the user's setting, else the default."""
    if not has_request_context():  # CLI commands and jobs: the chosen or configured default
        return cli_locale() or get_settings().default_locale
    if request.path.startswith("/api/"):
        # API clients have no session: the Accept-Language header, else English.
        return request.accept_languages.best_match(LANGUAGES) or "en"
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return get_settings().default_locale


def service_gettext(text: str, **values: object) -> str:
    """`gettext` for the messages services raise: in the request's language (a page's user, an
    API client's Accept-Language) or a CLI command's that speaks to people (`speaks_language`);
    plain English elsewhere, where jobs and tests calling services read them. Import it as `_`
    so that Babel finds the msgids."""
    if has_request_context() or cli_locale():
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


def catalogue() -> NullTranslations:
    """The translations of the request's language, as Flask-Babel's `get_translations` gives
    them, but looked up once per request: Flask-Babel looks the language up again on every
    call (a dozen context look-ups, ~40 µs), and a list page translates a few hundred texts.

    Kept beside Flask-Babel's own per-request state and tied to the locale object there, so
    `force_locale` (which swaps that object) and `refresh` are followed."""
    if not g:
        return get_translations()
    state = getattr(g, "_flask_babel", None)
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, "tracker_catalogue", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()  # selects the request's language on its first call
    state = g._flask_babel
    state.tracker_catalogue = (state.babel_locale, translations)
    return translations


def quick_gettext(text: str, **values: object) -> str:
    """Flask-Babel's `gettext` through `catalogue`: for text shown many times on a page."""
    translated = catalogue().ugettext(text)
    return translated % values if values else translated


def _install_template_gettext(app: Flask) -> None:
    """Templates translate through `catalogue` too (Flask-Babel installs its own callables,
    which look the language up on each `_()`); newstyle, as Flask-Babel installs them."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    _install_template_gettext(app)
