"""The workflow diagram is well-formed SVG that names every state and transition, safely."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tracker.workflow.definition import WorkflowDefinition, load_workflow, parse_workflow
from tracker.workflow.diagram import render_svg

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
WORKFLOWS = {
    "default": load_workflow(ROOT / "config" / "workflows" / "default.toml"),
    "five_state": load_workflow(Path(__file__).with_name("five_state.toml")),
}


def texts(svg: str) -> str:
    """All visible and accessible text of the drawing, one string per element, joined."""
    root = ET.fromstring(svg)
    return "\n".join(
        "".join(el.itertext()) for el in root.iter() if el.tag in {SVG + "text", SVG + "title"}
    )


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_diagram_names_every_state_and_transition(name: str, locale: str) -> None:
    definition = WORKFLOWS[name]
    svg = render_svg(definition, locale)
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    assert root.find(SVG + "title") is not None
    content = texts(svg)
    for state in definition.states.values():
        assert state.label(locale) in content
    for transition in definition.transitions:
        assert transition.label(locale) in content
    other = "en" if locale == "zh" else "zh"
    assert definition.states[definition.initial].label(other) not in content


def test_diagram_is_standalone_and_printable() -> None:
    svg = render_svg(WORKFLOWS["default"])
    root = ET.fromstring(svg)
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "@import" not in svg and "href" not in svg
    # Terminal states get a second border; state fills are light tints.
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 1 + len(WORKFLOWS["default"].states) + 1  # background, boxes, inner border
    fills = [r.get("fill") for r in rects[1:] if r.get("fill") != "none"]
    assert all(int(fill[1:3], 16) > 0xC0 for fill in fills)
    assert all(el.get("fill") == "#212529" for el in root.iter(SVG + "text"))


def hostile() -> WorkflowDefinition:
    return parse_workflow(
        {
            "workflow": {"name": "evil"},
            "states": [
                {
                    "key": "open",
                    "label_zh": "<script>alert(1)</script>",
                    "label_en": "Open & <b>bold</b>",
                },
                {"key": "done", "label_zh": "完成", "label_en": "Done", "terminal": True},
            ],
            "transitions": [
                {
                    "name": "finish",
                    "label_zh": "完成 <script>",
                    "label_en": "Finish \"now\" & 'then'",
                    "from": ["open"],
                    "to": "done",
                    "roles": ["inspector"],
                },
                {
                    "name": "note",
                    "label_zh": "备注 <i>",
                    "label_en": "Note <i>",
                    "from": ["open"],
                    "roles": ["cadre"],
                    "who": "responsible_unit",
                },
            ],
        },
        "evil.toml",
    )


def test_hostile_colour_is_refused_at_load() -> None:
    from tracker.workflow.definition import WorkflowError

    with pytest.raises(WorkflowError, match=r"evil\.toml: states\.open\.colour: must be a hex"):
        parse_workflow(
            {
                "states": [
                    {
                        "key": "open",
                        "label_zh": "开",
                        "label_en": "Open",
                        "colour": '"/><script>alert(2)</script>',
                    },
                    {"key": "done", "label_zh": "完", "label_en": "Done", "terminal": True},
                ],
                "transitions": [
                    {
                        "name": "f",
                        "label_zh": "完成",
                        "label_en": "Finish",
                        "from": ["open"],
                        "to": "done",
                        "roles": ["inspector"],
                    },
                ],
            },
            "evil.toml",
        )


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_labels_are_escaped(locale: str) -> None:
    definition = hostile()
    svg = render_svg(definition, locale)
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.split("}")[-1] in {"script", "b", "i"}]
    assert "<script" not in svg
    content = texts(svg)
    for label in (
        definition.states["open"].label(locale),
        definition.transition("finish").label(locale),
        definition.transition("note").label(locale),
    ):
        assert label in content
    assert "&lt;script&gt;" in svg or "&lt;b&gt;" in svg


def test_self_transitions_are_listed_in_the_state_box() -> None:
    svg = render_svg(WORKFLOWS["default"], "en")
    assert "↻ Report completion" in texts(svg)
    assert "↻ Follow-up check passed" in texts(svg)
