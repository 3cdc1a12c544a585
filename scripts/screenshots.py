"""Phone-sized screenshots (390×844, Chinese UI) from demo data: each role's home with its
queues (我的待办), a ticket's first screen as the cadre who must act sees it, the county
leader's dashboard and ranking; also the cadre's list.

Usage: .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]   (default: docs/screenshots/)
Needs Debian's Chromium (/usr/bin/chromium) and a CJK font (apt-get install fonts-wqy-microhei).
Builds a throw-away SQLite demo database, serves it on 127.0.0.1 and drives headless Chromium.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session, SQLModel, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tracker.models  # noqa: E402,F401  (every table)
from tracker import create_app  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from tracker.tickets.models import Ticket  # noqa: E402

TOWNSHIP = "qingshan"  # whose cadre and leader in charge are shown
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tracker-shots-"))
    app = create_app(
        {
            "SECRET_KEY": "screenshots",
            "DATABASE_URL": f"sqlite:///{work / 'demo.db'}",
            "UPLOAD_DIR": str(work / "uploads"),
            "MAIL_SUPPRESS_SEND": True,
            "DEFAULT_LOCALE": "zh",
        }
    )
    with app.app_context():
        engine = get_engine(app)
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            people = load_demo(session, 40, 2026, utcnow())
            session.commit()
            cadre = people.cadres[TOWNSHIP]
            ticket = session.exec(
                select(Ticket)
                .where(
                    Ticket.responsible_unit_id == cadre.unit_id,
                    Ticket.state == "rectifying",
                    Ticket.is_awaiting_verification.is_(False),
                )
                .order_by(Ticket.rejection_count.desc(), Ticket.id)
            ).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    driver = sync_playwright().start()
    browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        device_scale_factor=2,
        timezone_id="Asia/Shanghai",
    )
    written = []

    def shoot(name: str, path: str, full_page: bool = False) -> None:
        page.goto(f"{base}{path}")
        page.screenshot(path=str(out / name), full_page=full_page)
        written.append(name)

    homes = [
        (cadre.username, "home-cadre.png"),
        ("inspector", "home-inspector.png"),
        (people.township_leaders[TOWNSHIP].username, "home-township-leader.png"),
        (people.county_leader.username, "home-county-leader.png"),
    ]
    for username, name in homes:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").click()
        shoot(name, "/")
        if username == cadre.username:
            shoot("cadre-queue.png", "/tickets")
            shoot("ticket-first-screen.png", f"/tickets/{ticket.id}")
            shoot("ticket-page.png", f"/tickets/{ticket.id}", full_page=True)
        if username == people.county_leader.username:
            shoot("dashboard.png", "/dashboard", full_page=True)
            shoot("ranking.png", "/ranking", full_page=True)
        page.context.clear_cookies()
        page.close()
    browser.close()
    driver.stop()
    server.shutdown()
    print("wrote", ", ".join(str(out / name) for name in written))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
