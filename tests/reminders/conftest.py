"""Fixtures for reminder tests: a real SMTP server (aiosmtpd) and an app that mails to it."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from helpers import later

from tracker.reminders import jobs

REMINDER_SETTINGS = {
    "BEFORE_DAYS": [3, 1],
    "ON_THE_DAY": True,
    "OVERDUE_EVERY_DAYS": 1,
    "ESCALATE_AFTER_DAYS": 1,
    "LADDER": {"blue": -3, "yellow": 1, "red": 7},
    "LEADER_DIGEST_WEEKDAY": 0,
    "DAILY_CADRE_DIGEST": False,
    "WINDOW_START_HOUR": 8,
    "WINDOW_END_HOUR": 20,
    "WORKING_DAYS": False,
    "STALE_AFTER_DAYS": 0,
    "MAX_ATTEMPTS": 3,
    "BACKOFF_MINUTES": [5, 15],
    "BATCH_SIZE": 50,
    "LEASE_MINUTES": 10,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """Keeps what it receives; `refuse` answers RCPT for an address with a reply such as
    "550 5.1.1 no such user"; `drop_at` closes the connection instead of answering the n-th
    DATA (1-based, counted over the server's life), as a server going away mid-batch does."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: dict[str, str] = {}
        self.drop_at: set[int] = set()
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.data_commands += 1
        if self.data_commands in self.drop_at:
            server.transport.close()
            return "421 closing"
        self.envelopes.append(envelope)
        return "250 OK"


@dataclass
class Sink:
    """An SMTP server on 127.0.0.1 that keeps what it receives; can be stopped and restarted."""

    port: int = field(default_factory=free_port)
    handler: Collector = field(default_factory=Collector)
    controller: Controller | None = None
    # the envelopes read so far, in order: a test that reads `messages` after each step
    # (the 30-day simulation: thousands of mails) parses each mail once
    parsed: list[EmailMessage] = field(default_factory=list)

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def clear(self) -> None:
        self.handler.envelopes.clear()
        self.parsed.clear()

    @property
    def messages(self) -> list[EmailMessage]:
        """Every mail received, read under the standard library's strict default policy."""
        envelopes = self.handler.envelopes
        self.parsed.extend(
            message_from_bytes(e.original_content or e.content, policy=email_policy.default)
            for e in envelopes[len(self.parsed) :]
        )
        return list(self.parsed)

    def received(self) -> set[tuple[str, str]]:
        """(recipient username, rule) of every mail received."""
        return {(m["To"].split("@")[0], m["X-Tracker-Rule"]) for m in self.messages}

    def keys(self) -> list[str]:
        return [m["X-Tracker-Key"] for m in self.messages]


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    sink = Sink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def hanging_smtp():  # type: ignore[no-untyped-def]
    """A server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def mail_settings(port: int, **reminders) -> dict:  # type: ignore[no-untyped-def]
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "tracker@example.org",
        "BASE_URL": "http://tracker.example",
        "REMINDERS": {**REMINDER_SETTINGS, **reminders},
    }


@pytest.fixture
def app(app_factory, smtp):  # type: ignore[no-untyped-def]
    """The app of these tests mails to the `smtp` sink (overrides the suite's `app`)."""
    return app_factory(**mail_settings(smtp.port))


@pytest.fixture
def reminders_config(app):  # type: ignore[no-untyped-def]
    """Change reminder settings of the running app: reminders_config(DAILY_CADRE_DIGEST=True)."""

    def set_(**values):  # type: ignore[no-untyped-def]
        app.config["REMINDERS"] = {**app.config["REMINDERS"], **values}

    return set_


@pytest.fixture
def mail_app(app_factory):  # type: ignore[no-untyped-def]
    """Another app on the same database, mailing to `port`: mail_app(port, MAIL_TIMEOUT=1)."""

    def build(port: int, **overrides):  # type: ignore[no-untyped-def]
        return app_factory(**{**mail_settings(port), **overrides})

    return build


@pytest.fixture
def four_tickets(app, db, county, smtp, make_ticket):  # type: ignore[no-untyped-def]
    """Four tickets filed 20 days before NOW; the filing notices are swept away before the
    test. At NOW, a sweep sends 5 messages, one per person: cadre-a's daily message gathers a
    reminder and an overdue notice, the county leader's two escalations and a red alert."""
    filed = later(-20)  # 2026-05-26 10:00 local
    tickets = {
        "soon": make_ticket(now=filed, deadline=date(2026, 6, 18)),  # 3 days left at NOW
        "late_b": make_ticket(now=filed, deadline=date(2026, 6, 13), responsible_unit="town-b"),
        "very_late": make_ticket(now=filed, deadline=date(2026, 6, 5)),  # 10 days overdue
        "far": make_ticket(now=filed, deadline=date(2026, 7, 30)),
    }
    jobs.sweep(app, filed)
    assert smtp.messages == []  # notices wait out the notice window, gathering
    jobs.sweep(app, filed + timedelta(minutes=11))
    assert ("cadre-a", "notices") in smtp.received()
    smtp.clear()
    return tickets
