"""Map datums: positions are stored in WGS 84 (as phones record them); links to AMap (GCJ-02) and
Baidu (BD-09) carry the converted point, and the page says which datum it shows."""

from __future__ import annotations

import io

import pytest
from helpers import NOW
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from tracker.core.config import ConfigError
from tracker.evidence import places, service
from tracker.evidence.cli import unit_locate
from tracker.evidence.datum import (
    Datum,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)
from tracker.evidence.exif import Position
from tracker.evidence.models import TicketPosition, UnitPosition

# Reference values published with wandergis/coordtransform (test/app.js), the converter most
# Chinese web projects use, for the point (39.915 N, 116.404 E) near Tiananmen.
TIANANMEN = Position(39.915, 116.404)
REFERENCE = [
    (wgs84_to_gcj02, Position(39.91640428150164, 116.41024449916938)),
    (gcj02_to_bd09, Position(39.92133699351021, 116.41036949371029)),
    (bd09_to_gcj02, Position(39.90865673957631, 116.39762729119315)),
]
# A village in Anhui (the test county's coordinates), and places outside mainland China.
VILLAGE = Position(30.25, 118.5)
ABROAD = [Position(48.8584, 2.2945), Position(-33.8568, 151.2153), Position(51.5007, -0.1246)]


@pytest.mark.parametrize(("convert", "expected"), REFERENCE)
def test_conversions_match_the_published_reference_points(convert, expected) -> None:  # type: ignore[no-untyped-def]
    result = convert(TIANANMEN)
    assert result.lat == pytest.approx(expected.lat, abs=1e-9)
    assert result.lon == pytest.approx(expected.lon, abs=1e-9)


def test_the_shift_is_hundreds_of_metres_in_china_and_nothing_abroad() -> None:
    for point in (TIANANMEN, VILLAGE):
        gcj = wgs84_to_gcj02(point)
        assert 200 < places.distance_m(point, gcj) < 800
        assert 200 < places.distance_m(gcj, gcj02_to_bd09(gcj)) < 1200
    for point in ABROAD:
        assert from_wgs84(point, Datum.GCJ02) == point


@pytest.mark.parametrize("datum", list(Datum))
def test_reading_a_point_back_from_a_map_gives_the_stored_point(datum) -> None:  # type: ignore[no-untyped-def]
    for point in (TIANANMEN, VILLAGE, *ABROAD):
        back = to_wgs84(from_wgs84(point, datum), datum)
        assert places.distance_m(point, back) < 0.5  # half a metre
    # The inverse of the GCJ-02 shift is iterated, not the one-step approximation (~2 m off).
    assert places.distance_m(gcj02_to_wgs84(wgs84_to_gcj02(VILLAGE)), VILLAGE) < 0.01


def test_map_links_carry_the_datum_the_service_expects(app_factory) -> None:  # type: ignore[no-untyped-def]
    def link(**evidence):  # type: ignore[no-untyped-def]
        return places.MapLinks.from_config(app_factory(evidence=evidence).config).url(TIANANMEN)

    amap = "https://uri.amap.com/marker?position={lon},{lat}"
    baidu = "https://api.map.baidu.com/marker?location={lat},{lon}&coord_type=bd09ll"
    assert link(map_url_template="") == ""
    assert (
        link(map_url_template=amap) == "https://uri.amap.com/marker?position=116.404000,39.915000"
    )
    assert (
        link(map_url_template=amap, map_datum="gcj02")
        == "https://uri.amap.com/marker?position=116.410244,39.916404"
    )
    assert link(map_url_template=baidu, map_datum="bd09").startswith(
        "https://api.map.baidu.com/marker?location=39.922700,116.416627&"
    )
    with pytest.raises(ConfigError, match=r"EVIDENCE\.MAP_DATUM"):
        app_factory(evidence={"map_datum": "mars"})


def test_the_page_says_which_datum_and_links_the_converted_point(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    data = photos.encode(photos.scene(1, (320, 240)), gps=(30.3, 118.6))
    stream = FileStorage(stream=io.BytesIO(data), filename="after.jpg")
    service.store_upload(
        db, ticket, county.cadre_a, stream, "after", NOW, app.config, app.extensions["workflow"]
    )
    db.commit()
    client = as_user(county.inspector)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "30.30000, 118.60000" in page and "(WGS 84)" in page and 'href="https://' not in page

    app.config["EVIDENCE"]["MAP_URL_TEMPLATE"] = "https://uri.amap.com/marker?position={lon},{lat}"
    app.config["EVIDENCE"]["MAP_DATUM"] = "gcj02"
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'href="https://uri.amap.com/marker?position=118.604856,30.297342"' in page
    assert "30.30000, 118.60000" in page  # the stored point is what is shown
    assert "WGS 84，地图链接按 GCJ-02 换算" in page


def test_coordinates_read_off_amap_or_baidu_are_stored_in_wgs84(
    app, db, county, make_ticket, as_user
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.inspector)
    gcj = wgs84_to_gcj02(VILLAGE)
    response = client.post(
        f"/tickets/{ticket.id}/position",
        data={"lat": f"{gcj.lat:.6f}", "lon": f"{gcj.lon:.6f}", "datum": "gcj02"},
    )
    assert response.status_code == 302
    row = db.get(TicketPosition, ticket.id)
    assert places.distance_m(Position(row.latitude, row.longitude), VILLAGE) < 0.2
    refused = client.post(
        f"/tickets/{ticket.id}/position",
        data={"lat": "30", "lon": "118", "datum": "mars"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "坐标无效" in refused

    bd = from_wgs84(VILLAGE, Datum.BD09)
    result = app.test_cli_runner().invoke(
        unit_locate, ["village-a", f"{bd.lat:.6f}", f"{bd.lon:.6f}", "--datum", "bd09"]
    )
    assert result.exit_code == 0, result.output
    db.expire_all()
    unit = db.exec(select(UnitPosition).where(UnitPosition.unit_id == county.village_a.id)).one()
    assert places.distance_m(Position(unit.latitude, unit.longitude), VILLAGE) < 0.5


def test_an_admin_sets_a_villages_place_on_its_page(app, db, county, as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user(county.inspector).get("/admin/places").status_code == 403
    client = as_user(county.admin)
    page = client.get("/admin/places").get_data(as_text=True)
    assert 'data-unit="village-a"' in page and "未设置" in page
    bd = from_wgs84(VILLAGE, Datum.BD09)
    response = client.post(
        "/admin/places",
        data={"unit": "village-a", "lat": f"{bd.lat:.6f}", "lon": f"{bd.lon:.6f}", "datum": "bd09"},
    )
    assert response.status_code == 302
    row = db.get(UnitPosition, county.village_a.id)
    assert places.distance_m(Position(row.latitude, row.longitude), VILLAGE) < 0.5
    page = client.get("/admin/places").get_data(as_text=True)
    assert "30.25000, 118.50000" in page and "(WGS 84)" in page
    refused = client.post(
        "/admin/places", data={"unit": "village-a", "lat": "x", "lon": "118"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "坐标无效" in refused
    db.expire_all()
    assert db.get(UnitPosition, county.village_a.id).latitude == row.latitude
