"""The first page of the demo round's bulletin as LibreOffice prints it, as a PNG for the README.

Usage: .venv/bin/python scripts/bulletin_screenshot.py [OUTPUT.png]
       (default: docs/screenshots/bulletin-page1.png)
Needs LibreOffice (soffice), poppler (pdftoppm) and a CJK font (fonts-noto-cjk). Builds a
throw-away SQLite demo database, writes each township's account for the demo's routine round
(as an inspector, so accepted at once), downloads nothing over the network.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlmodel import Session, SQLModel, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tracker.models  # noqa: E402,F401  (every table)
from tracker import create_app  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import TOWNSHIPS, load_demo  # noqa: E402
from tracker.inspections.models import Inspection  # noqa: E402
from tracker.org.models import Unit  # noqa: E402
from tracker.reports.bulletin import Selection, build_bulletin  # noqa: E402
from tracker.reports.bulletin_docx import bulletin_letterhead, to_docx  # noqa: E402
from tracker.reports.bulletin_texts import submit_account  # noqa: E402

# Each township's own account (整改情况), in the seed bulletin's manner.
ACCOUNTS = {
    "qingshan": "结合环境集中整治日行动，动员各村农牧民群众积极参与，围绕农牧村房前屋后、"
    "河道灰坡的垃圾堆、灰堆、杂物堆进行了专项排查整治。",
    "hexi": "以问题为导向倒逼人居环境整治责任落实，组织镇党政班子成员逐村到户打分评比。",
    "dongling": "召开专题会议安排部署，成立由镇长任组长的整改工作专班，实行挂图作战、销号管理。",
    "nanchuan": "采取“干部包村、党员包户”的办法，对照问题清单逐项整改，整改一处、销号一处。",
}


def main(out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="tracker-bulletin-"))
    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),  # a throw-away app
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
            now = utcnow()
            people = load_demo(session, 80, 2026, now)
            inspector = people.inspectors[0]
            inspection = session.exec(select(Inspection).where(Inspection.kind == "routine")).one()
            for code, _name, _villages in TOWNSHIPS:
                township = session.exec(select(Unit).where(Unit.code == code)).one()
                submit_account(session, inspector, inspection, township, ACCOUNTS[code], now)
            session.commit()
            bulletin = build_bulletin(
                session, inspector, Selection(inspection=inspection), now, app.config
            )
            letterhead = bulletin_letterhead(session, bulletin, app.config, inspector, now)
            session.commit()
            source = work / "bulletin.docx"
            source.write_bytes(to_docx(bulletin, letterhead))
    profile = (work / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    page_one = ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", *page_one, str(work / "bulletin.pdf"), str(stem)], check=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT / "docs" / "screenshots" / "bulletin-page1.png"
    )
