"""A finding taken through a whole life: filed in a round, extended, rejected once, reported
again with photos, verified and closed (`closed_finding` in tests/documents/conftest.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from tracker.evidence import service as evidence
from tracker.evidence.models import Attachment
from tracker.inspections.models import Inspection, InspectionUnit
from tracker.tickets.models import Ticket

ROUND = "2026年第一轮环境整治督查"
FINAL_REPORT = "全部清理完毕，建立村庄保洁制度，落实专人每周巡查。"
REJECTION = "仍有2处未清理"
VERIFICATION = "现场核查属实"


def at(day: int) -> datetime:
    return datetime(2026, 6, day, 2, tzinfo=UTC)


def photo(seed: int) -> bytes:
    """A small JPEG unlike the others (a pattern per seed, so no two look the same)."""
    image = Image.new("RGB", (320, 240), (30 * seed % 255, 120, 200 - 20 * seed))
    draw = ImageDraw.Draw(image)
    for i in range(seed + 2):
        draw.rectangle((i * 37 % 300, i * 23 % 220, i * 37 % 300 + 20, i * 23 % 220 + 20), "white")
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@dataclass
class Closed:
    ticket: Ticket
    inspection: Inspection
    photos: list[Attachment]


def close_a_finding(app, db, county, make_ticket, move) -> Closed:  # type: ignore[no-untyped-def]
    """File, extend, reject once, verify and close one finding of 青山乡 in a round."""
    inspection = Inspection(title=ROUND, started_on=date(2026, 6, 1))
    db.add(inspection)
    db.commit()
    db.add(InspectionUnit(inspection_id=inspection.id, unit_id=county.town_a.id))
    db.commit()
    ticket = make_ticket(
        now=at(1),
        title="上庄村房前屋后垃圾堆未清理",
        description="上庄村房前屋后垃圾堆12处，废旧农膜未回收。",
        requirement="7日内清理完毕，建立长效保洁机制",
        inspection_id=inspection.id,
        deadline=date(2026, 6, 20),
    )

    def store(user, seed: int, purpose: str) -> Attachment:  # type: ignore[no-untyped-def]
        upload = FileStorage(stream=io.BytesIO(photo(seed)), filename=f"{purpose}{seed}.jpg")
        attachment = evidence.store_upload(
            db, ticket, user, upload, purpose, at(1), app.config, app.extensions["workflow"]
        ).attachment
        db.commit()
        return attachment

    before = store(county.inspector, 1, "before")
    move(ticket, county.cadre_a, "accept", now=at(2), comment="已安排人员清理")
    move(
        ticket,
        county.cadre_a,
        "request_extension",
        now=at(3),
        comment="连续降雨，申请延期",
        deadline="2026-06-30",
    )
    move(ticket, county.leader_a, "approve_extension", now=at(4))
    first = store(county.cadre_a, 2, "after")
    figures = [{"name": "清理垃圾堆", "unit": "堆", "target": 12, "achieved": 10}]
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=at(5),
        comment="已清理10处",
        indicators=figures,
        attachments=[first.id],
    )
    move(ticket, county.inspector, "reject", now=at(6), comment=REJECTION)
    second = store(county.cadre_a, 3, "after")
    figures = [{"name": "清理垃圾堆", "unit": "堆", "target": 12, "achieved": 12}]
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=at(7),
        comment=FINAL_REPORT,
        indicators=figures,
        attachments=[second.id],
    )
    move(ticket, county.inspector, "verify", now=at(8), comment=VERIFICATION)
    move(ticket, county.leader_a, "close", now=at(10), comment="同意销号")
    db.refresh(ticket)
    return Closed(ticket, inspection, [before, first, second])
