"""Reading what a photo says about itself: capture time, camera, GPS position, orientation."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tracker.evidence.exif import Position, parse_taken_at, read_facts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _facts(data: bytes):  # type: ignore[no-untyped-def]
    return read_facts(Image.open(io.BytesIO(data)), SHANGHAI)


def test_a_phone_photo_gives_time_with_its_offset_camera_and_position(photos) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(
        photos.scene(1, (320, 240)),
        taken="2026:06:14 09:30:00",
        offset="+07:00",
        gps=(30.123456, 118.654321),
        orientation=6,
    )
    facts = _facts(data)
    assert facts.taken_at == datetime(2026, 6, 14, 2, 30, tzinfo=UTC)
    assert facts.camera == "Huawei P60"
    assert facts.position == Position(30.123456, 118.654321)
    assert facts.orientation == 6


def test_a_time_without_offset_is_read_in_the_deployments_zone(photos) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(photos.encode(photos.scene(1, (64, 48)), taken="2026:06:14 09:30:00"))
    assert facts.taken_at == datetime(2026, 6, 14, 1, 30, tzinfo=UTC)


def test_southern_and_western_positions_are_negative(photos) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(photos.encode(photos.scene(1, (64, 48)), gps=(-33.8688, -70.6693)))
    assert facts.position == Position(-33.8688, -70.6693)


def test_a_photo_without_exif_has_no_facts(files) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(files.jpeg())
    assert facts.taken_at is None and facts.position is None and facts.camera == ""


@pytest.mark.parametrize(
    "stamp", ["0000:00:00 00:00:00", "1970:01:01 00:00:00", "yesterday", "", None, b"\xff\xfe"]
)
def test_unset_or_malformed_clocks_give_no_time(stamp) -> None:  # type: ignore[no-untyped-def]
    assert parse_taken_at(stamp, None, SHANGHAI) is None


def test_a_malformed_offset_falls_back_to_the_zone() -> None:
    taken = parse_taken_at("2026:06:14 09:30:00", "+99:00", SHANGHAI)
    assert taken == datetime(2026, 6, 14, 1, 30, tzinfo=UTC)


def test_a_heic_photo_gives_its_facts(photos) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(
        photos.scene(2, (320, 240)),
        "HEIF",
        taken="2026:06:14 09:30:00",
        offset="+08:00",
        gps=(30.5, 118.25),
    )
    facts = _facts(data)
    assert facts.taken_at == datetime(2026, 6, 14, 1, 30, tzinfo=UTC)
    assert facts.position == Position(30.5, 118.25)
