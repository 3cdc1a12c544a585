"""Inspection rounds through the API: the service's scoping and the page's checks."""

from __future__ import annotations

ROUND = {"kind": "unannounced", "started_on": "2026-06-01"}


def _open(api, title: str, units: list[str], **extra):  # type: ignore[no-untyped-def]
    return api.post("/inspections", json={**ROUND, "title": title, "units": units, **extra})


def test_listing_is_scoped_for_each_cadre(api_as, county):
    inspector = api_as(county.inspector)
    created = _open(inspector, "青山乡暗访", ["town-a"], team=["inspector"])
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["unit_count"] == 1
    assert _open(inspector, "河西镇暗访", ["town-b", "village-b"]).get_json()["unit_count"] == 2

    def titles(user) -> list[str]:  # type: ignore[no-untyped-def]
        body = api_as(user).get("/inspections").get_json()
        assert body["total"] == len(body["items"])
        return sorted(item["title"] for item in body["items"])

    assert titles(county.cadre_a) == ["青山乡暗访"]
    assert titles(county.cadre_village_a) == ["青山乡暗访"]  # a round of its township
    assert titles(county.cadre_b) == ["河西镇暗访"]
    assert titles(county.cadre_dept) == []
    assert titles(county.leader_a) == ["青山乡暗访"]
    assert titles(county.inspector) == ["河西镇暗访", "青山乡暗访"]


def test_creating_follows_the_pages_rules(api_as, county):
    # the role is checked before the fields, as on the page (403 even for a bad body)
    refused = api_as(county.cadre_a).post("/inspections", json={"title": ""})
    assert refused.status_code == 403
    inspector = api_as(county.inspector)
    bad = _open(inspector, "x", ["no-such-unit"], team=["cadre-a", "nobody"])
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert set(fields) == {"team", "units"}
    no_units = _open(inspector, "x", [])
    assert no_units.status_code == 422 and "units" in no_units.get_json()["error"]["fields"]
    too_long = _open(inspector, "x", ["town-a"], ended_on="2028-01-01")
    assert too_long.status_code == 422 and "ended_on" in too_long.get_json()["error"]["fields"]
    shape = inspector.post("/inspections", json={"title": "x", "units": ["town-a"]})
    assert shape.status_code == 422 and "started_on" in shape.get_json()["error"]["fields"]
    assert inspector.get("/inspections").get_json()["total"] == 0
