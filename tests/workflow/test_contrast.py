"""State badges stay readable: the text colour chosen for each state's colour reaches 4.5:1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.workflow.contrast import contrast, text_colour
from tracker.workflow.definition import load_workflow

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "config/workflows/default.toml", Path(__file__).with_name("five_state.toml")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_state_badge_reads_at_4_5_to_1(path: Path) -> None:
    for state in load_workflow(path).states.values():
        ratio = contrast(state.colour, text_colour(state.colour))
        assert ratio >= 4.5, (state.key, state.colour, round(ratio, 2))


def test_orange_gets_dark_text() -> None:
    assert text_colour("#fd7e14") == "#212529"
    assert text_colour("#6c757d") == "#ffffff"
