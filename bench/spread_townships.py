"""Spread a demo database's findings over N townships (the peer comparison: 20 projects).

`tracker demo` builds 4 townships; this adds townships `extra-05`… up to `--townships` (each with a
cadre `cadre-extra-NN`, password as the demo's) and hands the townships' tickets out round-robin by
id, so each township (and its cadre) holds about 1/N of them. Run once, after `tracker demo`:

    TRACKER_ENV=development TRACKER_DATABASE_URL=... .venv/bin/python bench/spread_townships.py \
        --townships 20

Never run by the test suite; only for benchmark databases.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import DEMO_PASSWORD  # noqa: E402
from tracker.org.models import Unit  # noqa: E402
from tracker.org.service import create_unit, create_user  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, default=20)
    args = parser.parse_args()
    app = create_app({"LOG_FORMAT": "plain"})
    with app.app_context(), Session(get_engine(app)) as session:
        townships = list(
            session.exec(select(Unit).where(Unit.kind == "township").order_by(Unit.id))
        )
        for number in range(len(townships) + 1, args.townships + 1):
            code = f"extra-{number:02d}"
            unit = create_unit(session, code, f"第{number}乡", "township", "county")
            create_user(
                session,
                f"cadre-{code}",
                "cadre",
                DEMO_PASSWORD,
                unit_code=code,
                email=f"cadre-{code}@example.org",  # digests go to every township
            )
            townships.append(unit)
        ids = [u.id for u in townships]
        old = ",".join(str(u.id) for u in townships[:4])
        for index, unit_id in enumerate(ids):
            session.connection().execute(
                text(
                    f"UPDATE ticket SET responsible_unit_id = :unit WHERE responsible_unit_id IN "
                    f"({old}) AND id % :n = :k"
                ),
                {"unit": unit_id, "n": len(ids), "k": index},
            )
        session.commit()
        counts = session.connection().execute(
            text(
                "SELECT u.code, count(*) FROM ticket t JOIN unit u ON u.id = t.responsible_unit_id "
                "GROUP BY u.code ORDER BY u.code"
            )
        )
        print(", ".join(f"{code}: {n}" for code, n in counts))
        session.commit()
    if get_engine(app).dialect.name == "postgresql":
        # VACUUM too: the moved rows leave dead index entries and no page is all-visible until
        # it runs, so counts cannot use index-only scans (what autovacuum gives a live system).
        autocommit = get_engine(app).execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))


if __name__ == "__main__":
    main()
