"""Return and reassign (退单/改派) on a phone, on both workflows: the unit returns a finding with
its reason; the inspector hands it to another unit, or refuses and the unit accepts it."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.steps import act, action_form, file_now, reload, submit, take

from tracker.org.models import Unit

pytestmark = pytest.mark.browser

FIVE_STATE = str(Path(__file__).resolve().parents[1] / "workflow" / "five_state.toml")


@pytest.fixture(params=["default.toml", FIVE_STATE], ids=["default", "five_state"])
def workflow_file(request) -> str:  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def app(app_factory, workflow_file):  # type: ignore[no-untyped-def]
    return app_factory(WORKFLOW=workflow_file)


@pytest.fixture
def live_app(app_factory, workflow_file):  # type: ignore[no-untyped-def]
    return app_factory(WORKFLOW=workflow_file, WTF_CSRF_ENABLED=True)


def _return(page, ticket_id: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/tickets/{ticket_id}")
    take(page, "申请退单")
    form = action_form(page, "申请退单")
    form.locator("textarea[name=comment]").fill(reason)
    submit(page, form.locator("button[type=submit]"))


def test_return_then_reassign(new_page, sign_in, county, db, make_ticket) -> None:  # type: ignore[no-untyped-def]
    ticket = file_now(make_ticket, title="河湾村垃圾堆未清理")
    cadre, inspector, other = new_page(), new_page(), new_page()
    sign_in(cadre, county.cadre_a.username)
    sign_in(inspector, county.inspector.username)
    sign_in(other, county.cadre_b.username)
    _return(cadre, ticket.id, "该点位属河西镇辖区")
    assert reload(db, ticket.id).return_requested_at is not None
    assert cadre.locator(".return-pending").is_visible()
    inspector.goto(f"/tickets/{ticket.id}")
    take(inspector, "改派")
    form = action_form(inspector, "改派")
    form.locator("select[name=unit]").select_option("town-b")
    form.locator("textarea[name=comment]").fill("改派河西镇办理")
    submit(inspector, form.locator("button[type=submit]"))
    moved = reload(db, ticket.id)
    town_b = db.get(Unit, moved.responsible_unit_id)
    assert town_b.code == "town-b" and moved.state == "reported"
    assert "青山乡 → 河西镇" in inspector.content()
    # The unit that returned it no longer sees it; the new unit accepts it with one tap.
    assert cadre.goto(f"/tickets/{ticket.id}").status == 404
    other.goto(f"/tickets/{ticket.id}")
    act(other, "签收整改")
    assert reload(db, ticket.id).state == "rectifying"


def test_return_refused(new_page, sign_in, county, db, make_ticket) -> None:  # type: ignore[no-untyped-def]
    ticket = file_now(make_ticket, title="上庄村废旧农膜未回收")
    cadre, inspector = new_page(), new_page()
    sign_in(cadre, county.cadre_a.username)
    sign_in(inspector, county.inspector.username)
    _return(cadre, ticket.id, "不属本单位职责")
    inspector.goto(f"/tickets/{ticket.id}")
    take(inspector, "不予退单")
    form = action_form(inspector, "不予退单")
    form.locator("textarea[name=comment]").fill("属青山乡职责，请按期整改")
    submit(inspector, form.locator("button[type=submit]"))
    assert reload(db, ticket.id).return_requested_at is None
    cadre.goto(f"/tickets/{ticket.id}")
    assert cadre.locator("[data-action=request_return]").count() == 0  # once only
    act(cadre, "签收整改")
    assert reload(db, ticket.id).state == "rectifying"
