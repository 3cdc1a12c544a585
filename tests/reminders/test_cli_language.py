"""`tracker reminders sweep` and `tracker scheduler` print in the CLI's language: the configured
default (zh), or the one --lang / TRACKER_LANG names (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.reminders import cli as reminders_cli
from tracker.reminders.cli import scheduler_command, sweep_command

NOW = "2026-06-16T01:00:00+00:00"


def test_sweep_reports_in_zh_and_en(app, db, county) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    zh = runner.invoke(sweep_command, ["--now", NOW])
    assert zh.exit_code == 0, zh.output
    assert "封提醒；已发送 0，失败 0，放弃 0，取消 0" in zh.output
    en = runner.invoke(sweep_command, ["--now", NOW], env={"TRACKER_LANG": "en"})
    assert en.exit_code == 0, en.output
    assert "sent 0, failed 0, given up 0, cancelled 0" in en.output
    bad = runner.invoke(sweep_command, ["--now", "yesterday"])
    assert bad.exit_code != 0 and "不是 ISO 8601 格式的时间：'yesterday'" in bad.output


class _Stopped:
    """A scheduler that is stopped (Ctrl+C) as soon as it starts."""

    def start(self) -> None:
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "提醒调度器：每 7 分钟扫描一次（按 Ctrl+C 停止）。"),
        (["--lang", "en"], "every 7 minutes"),
    ],
)
def test_scheduler_says_how_often_it_sweeps(app, monkeypatch, args, expected) -> None:  # type: ignore[no-untyped-def]
    def build(_app: Any) -> tuple[_Stopped, int]:
        return _Stopped(), 7

    monkeypatch.setattr(reminders_cli, "build_scheduler", build)
    result = app.test_cli_runner().invoke(scheduler_command, args)
    assert result.exit_code == 0, result.output
    assert expected in result.output
