"""Profile the list API in-process: CPU ms per request (less sensitive to a busy machine than
wall time) and the top functions by cumulative time (cProfile).

    TRACKER_ENV=development TRACKER_DATABASE_URL=... .venv/bin/python bench/profile_list.py \
        --user cadre-qingshan --reps 200

Never run by the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shlex
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.auth.tokens import create_token  # noqa: E402
from tracker.clock import utcnow  # noqa: E402
from tracker.db import get_engine  # noqa: E402
from tracker.org.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="cadre-qingshan")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--path", default="/api/v1/tickets?state=rectifying&sort=deadline")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime, ...)")
    args = parser.parse_args()
    app = create_app({"LOG_FORMAT": "plain", "LOG_LEVEL": "WARNING"})
    with app.app_context(), Session(get_engine(app)) as session:
        user = session.exec(select(User).where(User.username == args.user)).scalar_one()
        _row, token = create_token(session, user, "profile", utcnow())
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(5):
        assert client.get(args.path, headers=headers).status_code == 200
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.reps):
        client.get(args.path, headers=headers)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"{args.path} as {args.user}: {cpu / args.reps * 1000:.2f} ms CPU, "
        f"{wall / args.reps * 1000:.2f} ms wall per request (client CPU included)"
    )
    profile = cProfile.Profile()
    profiled = args.reps // 4 or 1
    profile.enable()
    for _ in range(profiled):
        client.get(args.path, headers=headers)
    profile.disable()
    stats = pstats.Stats(profile)
    # Counts, unlike times, do not move with the machine's load: Python calls, and how often
    # psycopg waited for the server (one wait per round trip).
    calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
    waits = sum(
        entry[1]
        for (path, _line, name), entry in stats.stats.items()  # type: ignore[attr-defined]
        if name == "wait" and "psycopg" in path
    )
    print(
        f"per request: {calls / profiled:,.0f} Python calls, "
        f"{waits / profiled:.1f} waits on the database server"
    )
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
