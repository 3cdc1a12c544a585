"""The admin calendar page, and filing with working days over holidays and unknown years."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from tracker.calendar.models import CalendarDay
from tracker.tickets import service
from tracker.tickets.schemas import TicketCreate


def test_admin_adds_and_removes_days_and_sees_fallback_years(db, county, as_user):
    client = as_user(county.admin)
    page = client.get("/admin/calendar/?year=2027").get_data(as_text=True)
    assert 'data-fallback="2027"' in page
    response = client.post(
        "/admin/calendar/?year=2027",
        data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"},
    )
    assert response.status_code == 302
    page = client.get("/admin/calendar/?year=2027").get_data(as_text=True)
    assert "2027-01-01" in page and "元旦" in page and 'data-fallback="2027"' not in page
    client.post("/admin/calendar/?year=2027", data={"day": "2027-02-07", "kind": "workday"})
    assert db.get(CalendarDay, date(2027, 2, 7)).is_workday is True
    assert client.post("/admin/calendar/2027-01-01/delete").status_code == 302
    db.rollback()  # end the read snapshot
    assert db.exec(select(CalendarDay.day)).all() == [date(2027, 2, 7)]
    assert client.post("/admin/calendar/", data={"day": "not-a-date"}).status_code == 400
    client = as_user(county.cadre_a)
    assert client.get("/admin/calendar/").status_code == 403


def _file(db, county, workflow, settings, now, days, notes):  # type: ignore[no-untyped-def]
    data = TicketCreate(title="垃圾堆", responsible_unit="town-a", deadline_working_days=days)
    ticket = service.file_ticket(db, county.inspector, data, workflow, now, settings, notes=notes)
    db.commit()
    return ticket


def test_working_days_skip_the_2026_national_day_holiday(db, county, workflow, settings):
    notes = service.FilingNotes()
    # Filed on Wednesday 30 September 2026 (Beijing): 1–7 October are the holiday.
    ticket = _file(db, county, workflow, settings, datetime(2026, 9, 30, 2, tzinfo=UTC), 3, notes)
    # 8 and 9 October, then Saturday 10 October, a make-up working day (调休).
    assert ticket.deadline == date(2026, 10, 10)
    assert notes.fallback_years == set() and notes.warnings == []


def test_unknown_year_falls_back_with_a_warning_even_on_1_january(db, county, workflow, settings):
    notes = service.FilingNotes()
    ticket = _file(db, county, workflow, settings, datetime(2027, 1, 1, 2, tzinfo=UTC), 5, notes)
    assert ticket.deadline == date(2027, 1, 8)  # Monday–Friday: 4, 5, 6, 7, 8 January
    assert notes.fallback_years == {2027} and "2027" in notes.warnings[0]


def test_filing_page_flashes_the_fallback_warning(db, county, as_user, monkeypatch):
    monkeypatch.setattr("tracker.tickets.views.utcnow", lambda: datetime(2027, 1, 1, 2, tzinfo=UTC))
    client = as_user(county.inspector)
    form = client.get("/tickets/new").get_data(as_text=True)
    assert 'list="measure-units"' in form and "平方米" in form
    response = client.post(
        "/tickets/new",
        data={
            "title": "垃圾堆",
            "responsible_unit": "town-a",
            "co_units": ["dept", "town-b"],
            "source": "inspection",
            "severity": "normal",
            "deadline_working_days": "5",
            "indicators-0-name": "清理垃圾堆",
            "indicators-0-unit": "堆",
            "indicators-0-target": "12",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2027" in page and "alert-warning" in page
    from tracker.tickets.models import Indicator, Ticket, TicketCoUnit

    ticket = db.exec(select(Ticket)).one()
    assert ticket.deadline == date(2027, 1, 8)
    assert len(db.exec(select(TicketCoUnit).where(TicketCoUnit.ticket_id == ticket.id)).all()) == 2
    indicator = db.exec(select(Indicator)).one()
    assert (indicator.name, indicator.unit, indicator.target) == ("清理垃圾堆", "堆", 12)
    response = client.post(
        "/tickets/new",
        data={
            "title": "x",
            "responsible_unit": "town-a",
            "source": "inspection",
            "severity": "normal",
            "deadline": "2027-02-01",
            "indicators-1-unit": "吨",
        },
    )
    assert response.status_code == 422
