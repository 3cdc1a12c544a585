"""SQLite, the documented county setup, under concurrent writers: it queues, it does not fail.

gunicorn with 2 workers and 8 clients commenting on and reading tickets through the API for
LOAD_SECONDS: no answer is a 5xx, and every comment acknowledged with 201 is in the history.
Before request transactions took the write lock up front (BEGIN IMMEDIATE) and token checks
stopped writing, 14 % of such writes answered 500 "database is locked".

It runs 5 s by default (266 answers, 203 of them writes, on this shared host under load); the
issue's 20 s run is `TRACKER_FAULT_LOAD_SECONDS=20 pytest tests/faults/test_sqlite_load.py -s`.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import Counter

import pytest
from faults.serve import call, free_port, gunicorn, server_env, tracker

LOAD_SECONDS = float(os.environ.get("TRACKER_FAULT_LOAD_SECONDS", "5"))
CLIENTS = 8


@pytest.fixture(scope="module")
def county(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A demo county on a fresh SQLite file, a token, and a running gunicorn."""
    path = tmp_path_factory.mktemp("load") / "tracker.db"
    env = server_env(f"sqlite:///{path}", free_port())
    tracker(env, "demo", "--tickets", "30", "--seed", "14")
    token = tracker(env, "user", "token", "admin").strip().splitlines()[-1]
    with gunicorn(env) as base:
        yield base, token, path


def _client(base, token, ids, stop, statuses, acknowledged, seed):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        ticket = rng.choice(ids)
        n += 1
        if n % 4 == 0:
            status, _body, _h = call(base, "GET", f"/api/v1/tickets/{ticket}", token)
        else:
            text = f"load {seed}-{n}"
            status, _body, _h = call(
                base, "POST", f"/api/v1/tickets/{ticket}/comments", token, {"comment": text}
            )
            if status == 201:
                acknowledged.append(text)
        statuses[status] += 1


@pytest.mark.slow
def test_concurrent_writers_queue_and_nothing_is_lost(county):  # type: ignore[no-untyped-def]
    base, token, path = county
    status, listing, _h = call(base, "GET", "/api/v1/tickets?queue=all&per_page=30", token)
    assert status == 200, listing
    ids = [item["id"] for item in listing["items"]]
    stop, statuses, acknowledged = threading.Event(), Counter(), []
    threads = [
        threading.Thread(
            target=_client, args=(base, token, ids, stop, statuses, acknowledged, seed)
        )
        for seed in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    print(f"statuses over {LOAD_SECONDS:.0f} s with {CLIENTS} clients: {dict(statuses)}")
    assert not [s for s in statuses if s >= 500], dict(statuses)
    assert statuses[201] >= 5 * LOAD_SECONDS  # the writers really ran side by side
    with sqlite3.connect(path) as conn:
        stored = {row[0] for row in conn.execute("SELECT comment FROM ticket_event")}
    assert set(acknowledged) <= stored
