"""Loading workflow files: the shipped ones load, broken ones name the file, key and problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.workflow.definition import WorkflowError, load_workflow

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "workflows" / "default.toml"
FIVE_STATE = Path(__file__).with_name("five_state.toml")

STATES = """
[workflow]
initial = "open"

[[states]]
key = "open"
label_zh = "开"
label_en = "Open"

[[states]]
key = "done"
label_zh = "完"
label_en = "Done"
terminal = true
"""


def transition(name: str = "finish", **fields: str) -> str:
    """A [[transitions]] entry; `fields` are raw TOML values replacing or adding keys."""
    values = {
        "name": f'"{name}"',
        "label_zh": '"完成"',
        "label_en": '"Finish"',
        "from": '["open"]',
        "to": '"done"',
        "roles": '["inspector"]',
    }
    values.update(fields)
    body = "\n".join(f"{key} = {value}" for key, value in values.items() if value)
    return f"\n[[transitions]]\n{body}\n"


def state(key: str, terminal: bool = False) -> str:
    flag = "\nterminal = true" if terminal else ""
    return f'\n[[states]]\nkey = "{key}"\nlabel_zh = "{key}"\nlabel_en = "{key}"{flag}\n'


VALID = STATES + transition()


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_workflow_loads() -> None:
    definition = load_workflow(DEFAULT)
    assert definition.name == "default"
    assert definition.initial == "reported"
    assert list(definition.states) == ["reported", "rectifying", "verified", "closed"]
    assert definition.states["closed"].terminal
    assert definition.transition("rebound").reopen


def test_five_state_workflow_loads() -> None:
    definition = load_workflow(FIVE_STATE)
    assert list(definition.states) == ["reported", "rectifying", "submitted", "verified", "closed"]
    submitted = definition.states["submitted"]
    assert (submitted.label_zh, submitted.clock) == ("待核查", False)
    assert definition.transition("direct_close").confirm
    assert definition.transition("submit").requires_any == ("attachments", "indicators")


def test_minimal_valid_workflow_loads(tmp_path: Path) -> None:
    definition = load_workflow(write(tmp_path, VALID, "tiny.toml"))
    assert definition.name == "tiny"
    assert definition.transition("finish").who == {"inspector": "anyone"}


def test_reopen_allows_leaving_a_terminal_state(tmp_path: Path) -> None:
    text = VALID + transition("again", **{"from": '["done"]', "to": '"open"', "reopen": "true"})
    assert load_workflow(write(tmp_path, text)).transition("again").reopen


BROKEN = [
    pytest.param(
        STATES + transition(**{"from": '["nowhere"]'}),
        "transitions.finish.from",
        "unknown state 'nowhere'",
        id="unknown-from-state",
    ),
    pytest.param(
        STATES + transition(to='"nowhere"'),
        "transitions.finish.to",
        "unknown state 'nowhere'",
        id="unknown-to-state",
    ),
    pytest.param(
        STATES + transition(roles='["boss"]'),
        "transitions.finish.roles",
        "unknown name 'boss'",
        id="unknown-role",
    ),
    pytest.param(
        STATES + transition(who='"friend"'),
        "transitions.finish.who",
        "unknown relation 'friend'",
        id="unknown-relation",
    ),
    pytest.param(
        STATES + transition(who='{ inspector = "friend" }'),
        "transitions.finish.who.inspector",
        "unknown relation 'friend'",
        id="unknown-relation-in-table",
    ),
    pytest.param(
        STATES + transition(who='{ leader = "leader_in_charge" }'),
        "transitions.finish.who.leader",
        "role is not listed in roles",
        id="relation-for-unlisted-role",
    ),
    pytest.param(
        STATES + state("open") + transition(),
        "states.open",
        "duplicate state key",
        id="duplicate-state",
    ),
    pytest.param(
        STATES + transition() + transition(),
        "transitions.finish",
        "duplicate transition name",
        id="duplicate-transition",
    ),
    pytest.param(
        STATES + state("limbo") + transition() + transition("leave", **{"from": '["limbo"]'}),
        "states.limbo",
        "no path from the initial state",
        id="unreachable-state",
    ),
    pytest.param(
        STATES + state("stuck") + transition() + transition("park", to='"stuck"'),
        "states.stuck",
        "not terminal, yet no transition leaves it",
        id="dead-end-state",
    ),
    pytest.param(
        STATES.replace("terminal = true", "") + transition(),
        "states",
        "no terminal state",
        id="no-terminal-state",
    ),
    pytest.param(
        VALID + transition("again", **{"from": '["done"]', "to": '"open"'}),
        "transitions.again.from",
        "leaves terminal state 'done'; set reopen = true",
        id="leaves-terminal-without-reopen",
    ),
    pytest.param(
        STATES + transition(guards='["is_sunny"]'),
        "transitions.finish.guards",
        "unknown name 'is_sunny'",
        id="unknown-guard",
    ),
    pytest.param(
        STATES + transition(effects='["send_flowers"]'),
        "transitions.finish.effects",
        "unknown name 'send_flowers'",
        id="unknown-effect",
    ),
    pytest.param(
        STATES + transition(requires='["signature"]'),
        "transitions.finish.requires",
        "unknown name 'signature'",
        id="unknown-input",
    ),
    pytest.param(
        STATES + transition(requires_any='["photo", "comment"]'),
        "transitions.finish.requires_any",
        "unknown name 'photo'",
        id="unknown-input-in-requires-any",
    ),
    pytest.param(
        STATES.replace('initial = "open"', 'initial = "start"') + transition(),
        "workflow.initial",
        "unknown state 'start'",
        id="unknown-initial-state",
    ),
    pytest.param(
        STATES + transition(label_en=""),
        "transitions.finish.label_en",
        "is required",
        id="missing-label",
    ),
    pytest.param(
        VALID + "\n[[transitions]\nname = 'oops'\n",
        "toml",
        "",
        id="malformed-toml",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), BROKEN)
def test_broken_definition_names_file_key_and_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    pattern = "^" + re.escape(f"broken.toml: {key}: ") + ".*" + re.escape(problem)
    with pytest.raises(WorkflowError, match=pattern) as caught:
        load_workflow(write(tmp_path, text))
    assert (caught.value.source, caught.value.key) == ("broken.toml", key)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match=r"^absent\.toml: WORKFLOW: file .* does not exist"):
        load_workflow(tmp_path / "absent.toml")


def test_unknown_setting_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "typo.toml"
    path.write_text(
        '[[states]]\nkey = "a"\nlabel_zh = "甲"\nlabel_en = "A"\nterminal = true\n'
        '[[transitions]]\nname = "t"\nlabel_zh = "乙"\nlabel_en = "T"\nfrom = ["a"]\n'
        'roles = ["inspector"]\nreopen = true\nrequire = ["comment"]\n',
        encoding="utf-8",
    )
    with pytest.raises(
        WorkflowError, match=r"typo\.toml: transitions\[0\]\.require: unknown setting"
    ):
        load_workflow(path)
