"""/admin/categories: admins add and disable categories and indicators; others get 403."""

from __future__ import annotations

from sqlmodel import select

from tracker.tickets.models import Category, StandardIndicator


def test_admin_manages_the_taxonomy_on_the_page(as_user, county, db):  # type: ignore[no-untyped-def]
    client = as_user(county.admin)
    page = client.get("/admin/categories")
    assert page.status_code == 200 and "人居环境" in page.text and "拆除废弃房屋" in page.text

    bad = client.post("/admin/categories", data={"category-code": "", "category-name_zh": "x"})
    assert bad.status_code == 422 and "is-invalid" in bad.text
    dup = client.post(
        "/admin/categories", data={"category-code": "toilet", "category-name_zh": "厕所"}
    )
    assert dup.status_code == 422 and "已存在" in dup.text
    added = client.post(
        "/admin/categories",
        data={
            "category-code": "straw",
            "category-name_zh": "秸秆焚烧",
            "category-parent": "environment",
        },
    )
    assert added.status_code == 302
    assert client.post("/admin/categories/straw/disable").status_code == 302
    db.expire_all()
    straw = db.exec(select(Category).where(Category.code == "straw")).one()
    assert straw.is_active is False and straw.parent_id is not None

    assert (
        client.post(
            "/admin/categories/indicators",
            data={
                "indicator-name": "清理河道",
                "indicator-unit": "米",
                "indicator-group_name": "河道",
            },
        ).status_code
        == 302
    )
    row = db.exec(select(StandardIndicator).where(StandardIndicator.name == "清理河道")).one()
    assert client.post(f"/admin/categories/indicators/{row.id}/disable").status_code == 302
    db.expire_all()
    assert db.get(StandardIndicator, row.id).is_active is False
    assert client.post("/admin/categories/nowhere/disable").status_code == 404


def test_others_are_refused(as_user, county):  # type: ignore[no-untyped-def]
    for user in (county.inspector, county.leader, county.cadre_a):
        client = as_user(user)
        assert client.get("/admin/categories").status_code == 403
        assert client.post("/admin/categories/toilet/disable").status_code == 403


def test_the_filing_form_offers_the_standard_indicators(as_user, county, db):  # type: ignore[no-untyped-def]
    page = as_user(county.inspector).get("/tickets/new")
    assert 'list="standard-indicators"' in page.text
    assert '<option value="拆除废弃房屋">' in page.text
