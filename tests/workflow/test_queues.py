"""Queues declared in, or derived from, a workflow file (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.workflow.definition import WorkflowError, load_workflow
from tracker.workflow.queues import queues_for_role

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "workflows" / "default.toml"
FIVE_STATE = Path(__file__).with_name("five_state.toml")
VALID = """
[[states]]
key = "open"
label_zh = "开"
label_en = "Open"

[[states]]
key = "done"
label_zh = "完"
label_en = "Done"
terminal = true

[[transitions]]
name = "finish"
label_zh = "完成"
label_en = "Finish"
from = ["open"]
to = "done"
roles = ["cadre"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "queues.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _by_role(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    definition = load_workflow(path)
    return {
        role: [
            (q.name, q.label_zh, q.kind)
            for q in queues_for_role(definition, definition.queues, role)
        ]
        for role in ("cadre", "inspector", "leader", "admin")
    }


def test_default_workflow_names_each_persons_work() -> None:
    assert _by_role(DEFAULT) == {
        "cadre": [
            ("to_accept", "待签收", "todo"),
            ("returned", "被退回重报", "todo"),
            ("rectifying", "整改中", "todo"),
            ("supervision_progress", "督办待报进展", "todo"),
            ("reported_awaiting", "已报待核", "waiting"),
            ("return_asked", "退单待改派", "waiting"),
            ("extension_asked", "延期申请中", "waiting"),
        ],
        "inspector": [
            ("to_reassign", "待改派", "todo"),
            ("to_verify", "待核查", "todo"),
            ("followup", "待回头看", "todo"),
            ("supervised", "挂牌督办", "todo"),
        ],
        "leader": [
            ("to_close", "待销号", "todo"),
            ("supervised", "挂牌督办", "todo"),
            ("extensions", "延期待审批", "todo"),
            ("overdue_in_charge", "分管逾期", "waiting"),
        ],
        "admin": [],
    }


def test_a_workflow_without_queues_gets_one_per_duty() -> None:
    """Reopening, withdrawing, asking for time and returning are options, not duties: no queue."""
    assert _by_role(FIVE_STATE) == {
        "cadre": [("accept", "待签收整改", "todo"), ("submit", "待提交核查", "todo")],
        "inspector": [("verify", "待核查通过", "todo"), ("reassign", "待改派", "todo")],
        "leader": [("close", "待销号", "todo"), ("direct_close", "待直接销号", "todo")],
        "admin": [],
    }
    definition = load_workflow(FIVE_STATE)
    assert definition.queue("verify").transitions == ("verify", "reject")


QUEUE = '\n[[queues]]\nname = "q"\nlabel_zh = "待办"\nlabel_en = "To do"\n'


@pytest.mark.parametrize(
    ("extra", "key", "problem"),
    [
        ('transitions = ["nope"]', "queues.q.transitions", "unknown transition 'nope'"),
        ("transitions = []", "queues.q.transitions", "at least one"),
        ('transitions = ["finish"]\nkind = "later"', "queues.q.kind", "must be one of"),
        ('transitions = ["finish"]\nwhen = ["someday"]', "queues.q.when", "unknown name"),
        ('transitions = ["finish"]\nwho = "reporter"', "queues.q.who", "only waiting queues"),
        ('transitions = ["finish"]\ncolour = "red"', "queues[0].colour", "unknown setting"),
    ],
)
def test_broken_queues_name_the_key(tmp_path: Path, extra: str, key: str, problem: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        load_workflow(write(tmp_path, VALID + QUEUE + extra + "\n"))
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_a_waiting_queue_names_whose_it_is(tmp_path: Path) -> None:
    text = VALID + QUEUE + 'kind = "waiting"\ntransitions = ["finish"]\nroles = ["cadre"]\n'
    text += 'who = "responsible_unit"\n'
    definition = load_workflow(write(tmp_path, text))
    assert [q.name for q in queues_for_role(definition, definition.queues, "cadre")] == ["q"]
    assert queues_for_role(definition, definition.queues, "inspector") == []
