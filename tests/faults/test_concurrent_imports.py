"""Two spreadsheet imports at the same moment: the second waits for the first, both land."""

from __future__ import annotations

import threading
from io import BytesIO

from conftest import IsolatedClient
from helpers import NOW, login
from sqlmodel import func, select
from tickets.test_ledger import finding, sheet_bytes

from tracker.tickets.models import Ticket


def test_two_imports_at_once_both_land(app, db, county, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: NOW)
    db.commit()
    sheets = [sheet_bytes([finding(i + 1000 * slot) for i in range(1, 151)]) for slot in (0, 1)]
    clients = [IsolatedClient(app), IsolatedClient(app)]
    for client, user in zip(clients, (county.inspector, county.inspector2), strict=True):
        assert login(client, user.username).status_code == 302
    start = threading.Barrier(2, timeout=30)
    statuses: list[int] = []

    def run(slot: int) -> None:
        start.wait()
        response = clients[slot].post(
            "/tickets/import",
            data={"file": (BytesIO(sheets[slot]), "findings.xlsx")},
            content_type="multipart/form-data",
        )
        statuses.append((response.status_code, response.location))

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [status for status, _location in statuses] == [302, 302], statuses
    assert all("/tickets" in location for _status, location in statuses), statuses
    db.rollback()
    assert db.exec(select(func.count()).select_from(Ticket)).one() == 300
