"""The admin pages for units and users: refusals next to their fields, in the admin's language."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import func, select

from tracker.org.models import Unit, User


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="{name}-error">(.*?)</div>', page)
    assert match, f"no error shown for {name}"
    return unescape(match.group(1))


def test_a_duplicate_unit_code_is_refused_in_chinese_with_the_input_kept(as_user, county, db):  # type: ignore[no-untyped-def]
    before = db.exec(select(func.count()).select_from(Unit)).one()
    client = as_user(county.admin)
    response = client.post(
        "/admin/units",
        data={"code": "town-a", "name": "青山乡(重复)", "kind": "township", "parent": "county"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "code") == "单位代码 'town-a' 已存在"
    assert 'value="青山乡(重复)"' in page
    assert db.exec(select(func.count()).select_from(Unit)).one() == before
    client.post("/language", data={"locale": "en"})
    page = client.post(
        "/admin/units", data={"code": "town-a", "name": "Qingshan", "kind": "township"}
    ).get_data(as_text=True)
    assert field_error(page, "code") == "unit code 'town-a' already exists"


def test_a_taken_username_and_a_cadre_without_unit_are_refused_in_chinese(as_user, county, db):  # type: ignore[no-untyped-def]
    before = db.exec(select(func.count()).select_from(User)).one()
    client = as_user(county.admin)
    response = client.post(
        "/admin/users",
        data={"username": "inspector", "role": "cadre", "password": "long-enough-1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "username") == "用户名 'inspector' 已被占用"
    assert field_error(page, "unit") == "干部必须归属某个单位"
    assert db.exec(select(func.count()).select_from(User)).one() == before
