"""Who sees what, endpoint by endpoint: another unit's ticket or attachment id is a 404.

Four findings: town A's, village A's (inside town A), town B's, and one of town B's with the
county department co-operating. Every HTML endpoint taking a ticket or attachment id, and the
list, is tried by every kind of user.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from helpers import NOW
from PIL import Image
from werkzeug.datastructures import FileStorage

from tracker.evidence import service as evidence

VISIBLE = {
    "cadre-a": {"a", "va"},
    "cadre-va": {"va"},
    "cadre-b": {"b", "co"},
    "cadre-dept": {"co"},
    "leader-a": {"a", "va"},
    "leader-b": {"b", "co"},
    "leader": {"a", "va", "b", "co"},
    "inspector": {"a", "va", "b", "co"},
    "admin": {"a", "va", "b", "co"},
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """The county has 14 users; scrypt makes each 0.3 s. These tests are not about passwords."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "tracker.org.service.hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(app, db, county, make_ticket):  # type: ignore[no-untyped-def]
    """The four findings, each with a photo; returns {key: (ticket, attachment)}."""
    specs = {
        "a": {"title": "青山乡-问题", "responsible_unit": "town-a"},
        "va": {"title": "上庄村-问题", "responsible_unit": "village-a"},
        "b": {"title": "河西镇-问题", "responsible_unit": "town-b", "location_unit": "village-b"},
        "co": {
            "title": "协办-问题",
            "responsible_unit": "town-b",
            "location_unit": "village-b",
            "co_units": ["dept"],
        },
    }
    result = {}
    for key, fields in specs.items():
        ticket = make_ticket(deadline=date(2026, 7, 31), **fields)
        photo = evidence.store_upload(
            db,
            ticket,
            county.inspector,
            FileStorage(io.BytesIO(_png()), filename=f"{key}.png"),
            "before",
            NOW,
            app.config,
            app.extensions["workflow"],
        ).attachment
        db.commit()
        result[key] = (ticket, photo)
    return result


def _users(county):  # type: ignore[no-untyped-def]
    return {u.username: u for u in vars(county).values() if hasattr(u, "username")}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_every_ticket_endpoint_is_scoped(username, county, world, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(_users(county)[username])
    visible = VISIBLE[username]
    for key, (ticket, photo) in world.items():
        sees = key in visible
        where = f"{username} → {key}"
        detail = client.get(f"/tickets/{ticket.id}")
        assert detail.status_code == (200 if sees else 404), where
        if not sees:
            body = detail.get_data(as_text=True)
            assert ticket.title not in body and ticket.code not in body, where
        download = client.get(f"/attachments/{photo.id}")
        assert download.status_code == (200 if sees else 404), where
        if not sees:
            assert download.data[:8] != b"\x89PNG\r\n\x1a\n", where
        thumb = client.get(f"/attachments/{photo.id}/thumbnail")
        assert thumb.status_code == (200 if sees else 404), where
        comment = client.post(f"/tickets/{ticket.id}/comments", data={"comment": "看过"})
        assert comment.status_code == (302 if sees else 404), where
        upload = client.post(
            f"/tickets/{ticket.id}/attachments",
            data={"files": (io.BytesIO(_png()), "x.png"), "purpose": "after"},
            content_type="multipart/form-data",
        )
        assert upload.status_code == (302 if sees else 404), where
        transition = client.post(
            f"/tickets/{ticket.id}/transition",
            data={"transition": "accept", "version": str(ticket.version)},
        )
        if sees:
            assert transition.status_code in (302, 403), where
        else:
            assert transition.status_code == 404, where
    listing = client.get("/tickets?queue=all").get_data(as_text=True)
    for key, (ticket, _photo) in world.items():
        assert (ticket.code in listing) is (key in visible), f"{username} list {key}"
    for url in ("/tickets/999999", "/attachments/999999", "/attachments/999999/thumbnail"):
        assert client.get(url).status_code == 404


LEAD_ONLY = [  # in order: refusals first, then the lead unit accepts
    ("cadre-dept", "co", 403),  # the co-operating unit sees, comments, adds evidence: no state
    ("leader-b", "co", 403),
    ("leader-a", "a", 403),
    ("inspector", "a", 403),
    ("cadre-b", "co", 302),
    ("cadre-a", "a", 302),
    ("cadre-va", "va", 302),
]


def test_only_the_lead_unit_moves_the_state(county, world, as_user) -> None:  # type: ignore[no-untyped-def]
    users = _users(county)
    for username, key, expected in LEAD_ONLY:
        ticket, _photo = world[key]
        client = as_user(users[username])
        response = client.post(
            f"/tickets/{ticket.id}/transition",
            data={"transition": "accept", "version": "1"},
        )
        assert response.status_code == expected, (username, key)
