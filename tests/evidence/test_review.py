"""A round's photo wall (leaders, inspectors), filtered by township and flag; a finding's place
entered on its page or for a village with `tracker unit locate`."""

from __future__ import annotations

import io
from datetime import date

from helpers import NOW
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from tracker.evidence import service
from tracker.evidence.models import TicketPosition, UnitPosition
from tracker.inspections.models import Inspection

TAKEN = "2026:06:17 09:00:00"


def _store(db, app, ticket, user, data, purpose):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename=f"{purpose}.jpg")
    service.store_upload(
        db, ticket, user, stream, purpose, NOW, app.config, app.extensions["workflow"]
    )
    db.commit()


def _round(db, county, make_ticket, photos, app):  # type: ignore[no-untyped-def]
    inspection = Inspection(title="第三轮督查", kind="routine", started_on=date(2026, 6, 1))
    db.add(inspection)
    db.commit()
    a = make_ticket(title="青山乡垃圾堆", inspection_id=inspection.id)
    b = make_ticket(
        title="河西镇污水",
        inspection_id=inspection.id,
        responsible_unit="town-b",
        location_unit="village-b",
    )
    make_ticket(title="没有拍照的问题", inspection_id=inspection.id)
    _store(
        db,
        app,
        a,
        county.inspector,
        photos.encode(photos.scene(1, (320, 240)), taken=TAKEN),
        "before",
    )
    _store(
        db, app, a, county.cadre_a, photos.encode(photos.scene(2, (320, 240))), "after"
    )  # no time
    _store(
        db,
        app,
        b,
        county.inspector,
        photos.encode(photos.scene(3, (320, 240)), taken=TAKEN),
        "before",
    )
    return inspection, a, b


def test_the_wall_pairs_each_findings_photos_and_filters(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    inspection, a, b = _round(db, county, make_ticket, photos, app)
    client = as_user(county.inspector)
    page = client.get(f"/inspections/{inspection.id}/photos").get_data(as_text=True)
    assert a.code in page and b.code in page and "没有拍照的问题" not in page
    assert page.count('class="ba-pair"') == 2
    only_b = client.get(f"/inspections/{inspection.id}/photos?township=town-b").get_data(
        as_text=True
    )
    assert b.code in only_b and a.code not in only_b
    flagged = client.get(f"/inspections/{inspection.id}/photos?flag=no_capture_time").get_data(
        as_text=True
    )
    assert a.code in flagged and b.code not in flagged
    # Nonsense filters are ignored, not errors.
    assert client.get(f"/inspections/{inspection.id}/photos?flag=x&page=zz").status_code == 200


def test_the_wall_is_for_leaders_and_inspectors_within_their_scope(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    inspection, a, b = _round(db, county, make_ticket, photos, app)
    assert as_user(county.cadre_a).get(f"/inspections/{inspection.id}/photos").status_code == 403
    page = (
        as_user(county.leader_a).get(f"/inspections/{inspection.id}/photos").get_data(as_text=True)
    )
    assert a.code in page and b.code not in page
    assert as_user(county.inspector).get("/inspections/99999/photos").status_code == 404


def test_a_finding_gets_coordinates_from_its_page(app, db, county, make_ticket, as_user) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.inspector)
    response = client.post(f"/tickets/{ticket.id}/position", data={"lat": "30.25", "lon": "118.5"})
    assert response.status_code == 302
    row = db.get(TicketPosition, ticket.id)
    assert (row.latitude, row.longitude, row.source) == (30.25, 118.5, "entered")
    bad = client.post(
        f"/tickets/{ticket.id}/position", data={"lat": "91", "lon": "east"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "坐标无效" in bad
    db.expire_all()
    assert db.get(TicketPosition, ticket.id).latitude == 30.25
    # A cadre may not move the finding; another township's cadre does not even see it.
    assert (
        as_user(county.cadre_a)
        .post(f"/tickets/{ticket.id}/position", data={"lat": "1", "lon": "1"})
        .status_code
        == 403
    )
    assert (
        as_user(county.cadre_b)
        .post(f"/tickets/{ticket.id}/position", data={"lat": "1", "lon": "1"})
        .status_code
        == 404
    )


def test_tracker_unit_locate_places_a_village(app, db, county) -> None:  # type: ignore[no-untyped-def]
    from tracker.evidence.cli import unit_locate

    runner = app.test_cli_runner()
    result = runner.invoke(unit_locate, ["village-a", "30.25", "118.5"])
    assert result.exit_code == 0, result.output
    assert "30.250000, 118.500000" in result.output
    row = db.exec(select(UnitPosition).where(UnitPosition.unit_id == county.village_a.id)).one()
    assert (row.latitude, row.longitude) == (30.25, 118.5)
    assert runner.invoke(unit_locate, ["nowhere", "30", "118"]).exit_code != 0
    refused = runner.invoke(unit_locate, ["village-a", "300", "118"])
    assert refused.exit_code != 0 and "lat" in refused.output


def test_the_round_page_links_its_photo_wall(app, db, county, make_ticket, photos, as_user) -> None:  # type: ignore[no-untyped-def]
    inspection, _a, _b = _round(db, county, make_ticket, photos, app)
    link = f'href="/inspections/{inspection.id}/photos"'
    assert link in as_user(county.leader).get(f"/inspections/{inspection.id}").get_data(
        as_text=True
    )
    assert link not in as_user(county.cadre_a).get(f"/inspections/{inspection.id}").get_data(
        as_text=True
    )
