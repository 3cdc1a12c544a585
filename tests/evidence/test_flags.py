"""Flags for the inspector: after-photos taken too early, photos with no time, photos taken far
from the finding; shown on the evidence, counted per ticket, recorded when verified anyway."""

from __future__ import annotations

import io

from helpers import NOW, flag_rules, later
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from tracker.evidence import places, service
from tracker.evidence.exif import Position
from tracker.evidence.flags import flag_counts, flags_for_tickets
from tracker.evidence.models import PlaceSource, TicketPosition
from tracker.tickets.models import TicketEvent

# The finding is filed at NOW = 2026-06-15 10:00 in Shanghai; the unit accepts it a day later.
BEFORE_FILING = "2026:06:14 09:30:00"
BEFORE_ACCEPTANCE = "2026:06:15 18:00:00"
AFTER_ACCEPTANCE = "2026:06:17 09:00:00"
VILLAGE = (30.25, 118.5)
NEAR_VILLAGE = (30.252, 118.501)  # about 240 m away
OTHER_VILLAGE = (30.30, 118.60)  # about 11 km away


def _store(db, app, ticket, user, data, purpose="after", now=NOW):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename="photo.jpg")
    attachment = service.store_upload(
        db, ticket, user, stream, purpose, now, app.config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def _flags(db, app, user, ticket):  # type: ignore[no-untyped-def]
    attachments = service.attachments_of(db, ticket)
    found = flags_for_tickets(db, user, [ticket], attachments, flag_rules(app))
    return [found.flags.get(a.id) for a in attachments]


def test_after_photos_taken_before_filing_or_acceptance_are_flagged(
    app, db, county, make_ticket, move, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", now=later(1))
    for seed, taken in enumerate((BEFORE_FILING, BEFORE_ACCEPTANCE, AFTER_ACCEPTANCE)):
        data = photos.encode(photos.scene(seed, (320, 240)), taken=taken, offset="+08:00")
        _store(db, app, ticket, county.cadre_a, data, now=later(2))
    # A before-photo taken before filing is what a before-photo is.
    data = photos.encode(photos.scene(9, (320, 240)), taken=BEFORE_FILING, offset="+08:00")
    _store(db, app, ticket, county.inspector, data, purpose="before")
    assert _flags(db, app, county.inspector, ticket) == [
        ["taken_before_filing"],
        ["taken_before_acceptance"],
        [],
        [],
    ]


def test_a_photo_without_capture_time_is_flagged_and_documents_never_are(
    app, db, county, make_ticket, photos, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    _store(db, app, ticket, county.cadre_a, photos.encode(photos.scene(1, (320, 240))))
    _store(db, app, ticket, county.cadre_a, files.pdf(), purpose="document")
    assert _flags(db, app, county.inspector, ticket) == [["no_capture_time"], None]


def test_photos_far_from_the_findings_place_are_flagged(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    places.set_unit_position(db, county.village_a.id, Position(*VILLAGE), NOW)
    ticket = make_ticket()
    for seed, gps in enumerate((NEAR_VILLAGE, OTHER_VILLAGE)):
        data = photos.encode(photos.scene(seed, (320, 240)), taken=AFTER_ACCEPTANCE, gps=gps)
        _store(db, app, ticket, county.cadre_a, data)
    _store(
        db,
        app,
        ticket,
        county.cadre_a,
        photos.encode(photos.scene(7, (320, 240)), taken=AFTER_ACCEPTANCE),
    )
    assert _flags(db, app, county.inspector, ticket) == [[], ["far_from_place"], []]


def test_the_distance_is_a_setting(app_factory) -> None:  # type: ignore[no-untyped-def]
    assert flag_rules(app_factory()).max_distance_m == 500
    assert flag_rules(app_factory(evidence={"max_distance_m": 20000})).max_distance_m == 20000


def test_the_first_geotagged_before_photo_places_the_finding(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    after = photos.encode(photos.scene(1, (320, 240)), taken=AFTER_ACCEPTANCE, gps=OTHER_VILLAGE)
    _store(db, app, ticket, county.cadre_a, after)
    assert db.get(TicketPosition, ticket.id) is None  # an after-photo never sets the place
    before = photos.encode(photos.scene(2, (320, 240)), taken=BEFORE_FILING, gps=VILLAGE)
    _store(db, app, ticket, county.inspector, before, purpose="before")
    row = db.get(TicketPosition, ticket.id)
    assert (row.latitude, row.longitude, row.source) == (*VILLAGE, PlaceSource.PHOTO)
    assert _flags(db, app, county.inspector, ticket)[0] == ["far_from_place"]


def test_flags_are_counted_per_ticket(app, db, county, make_ticket, photos) -> None:  # type: ignore[no-untyped-def]
    flagged, clean = make_ticket(), make_ticket()
    _store(db, app, flagged, county.cadre_a, photos.encode(photos.scene(1, (64, 48))))
    _store(db, app, flagged, county.cadre_a, photos.encode(photos.scene(2, (64, 48))))
    data = photos.encode(photos.scene(3, (64, 48)), taken=AFTER_ACCEPTANCE)
    _store(db, app, clean, county.cadre_a, data)
    assert flag_counts(db, county.inspector, [flagged, clean], flag_rules(app)) == {flagged.id: 2}


def test_verifying_despite_flags_is_recorded_in_the_history(
    app, db, county, make_ticket, move, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", now=later(1))
    data = photos.encode(photos.scene(1, (320, 240)), taken=BEFORE_FILING)
    photo = _store(db, app, ticket, county.cadre_a, data, now=later(2))
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=later(2),
        comment="已清理",
        attachments=[photo.id],
    )
    event = move(ticket, county.inspector, "verify", now=later(3))
    assert event.data["evidence_flags"] == [
        {"id": photo.id, "name": "photo.jpg", "flags": ["taken_before_filing"]}
    ]
    events = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    assert sum("evidence_flags" in e.data for e in events) == 1


def test_a_clean_verification_records_no_flags(app, db, county, make_ticket, move, photos) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", now=later(1))
    data = photos.encode(photos.scene(1, (320, 240)), taken=AFTER_ACCEPTANCE, offset="+08:00")
    photo = _store(db, app, ticket, county.cadre_a, data, now=later(2))
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=later(2),
        comment="已清理",
        attachments=[photo.id],
    )
    assert "evidence_flags" not in move(ticket, county.inspector, "verify", now=later(3)).data
