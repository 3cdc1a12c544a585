"""Settings precedence: default.toml < TRACKER_CONFIG file < TRACKER_* env < overrides."""

from __future__ import annotations

import dataclasses
import re

import pytest
from click.testing import CliRunner

from tracker import create_app
from tracker.cli import cli
from tracker.core.config import ConfigError, Settings, get_settings, read_toml
from tracker.core.resources import resource_dir


@pytest.fixture
def clean_env(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    for key in ("TRACKER_CONFIG", "TRACKER_ENV", "TRACKER_SECRET_KEY", "TRACKER_TIMEZONE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    return monkeypatch


def test_defaults_come_from_default_toml(clean_env):  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True})
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["WORKFLOW"] == "default.toml"
    assert app.config["LOGIN"]["FREE_FAILURES"] == 5
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_USE_TLS",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "BASE_URL",
        "UPLOAD_DIR",
    ):
        assert key in app.config


def test_file_overrides_defaults_and_env_overrides_file(clean_env, tmp_path):  # type: ignore[no-untyped-def]
    override = tmp_path / "site.toml"
    override.write_text(
        'TIMEZONE = "Asia/Urumqi"\nBASE_URL = "https://tracker.example.gov"\n'
        "[login]\nfree_failures = 9\n",
        encoding="utf-8",
    )
    clean_env.setenv("TRACKER_CONFIG", str(override))
    app = create_app({"TESTING": True})
    assert app.config["TIMEZONE"] == "Asia/Urumqi"
    assert app.config["LOGIN"]["FREE_FAILURES"] == 9
    assert app.config["LOGIN"]["MAX_DELAY_SECONDS"] == 900
    assert app.config["SESSION_COOKIE_SECURE"] is True  # https BASE_URL

    clean_env.setenv("TRACKER_TIMEZONE", "Asia/Shanghai")
    clean_env.setenv("TRACKER_LOGIN__FREE_FAILURES", "4")
    app = create_app({"TESTING": True})
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["LOGIN"]["FREE_FAILURES"] == 4


def test_default_database_is_sqlite_in_instance_folder(clean_env):  # type: ignore[no-untyped-def]
    clean_env.delenv("TRACKER_DATABASE_URL")
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("tracker.db")
    assert app.instance_path in app.config["DATABASE_URL"]


def test_production_refuses_default_secret_key(clean_env):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    clean_env.setenv("TRACKER_SECRET_KEY", "a-long-random-production-secret-of-48-bytes-xxxx")
    assert create_app().config["SECRET_KEY"] == "a-long-random-production-secret-of-48-bytes-xxxx"


def test_invalid_settings_name_the_key(clean_env):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="TIMEZONE"):
        create_app({"TESTING": True, "TIMEZONE": "Mars/Olympus"})
    clean_env.setenv("TRACKER_CONFIG", "/nonexistent/site.toml")
    with pytest.raises(ConfigError, match="TRACKER_CONFIG"):
        create_app({"TESTING": True})


def test_invalid_workflow_stops_the_start_naming_file_key_problem(clean_env, tmp_path):  # type: ignore[no-untyped-def]
    from tracker.workflow.definition import WorkflowError

    broken = tmp_path / "broken.toml"
    broken.write_text('[[states]]\nkey = "a"\nlabel_zh = "甲"\nlabel_en = "A"\n', encoding="utf-8")
    with pytest.raises(WorkflowError, match=r"broken\.toml: transitions: "):
        create_app({"TESTING": True, "WORKFLOW": str(broken)})


def test_production_refuses_a_short_secret_key_even_in_debug(clean_env):  # type: ignore[no-untyped-def]
    clean_env.setenv("TRACKER_SECRET_KEY", "short-but-not-default")
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app()
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app({"DEBUG": True})


def test_cli_names_a_bad_setting_in_one_line(clean_env):  # type: ignore[no-untyped-def]
    """`tracker --help` lists every command and `tracker db upgrade` says which key is wrong,
    without a traceback, when the production secret key is missing."""
    runner = CliRunner()
    listed = runner.invoke(cli, ["--help"])
    assert listed.exit_code == 0
    assert "db" in listed.output and "reminders" in listed.output
    assert "Traceback" not in listed.output
    failed = runner.invoke(cli, ["db", "upgrade"])
    assert failed.exit_code != 0
    assert "SECRET_KEY" in failed.output and "Traceback" not in failed.output


def test_a_mistyped_setting_is_named_in_a_warning(clean_env, tmp_path, caplog):  # type: ignore[no-untyped-def]
    site = tmp_path / "site.toml"
    site.write_text(
        'TIME_ZONE = "Asia/Urumqi"\n[login]\nfree_failure = 9\nfree_failures = 7\n'
        "[reminderz]\nhour = 8\n",
        encoding="utf-8",
    )
    clean_env.setenv("TRACKER_CONFIG", str(site))
    with caplog.at_level("WARNING", logger="tracker.core.config"):
        app = create_app({"TESTING": True})
    named = " ".join(record.getMessage() for record in caplog.records)
    for key in ("TIME_ZONE", "LOGIN.FREE_FAILURE", "REMINDERZ"):
        assert f"unknown setting {key} " in named
    assert "FREE_FAILURES " not in named  # a known key is not reported
    assert app.config["LOGIN"]["FREE_FAILURES"] == 7
    assert app.config["TIMEZONE"] == "Asia/Shanghai"  # the typo left the default in force


def test_the_typed_settings_are_the_loaded_ones(clean_env, tmp_path):  # type: ignore[no-untyped-def]
    """Built once at start-up from app.config: the site's values, the defaults of
    config/default.toml for the rest; frozen."""
    site = tmp_path / "site.toml"
    site.write_text(
        'BASE_URL = "https://tracker.example.gov"\nFOLLOWUP_DAYS = 0\n', encoding="utf-8"
    )
    clean_env.setenv("TRACKER_CONFIG", str(site))
    clean_env.setenv("TRACKER_RETRY_AFTER_SECONDS", "90")
    app = create_app({"TESTING": True, "DEFAULT_LOCALE": "en"})
    settings = get_settings(app)
    assert (settings.base_url, settings.followup_days) == ("https://tracker.example.gov", 0)
    assert (settings.retry_after_seconds, settings.default_locale) == (90, "en")
    assert (settings.timezone, settings.ticket_code_prefix, settings.log_level) == (
        "Asia/Shanghai",
        "DC",
        "INFO",
    )
    assert dataclasses.is_dataclass(settings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.base_url = "http://elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"FOLLOWUP_DAYS": "30"}, "FOLLOWUP_DAYS: must be a non-negative integer, not '30'"),
        ({"RETURN_WORKING_DAYS": -1}, "RETURN_WORKING_DAYS: must be a non-negative integer"),
        ({"IMPORT_MAX_ROWS": True}, "IMPORT_MAX_ROWS: must be a non-negative integer, not True"),
        ({"MAIL_TIMEOUT": "slow"}, "MAIL_TIMEOUT: must be a non-negative number, not 'slow'"),
        ({"DASHBOARD_ROLLUP": "yes"}, "DASHBOARD_ROLLUP: must be true or false, not 'yes'"),
        ({"TICKET_CODE_PREFIX": 7}, "TICKET_CODE_PREFIX: must be text, not 7"),
        ({"DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE: must be one of zh, en, not 'fr'"),
    ],
)
def test_a_setting_of_the_wrong_type_stops_the_start_naming_it(clean_env, override, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({"TESTING": True, **override})


def test_a_float_setting_takes_an_integer(clean_env):  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True, "MAIL_TIMEOUT": 5, "DASHBOARD_CACHE_SECONDS": 0.5})
    assert (get_settings(app).mail_timeout, get_settings(app).dashboard_cache_seconds) == (5, 0.5)


def test_every_typed_setting_has_its_default_in_default_toml() -> None:
    """config/default.toml is the defaults' one home: each field of Settings is a key there."""
    defaults = read_toml(resource_dir("config") / "default.toml")
    assert {f.name.upper() for f in dataclasses.fields(Settings)} <= set(defaults)
