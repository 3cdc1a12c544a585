"""Round trips per request, counted on the wire: the queries libpq sends for one API request.

Counts what psycopg hands to libpq (`send_query*` and `exec*`, BEGIN and ROLLBACK included), so
nothing SQLAlchemy does on the side (a transaction it opens, a reset on check-in) is missed.
A count, not a time: the same on an idle and on a loaded machine. PostgreSQL only; psycopg's
pure-Python layer is forced (PSYCOPG_IMPL=python) because the binary one cannot be wrapped.

    PSYCOPG_IMPL=python TRACKER_ENV=development TRACKER_DATABASE_URL=postgresql+psycopg://... \\
        .venv/bin/python bench/round_trips.py --user admin

Never run by the test suite (tests/api/test_round_trips.py pins the numbers there).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

if os.environ.get("PSYCOPG_IMPL") != "python":
    sys.exit("run with PSYCOPG_IMPL=python (the binary psycopg layer cannot be wrapped)")

from psycopg import pq
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.auth.tokens import create_token  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.org.models import User  # noqa: E402

SENT: Counter[str] = Counter()
SENDERS = ("send_query", "send_query_params", "send_query_prepared", "exec_", "exec_params")


def _counting(name: str):  # type: ignore[no-untyped-def]
    original = getattr(pq.PGconn, name)

    def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        text = bytes(args[0]) if args and isinstance(args[0], bytes | bytearray) else b"?"
        SENT[" ".join(text.decode(errors="replace").split()[:4])] += 1
        return original(self, *args, **kwargs)

    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="admin")
    parser.add_argument(
        "--path",
        action="append",
        help="API paths (default: the open list, one township's overdue list, a ticket, queues)",
    )
    parser.add_argument("--township", default="qingshan")
    args = parser.parse_args()
    for name in SENDERS:
        setattr(pq.PGconn, name, _counting(name))
    app = create_app({"LOG_FORMAT": "plain", "LOG_LEVEL": "WARNING"})
    with app.app_context(), Session(get_engine(app)) as session:
        user = session.exec(select(User).where(User.username == args.user)).one()
        _row, token = create_token(session, user, "round-trips", utcnow())
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/tickets?per_page=1", headers=headers).get_json()["items"]
    paths = args.path or [
        "/api/v1/tickets?state=reported,rectifying,verified&sort=deadline&per_page=25",
        f"/api/v1/tickets?unit={args.township}&overdue=1&sort=deadline&per_page=25",
        f"/api/v1/tickets/{listed[0]['id']}",
        "/api/v1/queues",
    ]
    for path in paths:
        for _ in range(3):  # the worker's caches, the token's first use
            client.get(path, headers=headers)
        SENT.clear()
        status = client.get(path, headers=headers).status_code
        print(f"{sum(SENT.values()):3} round trips  {status}  GET {path} as {args.user}")
        for text, count in SENT.items():
            print(f"      {count} × {text}")


if __name__ == "__main__":
    main()
