"""The reports pages render for every role, scoped, with figures linking to the ticket list."""

from __future__ import annotations

ROLES = ["admin", "inspector", "leader", "leader_a", "cadre_a", "cadre_village_a"]


def test_dashboard_renders_for_each_role(client, as_user, county, scenario) -> None:
    for who in ROLES:
        as_user(getattr(county, who))
        response = client.get("/dashboard")
        assert response.status_code == 200, who
        page = response.get_data(as_text=True)
        assert "<svg" in page and 'style="' not in page.split("<main", 1)[1]
        assert "/dashboard" in client.get("/tickets").get_data(as_text=True)  # menu link
        expected = 403 if who.startswith("cadre") else 200
        assert client.get("/bulletin").status_code == expected
        assert client.get("/overdue").status_code == 200
        assert client.get("/ranking").status_code == 200


def test_dashboard_links_to_the_lists_that_make_each_figure(client, as_user, county, scenario):  # type: ignore[no-untyped-def]
    as_user(county.leader_a)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/tickets?queue=all&amp;unit=town-a&amp;overdue=1" in page
    assert "/tickets?queue=all&amp;unit=town-a&amp;rag=amber" in page
    assert "河西镇" not in page  # a leader of town A sees only it
    overdue_list = client.get("/tickets?queue=all&unit=town-a&overdue=1").get_data(as_text=True)
    assert scenario.t["t2"].code in overdue_list


def test_overdue_review(client, as_user, county, scenario) -> None:
    as_user(county.leader_a)
    page = client.get("/overdue").get_data(as_text=True)
    assert scenario.t["t2"].code in page and "青山乡" in page
    assert f"/tickets/{scenario.t['t2'].id}" in page
    as_user(county.leader_b)
    assert scenario.t["t2"].code not in client.get("/overdue").get_data(as_text=True)


def test_dashboard_filter_by_round(client, as_user, county, scenario) -> None:
    as_user(county.admin)
    page = client.get(f"/dashboard?inspection={scenario.round2.id}").get_data(as_text=True)
    assert "河西镇" in page and "青山乡" not in page.split("<tbody>", 1)[1].split("</tbody>")[0]
    assert client.get("/dashboard?rag=purple").status_code == 302
