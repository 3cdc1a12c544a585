"""Profile a read request in-process: CPU ms per request (less sensitive to a busy machine than
wall time), Python calls and database waits per request, and the top functions (cProfile).

The JSON list with an API token (the default), or an HTML page signed in with a session cookie
(`--session`, through the login form); `{first}` in the path stands for the first open ticket's
id. `--pages` runs the four shapes of bench/side_by_side.py one after the other and prints one
line each.

    TRACKER_ENV=development TRACKER_DATABASE_URL=... .venv/bin/python bench/profile_list.py \
        --user cadre-qingshan --reps 200
    ... bench/profile_list.py --user admin --session --path '/tickets/{first}' --sort tottime
    ... bench/profile_list.py --user admin --pages --reps 200 --top 0

Never run by the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shlex
import sys
import time
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.auth.tokens import create_token  # noqa: E402
from tracker.core.clock import utcnow  # noqa: E402
from tracker.core.db import get_engine  # noqa: E402
from tracker.demo import DEMO_PASSWORD  # noqa: E402
from tracker.org.models import User  # noqa: E402
from tracker.tickets.models import Ticket  # noqa: E402
from tracker.workflow.registry import active_workflow  # noqa: E402

OPEN_LIST = "/api/v1/tickets?state={open}&sort=deadline&per_page=25"
# The shapes of bench/side_by_side.py: (label, path, signed in with a session cookie).
PAGES = [
    ("open list JSON", OPEN_LIST, False),
    ("open list HTML", "/tickets?state={open}&sort=deadline", True),
    ("one ticket JSON", "/api/v1/tickets/{first}", False),
    ("one ticket HTML", "/tickets/{first}", True),
]


def _signed_in(app, username: str, password: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": username, "password": password}
    response = client.post("/login", data=form | ({"csrf_token": csrf.group(1)} if csrf else {}))
    assert response.status_code == 302, response.data[:300]
    return client


def _time(client: FlaskClient, path: str, headers: dict[str, str], reps: int) -> float:
    """CPU ms per request, after 5 untimed ones."""
    for _ in range(5):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
    cpu = time.process_time()
    for _ in range(reps):
        client.get(path, headers=headers)
    return (time.process_time() - cpu) / reps * 1000


def _profile(
    client: FlaskClient, path: str, headers: dict[str, str], reps: int
) -> tuple[pstats.Stats, float, float]:
    """The profile of `reps` requests, with Python calls and database waits per request.

    Counts, unlike times, do not move with the machine's load: Python calls, and how often
    psycopg waited for the server (one wait per round trip)."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(reps):
        client.get(path, headers=headers)
    profile.disable()
    stats = pstats.Stats(profile)
    calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
    waits = sum(
        entry[1]
        for (file, _line, name), entry in stats.stats.items()  # type: ignore[attr-defined]
        if name == "wait" and "psycopg" in file
    )
    return stats, calls / reps, waits / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="cadre-qingshan")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--path", default=OPEN_LIST, help="{open} and {first} are filled in")
    parser.add_argument("--session", action="store_true", help="sign in with a session cookie")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--pages", action="store_true", help="the four shapes, one line each")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime, ...)")
    args = parser.parse_args()
    app = create_app({"LOG_FORMAT": "plain", "LOG_LEVEL": "WARNING"})
    with app.app_context(), Session(get_engine(app)) as session:
        user = session.exec(select(User).where(User.username == args.user)).scalar_one()
        _row, token = create_token(session, user, "profile", utcnow())
        session.commit()
        workflow = active_workflow()
        states = [key for key, state in workflow.states.items() if not state.terminal]
        first = session.exec(
            select(Ticket.id).where(Ticket.state.in_(states)).order_by(Ticket.id).limit(1)
        ).scalar_one()
    fill = {"open": ",".join(states), "first": first}
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    browser = _signed_in(app, args.user, args.password)
    shapes = PAGES if args.pages else [(args.path, args.path, args.session)]
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    for label, shape, signed_in in shapes:
        path = shape.format(**fill)
        client, headers = (browser, {}) if signed_in else (api, bearer)
        cpu = _time(client, path, headers, args.reps)
        stats, calls, waits = _profile(client, path, headers, args.reps // 4 or 1)
        print(
            f"{label} as {args.user}: {cpu:.2f} ms CPU per request (test client included), "
            f"{calls:,.0f} Python calls, {waits:.1f} waits on the database server"
        )
        if args.top:
            stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
