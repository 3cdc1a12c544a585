"""The bulletin of a round is read and edited only by those who may see the round."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tracker.inspections.models import Inspection, InspectionUnit


@pytest.fixture
def town_b_round(db, county, make_ticket):  # type: ignore[no-untyped-def]
    """A round that covered 河西镇 only, with one finding there."""
    inspection = Inspection(title="河西镇专项督查", started_on=date(2026, 6, 1), next_steps="原文")
    db.add(inspection)
    db.commit()
    db.add(InspectionUnit(inspection_id=inspection.id, unit_id=county.town_b.id))
    db.commit()
    make_ticket(responsible_unit="town-b", location_unit="village-b", inspection_id=inspection.id)
    return inspection


def test_a_leader_outside_the_round_gets_404_everywhere(
    client, db, county, as_user, town_b_round
) -> None:  # type: ignore[no-untyped-def]
    as_user(county.leader_a)
    rid = town_b_round.id
    assert client.get(f"/inspections/{rid}").status_code == 404
    assert client.get(f"/bulletin?inspection={rid}").status_code == 404
    assert client.get(f"/bulletin.docx?inspection={rid}").status_code == 404
    response = client.post(f"/bulletin/{rid}/next-steps", data={"next_steps": "改写"})
    assert response.status_code == 404
    db.expire_all()
    assert db.exec(select(Inspection).where(Inspection.id == rid)).one().next_steps == "原文"
    # The round's title is not offered in the bulletin's or the list's round picker.
    assert "河西镇专项督查" not in client.get("/bulletin").get_data(as_text=True)
    assert "河西镇专项督查" not in client.get("/tickets?queue=all").get_data(as_text=True)
    assert "河西镇专项督查" not in client.get("/dashboard").get_data(as_text=True)
    # Nor to a cadre of another township, on the list, the dashboard or in the ledger.
    as_user(county.cadre_a)
    assert "河西镇专项督查" not in client.get("/tickets?queue=all").get_data(as_text=True)
    assert "河西镇专项督查" not in client.get("/dashboard").get_data(as_text=True)
    ledger = client.get(f"/tickets/export.xlsx?inspection={rid}")
    assert ledger.status_code == 200
    sheet = load_workbook(io.BytesIO(ledger.data)).worksheets[0]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and not [c for c in cells if "河西镇专项督查" in c]


def test_a_leader_of_the_round_saves_next_steps_with_name_and_time(
    client, db, county, as_user, town_b_round
) -> None:  # type: ignore[no-untyped-def]
    as_user(county.leader_b)
    rid = town_b_round.id
    assert client.get(f"/bulletin?inspection={rid}").status_code == 200
    response = client.post(f"/bulletin/{rid}/next-steps", data={"next_steps": "一要压实责任。"})
    assert response.status_code == 302
    db.expire_all()
    saved = db.exec(select(Inspection).where(Inspection.id == rid)).one()
    assert saved.next_steps == "一要压实责任。"
    assert saved.next_steps_updated_by_id == county.leader_b.id
    assert saved.next_steps_updated_at is not None
