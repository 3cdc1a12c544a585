"""Who may take which transition of the default workflow, and why an attempt is refused."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tracker.workflow.definition import INPUTS, load_workflow
from tracker.workflow.engine import Actor, Facts, TransitionNotAllowed, available, decide

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = load_workflow(ROOT / "config" / "workflows" / "default.toml")

CADRE = Actor("cadre", frozenset({"responsible_unit", "involved_unit"}))
CO_UNIT_CADRE = Actor("cadre", frozenset({"involved_unit"}))
OTHER_CADRE = Actor("cadre")
INSPECTOR = Actor("inspector")
REPORTER = Actor("inspector", frozenset({"reporter"}))
LEADER = Actor("leader", frozenset({"leader_in_charge"}))
OTHER_LEADER = Actor("leader")
ADMIN = Actor("admin")

NONE = Facts()
AWAITING = Facts(awaiting_verification=True)
EXTENSION = Facts(extension_pending=True)
DONE = Facts(resolved_done=True)
FOLLOWUP = Facts(resolved_done=True, followup_pending=True)

ALL = INPUTS  # every input given


def ok(target: str) -> tuple[str, str]:
    return ("ok", target)


def refused(code: str, *fields: str) -> tuple[str, tuple[str, ...]]:
    return (code, fields)


PERMISSIONS = [
    # accept: only a cadre of the responsible unit
    ("accept", "reported", NONE, CADRE, (), ok("rectifying")),
    ("accept", "reported", NONE, CO_UNIT_CADRE, (), refused("forbidden")),
    ("accept", "reported", NONE, OTHER_CADRE, (), refused("forbidden")),
    ("accept", "reported", NONE, INSPECTOR, (), refused("forbidden")),
    ("accept", "reported", NONE, ADMIN, (), refused("forbidden")),
    ("accept", "rectifying", NONE, CADRE, (), refused("wrong_state")),
    # report_completion: comment plus attachments or indicators, once
    ("report_completion", "rectifying", NONE, CADRE, ("comment", "indicators"), ok("rectifying")),
    ("report_completion", "rectifying", NONE, CADRE, ("comment", "attachments"), ok("rectifying")),
    (
        "report_completion",
        "rectifying",
        NONE,
        CADRE,
        ("comment",),
        refused("missing_input", "attachments", "indicators"),
    ),
    (
        "report_completion",
        "rectifying",
        NONE,
        CADRE,
        (),
        refused("missing_input", "comment", "attachments", "indicators"),
    ),
    (
        "report_completion",
        "rectifying",
        NONE,
        CADRE,
        ("attachments",),
        refused("missing_input", "comment"),
    ),
    ("report_completion", "rectifying", NONE, OTHER_CADRE, ALL, refused("forbidden")),
    ("report_completion", "rectifying", AWAITING, CADRE, ALL, refused("guard")),
    ("report_completion", "reported", NONE, CADRE, ALL, refused("wrong_state")),
    # verify: an inspector, only once completion was reported
    ("verify", "rectifying", AWAITING, INSPECTOR, (), ok("verified")),
    ("verify", "rectifying", NONE, INSPECTOR, (), refused("guard")),
    ("verify", "rectifying", AWAITING, CADRE, (), refused("forbidden")),
    ("verify", "rectifying", AWAITING, LEADER, (), refused("forbidden")),
    ("verify", "verified", AWAITING, INSPECTOR, (), refused("wrong_state")),
    # reject: an inspector, with a comment
    ("reject", "rectifying", AWAITING, INSPECTOR, ("comment",), ok("rectifying")),
    ("reject", "rectifying", AWAITING, INSPECTOR, (), refused("missing_input", "comment")),
    ("reject", "rectifying", NONE, INSPECTOR, ("comment",), refused("guard")),
    ("reject", "rectifying", AWAITING, CADRE, ("comment",), refused("forbidden")),
    # close: the leader in charge only
    ("close", "verified", NONE, LEADER, (), ok("closed")),
    ("close", "verified", NONE, OTHER_LEADER, (), refused("forbidden")),
    ("close", "verified", NONE, INSPECTOR, (), refused("forbidden")),
    ("close", "rectifying", NONE, LEADER, (), refused("wrong_state")),
    # rebound: comment and deadline, only after a real close
    ("rebound", "closed", DONE, INSPECTOR, ("comment", "deadline"), ok("rectifying")),
    ("rebound", "closed", DONE, LEADER, ("comment", "deadline"), ok("rectifying")),
    ("rebound", "closed", DONE, OTHER_LEADER, ("comment", "deadline"), refused("forbidden")),
    ("rebound", "closed", DONE, INSPECTOR, ("comment",), refused("missing_input", "deadline")),
    ("rebound", "closed", DONE, INSPECTOR, (), refused("missing_input", "comment", "deadline")),
    ("rebound", "closed", NONE, INSPECTOR, ("comment", "deadline"), refused("guard")),
    ("rebound", "verified", DONE, INSPECTOR, ("comment", "deadline"), refused("wrong_state")),
    # follow-up checks after closing
    ("followup_pass", "closed", FOLLOWUP, INSPECTOR, (), ok("closed")),
    ("followup_pass", "closed", DONE, INSPECTOR, (), refused("guard")),
    ("followup_fail", "closed", FOLLOWUP, INSPECTOR, ("comment", "deadline"), ok("rectifying")),
    ("followup_fail", "closed", FOLLOWUP, LEADER, ("comment", "deadline"), refused("forbidden")),
    # withdraw: the reporting inspector or the leader in charge
    ("withdraw", "reported", NONE, REPORTER, ("comment",), ok("closed")),
    ("withdraw", "rectifying", NONE, REPORTER, ("comment",), ok("closed")),
    ("withdraw", "rectifying", NONE, LEADER, ("comment",), ok("closed")),
    ("withdraw", "reported", NONE, INSPECTOR, ("comment",), refused("forbidden")),
    ("withdraw", "reported", NONE, OTHER_LEADER, ("comment",), refused("forbidden")),
    ("withdraw", "reported", NONE, CADRE, ("comment",), refused("forbidden")),
    ("withdraw", "reported", NONE, REPORTER, (), refused("missing_input", "comment")),
    ("withdraw", "verified", NONE, REPORTER, ("comment",), refused("wrong_state")),
    # extensions
    ("request_extension", "rectifying", NONE, CADRE, ("comment", "deadline"), ok("rectifying")),
    ("request_extension", "reported", NONE, CADRE, ("comment", "deadline"), ok("reported")),
    (
        "request_extension",
        "rectifying",
        NONE,
        CADRE,
        ("comment",),
        refused("missing_input", "deadline"),
    ),
    (
        "request_extension",
        "rectifying",
        EXTENSION,
        CADRE,
        ("comment", "deadline"),
        refused("guard"),
    ),
    ("request_extension", "rectifying", AWAITING, CADRE, ("comment", "deadline"), refused("guard")),
    ("request_extension", "rectifying", NONE, CO_UNIT_CADRE, ALL, refused("forbidden")),
    ("request_extension", "verified", NONE, CADRE, ALL, refused("wrong_state")),
    ("approve_extension", "rectifying", EXTENSION, LEADER, (), ok("rectifying")),
    ("approve_extension", "rectifying", NONE, LEADER, (), refused("guard")),
    ("approve_extension", "rectifying", EXTENSION, OTHER_LEADER, (), refused("forbidden")),
    ("approve_extension", "rectifying", EXTENSION, CADRE, (), refused("forbidden")),
    ("refuse_extension", "reported", EXTENSION, LEADER, ("comment",), ok("reported")),
    ("refuse_extension", "reported", EXTENSION, LEADER, (), refused("missing_input", "comment")),
    ("refuse_extension", "reported", NONE, LEADER, ("comment",), refused("guard")),
    ("refuse_extension", "reported", EXTENSION, INSPECTOR, ("comment",), refused("forbidden")),
    # names the workflow does not know
    ("teleport", "reported", NONE, ADMIN, ALL, refused("unknown")),
    ("accept", "nowhere", NONE, CADRE, ALL, refused("wrong_state")),
]


@pytest.mark.parametrize(("name", "state", "facts", "actor", "provided", "expected"), PERMISSIONS)
def test_permission_table(name, state, facts, actor, provided, expected) -> None:
    code, detail = expected
    if code == "ok":
        decision = decide(WORKFLOW, state, facts, actor, name, provided)
        assert (decision.source, decision.target) == (state, detail)
        assert decision.effects == WORKFLOW.transition(name).effects
    else:
        with pytest.raises(TransitionNotAllowed) as caught:
            decide(WORKFLOW, state, facts, actor, name, provided)
        assert caught.value.code == code
        assert caught.value.fields == detail
        assert caught.value.message


def test_provided_may_be_a_mapping() -> None:
    provided = {"comment": "done", "attachments": ["photo.jpg"]}
    decision = decide(WORKFLOW, "rectifying", NONE, CADRE, "report_completion", provided)
    assert decision.effects == ("mark_awaiting_verification",)


SUPERVISED = Facts(supervised=True)

AVAILABLE = [
    ("reported", NONE, CADRE, ["accept", "request_extension"]),
    ("reported", EXTENSION, CADRE, ["accept"]),
    ("reported", NONE, OTHER_CADRE, []),
    ("reported", NONE, REPORTER, ["withdraw", "supervise"]),
    ("rectifying", NONE, CADRE, ["report_completion", "request_extension"]),
    ("rectifying", AWAITING, CADRE, []),
    ("rectifying", AWAITING, INSPECTOR, ["verify", "reject", "supervise"]),
    ("rectifying", AWAITING, REPORTER, ["verify", "reject", "withdraw", "supervise"]),
    (
        "rectifying",
        EXTENSION,
        LEADER,
        ["withdraw", "approve_extension", "refuse_extension", "supervise"],
    ),
    ("rectifying", EXTENSION, OTHER_LEADER, []),
    ("verified", NONE, LEADER, ["close"]),
    ("verified", NONE, OTHER_LEADER, []),
    ("closed", FOLLOWUP, INSPECTOR, ["rebound", "followup_pass", "followup_fail"]),
    ("closed", DONE, INSPECTOR, ["rebound"]),
    ("closed", DONE, LEADER, ["rebound"]),
    ("closed", NONE, INSPECTOR, []),  # withdrawn: nothing to reopen
    # special supervision (挂牌督办): the unit reports progress, an inspector may lift it
    (
        "rectifying",
        SUPERVISED,
        CADRE,
        ["report_completion", "request_extension", "report_progress"],
    ),
    ("rectifying", SUPERVISED, INSPECTOR, ["lift_supervision"]),
    ("verified", SUPERVISED, OTHER_CADRE, []),
]


@pytest.mark.parametrize(("state", "facts", "actor", "expected"), AVAILABLE)
def test_available(state, facts, actor, expected) -> None:
    assert [t.name for t in available(WORKFLOW, state, facts, actor)] == expected


ACTORS = [CADRE, CO_UNIT_CADRE, OTHER_CADRE, INSPECTOR, REPORTER, LEADER, OTHER_LEADER, ADMIN]
FACTS = [Facts(*flags) for flags in itertools.product([False, True], repeat=4)]


def test_available_agrees_with_decide() -> None:
    """With every input given, `decide` accepts exactly what `available` lists."""
    for state, facts, actor in itertools.product(WORKFLOW.states, FACTS, ACTORS):
        listed = {t.name for t in available(WORKFLOW, state, facts, actor)}
        for transition in WORKFLOW.transitions:
            try:
                decide(WORKFLOW, state, facts, actor, transition.name, INPUTS)
            except TransitionNotAllowed as refusal:
                assert transition.name not in listed, (state, facts, actor, refusal.code)
            else:
                assert transition.name in listed, (state, facts, actor)
