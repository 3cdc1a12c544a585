"""Static files under versioned URLs, kept by browsers for a year (tracker/web/static_assets.py)."""

from __future__ import annotations

import re

from tracker.web.static_assets import YEAR, version_of


def test_pages_link_their_assets_by_content_and_browsers_keep_them(client, db, county, as_user):  # type: ignore[no-untyped-def]
    as_user(county.cadre_a)
    html = client.get("/tickets").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(link.startswith("/static/app.css?v=") for link in links), links
    for link in links:
        assert "?v=" in link, link
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.cache_control.max_age == YEAR, link
        response.close()


def test_an_unversioned_or_stale_url_is_revalidated(client, db):  # type: ignore[no-untyped-def]
    for url in ("/static/app.css", "/static/app.css?v=0123456789ab"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age != YEAR, url
        assert response.headers.get("ETag"), url  # so the browser can ask "changed?"
        response.close()


def test_a_changed_file_gets_a_new_url(app, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    asset = tmp_path / "site.css"
    asset.write_text("body { color: black }")
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="site.css")
        asset.write_text("body { color: navy }")
        second = url_for("static", filename="site.css")
        missing = url_for("static", filename="nothing.css")
    assert first != second and first.startswith("/static/site.css?v=")
    assert second.endswith(str(version_of(app, "site.css")))
    assert missing == "/static/nothing.css"
