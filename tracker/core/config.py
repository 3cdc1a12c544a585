"""Load settings: config/default.toml, then the file in TRACKER_CONFIG, then TRACKER_* variables;
check them once at start-up, and give the code a typed view of them (`Settings`).

Defaults have one home, config/default.toml (every key with a comment): `load_config` fills
`app.config` from it and the site's overrides, then builds `Settings` from the result, so code
reads `get_settings().base_url` rather than `config.get("BASE_URL", "")` with a default of its
own. Sections (`[reminders]`, `[ranking]`, `[login]`, ...) are read by their domains' settings
objects (`reminders.policy.Policy`, `reports.ranking.RankingSettings`, ...).
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from tracker.core.resources import resource_dir

# The interface languages (DEFAULT_LOCALE is one of them; users switch between them).
LANGUAGES = ("zh", "en")
DEFAULT_SECRET_KEY = "change-me-default-secret-key"
# A production SECRET_KEY signs sessions: shorter ones can be guessed offline from a cookie.
MIN_SECRET_KEY_BYTES = 32


log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and why."""


def _upper_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Upper-case top-level keys and the keys of top-level sections (`[reminders]` -> REMINDERS)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = {k.upper(): v for k, v in value.items()}
        result[key.upper()] = value
    return result


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = {**target[key], **value}
        else:
            target[key] = value


def read_toml(path: Path) -> dict[str, Any]:
    """Read one settings file, keys upper-cased."""
    with path.open("rb") as handle:
        try:
            return _upper_keys(tomllib.load(handle))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc


def unknown_keys(defaults: dict[str, Any], site: dict[str, Any]) -> list[str]:
    """Keys of a site file that the defaults do not know, as KEY or SECTION.KEY."""
    unknown: list[str] = []
    for key, value in site.items():
        if key not in defaults:
            unknown.append(key)
        elif isinstance(value, dict) and isinstance(defaults[key], dict):
            unknown += [f"{key}.{inner}" for inner in value if inner not in defaults[key]]
    return unknown


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill `app.config`: defaults < TRACKER_CONFIG file < TRACKER_* env < overrides."""
    settings = read_toml(resource_dir("config") / "default.toml")
    extra = os.environ.get("TRACKER_CONFIG")
    if extra:
        extra_path = Path(extra)
        if not extra_path.is_file():
            raise ConfigError(f"TRACKER_CONFIG names {extra!r}, which is not a file")
        site = read_toml(extra_path)
        for name in unknown_keys(settings, site):
            # A typo would otherwise be ignored without a word, leaving the default in force.
            log.warning("%s: unknown setting %s (not in config/default.toml); ignored", extra, name)
        _merge(settings, site)
    for key, value in settings.items():
        app.config[key] = value
    app.config.from_prefixed_env("TRACKER")
    if overrides:
        for key, value in _upper_keys(overrides).items():
            if isinstance(value, dict) and isinstance(app.config.get(key), dict):
                app.config[key] = {**app.config[key], **value}
            else:
                app.config[key] = value
    _derive(app)
    validate_config(app)
    app.extensions["settings"] = Settings.from_config(app.config)


def _derive(app: Flask) -> None:
    """Fill settings whose default depends on the instance folder or on other settings."""
    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'tracker.db'}"
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(instance / "uploads")
    is_https = str(app.config["BASE_URL"]).startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=is_https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=is_https,
        WTF_CSRF_SSL_STRICT=is_https,
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=app.config["TIMEZONE"],
    )


def is_production(app: Flask) -> bool:
    """Production unless ENV says development or the app runs in debug or test mode."""
    return app.config.get("ENV") == "production" and not (app.debug or app.testing)


def validate_config(app: Flask) -> None:
    """Refuse settings that would fail later at run time, naming the key and the problem."""
    try:
        ZoneInfo(str(app.config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TIMEZONE: unknown time zone {app.config['TIMEZONE']!r}") from exc
    if app.config.get("ENV") not in ("production", "development"):
        raise ConfigError(f"ENV: must be 'production' or 'development', not {app.config['ENV']!r}")
    # Debug mode does not lift this check (FLASK_DEBUG on a production server must not either).
    secret = str(app.config.get("SECRET_KEY") or "")
    weak = secret == DEFAULT_SECRET_KEY or len(secret.encode("utf-8")) < MIN_SECRET_KEY_BYTES
    if app.config.get("ENV") == "production" and not app.testing and weak:
        raise ConfigError(
            "SECRET_KEY: refusing to start in production with the default secret key or "
            f"one shorter than {MIN_SECRET_KEY_BYTES} bytes; set TRACKER_SECRET_KEY (or "
            "SECRET_KEY in the TRACKER_CONFIG file) to a long random value, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))', or "
            "TRACKER_ENV=development for a local trial"
        )


# What each annotation accepts, and how a refusal reads (`KEY: must be ..., not 'x'`).
_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "str": ((str,), "text"),
    "bool": ((bool,), "true or false"),
    "int": ((int,), "a non-negative integer"),
    "float": ((int, float), "a non-negative number"),
}


@dataclass(frozen=True)
class Settings:
    """The settings of config/default.toml's top level that the code reads (field `x` is key
    `X`). Secrets and Flask's own keys (SECRET_KEY, MAIL_PASSWORD, DATABASE_URL, ...) stay in
    `app.config` only."""

    env: str
    timezone: str
    default_locale: str
    base_url: str
    mail_port: int
    mail_timeout: float
    upload_dir: str
    upload_max_bytes: int
    upload_max_pixels: int
    upload_strip_metadata: bool
    thumbnail_size: int
    workflow: str
    amber_days: int
    deadline_horizon_days: int
    followup_days: int
    return_working_days: int
    ticket_code_prefix: str
    page_size: int
    max_page_size: int
    history_page_size: int
    list_count_cap: int
    queue_count_cap: int
    list_filtered_count_cap: int
    dashboard_cache_seconds: float
    dashboard_rollup: bool
    log_format: str
    log_level: str
    trusted_proxies: int
    ratelimit_storage_url: str = field(repr=False)  # may hold a password
    retry_after_seconds: int
    import_max_rows: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Check each key's type (and the language); raise `ConfigError` naming the first key
        that is missing or wrong."""
        values = {
            item.name: _checked(item.name.upper(), config, str(item.type)) for item in fields(cls)
        }
        if values["default_locale"] not in LANGUAGES:
            raise ConfigError(
                f"DEFAULT_LOCALE: must be one of {', '.join(LANGUAGES)}, "
                f"not {values['default_locale']!r}"
            )
        return cls(**values)


def _checked(key: str, config: Mapping[str, Any], kind: str) -> Any:
    if key not in config:
        raise ConfigError(f"{key}: missing (config/default.toml lists every setting)")
    value: Any = config[key]
    accepted, wanted = _KINDS[kind]
    valid = isinstance(value, accepted)
    if kind in ("int", "float"):  # a bool is an int to Python, not to a reader of the file
        valid = valid and not isinstance(value, bool) and config[key] >= 0
    if not valid:
        raise ConfigError(f"{key}: must be {wanted}, not {value!r}")
    return value


def get_settings(app: Flask | None = None) -> Settings:
    """The settings of `app`, or of the current app."""
    return (app or current_app).extensions["settings"]
