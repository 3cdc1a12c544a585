"""Sign-in throttling: delays per (name, address) and a ceiling per address, never a lock-out,
with the same answer and timing for unknown names, wrong passwords and throttled attempts."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from helpers import NOW, PASSWORD

from tracker.auth.service import LoginFailed, _dummy_hash, authenticate
from tracker.auth.throttle import DatabaseStore, ThrottlePolicy
from tracker.org.models import User
from tracker.org.service import set_password

POLICY = ThrottlePolicy(free_failures=5, base_delay_seconds=2, max_delay_seconds=60)


def sign_in(client, username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


@pytest.fixture
def proxied(app_factory, county):  # type: ignore[no-untyped-def]
    """The app behind one trusted proxy (nginx): the client address comes from X-Forwarded-For."""
    return app_factory(TRUSTED_PROXIES=1)


def test_fifty_failures_for_admin_from_one_address_do_not_stop_admin_elsewhere(proxied):  # type: ignore[no-untyped-def]
    attacker = proxied.test_client()
    answers = {
        sign_in(attacker, "admin", f"guess-{i}", "203.0.113.9").status_code for i in range(50)
    }
    assert answers == {401}
    # Even the right password is refused from the attacker's address while it is throttled ...
    assert sign_in(attacker, "admin", PASSWORD, "203.0.113.9").status_code == 401
    # ... but the real admin, elsewhere, signs in at once.
    admin = proxied.test_client()
    assert sign_in(admin, "admin", PASSWORD, "198.51.100.7").status_code == 302
    assert admin.get("/admin/users", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200


def test_a_forwarded_address_is_not_believed_without_a_trusted_proxy(app_factory, county):  # type: ignore[no-untyped-def]
    client = app_factory(TRUSTED_PROXIES=0).test_client()
    for i in range(6):
        sign_in(client, "cadre-a", f"guess-{i}", f"192.0.2.{i}")  # a new address each time
    # All six came from the same socket address: the pair is throttled.
    assert sign_in(client, "cadre-a", PASSWORD, "192.0.2.200").status_code == 401


def test_unknown_wrong_and_throttled_answer_the_same(proxied):  # type: ignore[no-untyped-def]
    client = proxied.test_client()
    for i in range(6):
        sign_in(client, "cadre-b", f"guess-{i}", "203.0.113.20")
    throttled = sign_in(client, "cadre-b", PASSWORD, "203.0.113.20")
    wrong = sign_in(client, "cadre-a", "not-it", "203.0.113.21")
    unknown = sign_in(client, "no-such-user", "not-it", "203.0.113.22")
    assert throttled.status_code == wrong.status_code == unknown.status_code == 401
    pages = [
        r.text.replace(name, "NAME")
        for r, name in ((throttled, "cadre-b"), (wrong, "cadre-a"), (unknown, "no-such-user"))
    ]
    assert pages[0] == pages[1] == pages[2]


def test_delays_grow_then_end_and_a_success_clears_them(db, county):  # type: ignore[no-untyped-def]
    store = DatabaseStore(db)

    def attempt(password: str, at):  # type: ignore[no-untyped-def]
        return authenticate(db, "cadre-a", password, at, "10.0.0.1", POLICY, store)

    for i in range(5):
        with pytest.raises(LoginFailed):
            attempt("wrong", NOW + timedelta(seconds=i))
    with pytest.raises(LoginFailed):  # 5 failures: 2 s to wait
        attempt(PASSWORD, NOW + timedelta(seconds=5))
    # The refused attempt counted too: 6 failures, 4 s from the last one.
    with pytest.raises(LoginFailed):
        attempt(PASSWORD, NOW + timedelta(seconds=8))
    assert attempt(PASSWORD, NOW + timedelta(seconds=30)).username == "cadre-a"
    with pytest.raises(LoginFailed):  # cleared: a new failure is a first one again
        attempt("wrong", NOW + timedelta(seconds=31))
    assert attempt(PASSWORD, NOW + timedelta(seconds=32)).username == "cadre-a"


def test_an_address_that_tries_many_names_hits_its_ceiling(db, county):  # type: ignore[no-untyped-def]
    store = DatabaseStore(db)
    policy = ThrottlePolicy(free_failures=5, address_limit=10, window_seconds=600)
    for i in range(10):
        with pytest.raises(LoginFailed):
            authenticate(db, f"name-{i}", "x", NOW, "10.0.0.2", policy, store)
    with pytest.raises(LoginFailed):
        authenticate(db, "cadre-a", PASSWORD, NOW, "10.0.0.2", policy, store)
    later = NOW + timedelta(seconds=601)
    assert authenticate(db, "cadre-a", PASSWORD, later, "10.0.0.2", policy, store).id


@pytest.fixture
def production_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """A costly hash, as in production (scrypt there): the hash is what an attacker would time."""
    import tracker.org.service

    monkeypatch.setattr(tracker.org.service, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:60000")
    _dummy_hash.cache_clear()
    yield
    _dummy_hash.cache_clear()


def test_timing_does_not_reveal_whether_a_name_exists(db, county, production_hashing):  # type: ignore[no-untyped-def]
    store = DatabaseStore(db)
    user = db.get(User, county.cadre_b.id)
    set_password(user, PASSWORD)
    db.commit()
    blocked_at = "10.0.0.3"
    for _ in range(6):
        with pytest.raises(LoginFailed):
            authenticate(db, "leader", "wrong", NOW, blocked_at, POLICY, store)

    cases = {"unknown": ("nobody", "10.0.0.4"), "wrong": ("cadre-b", "10.0.0.5")}
    cases["throttled"] = ("leader", blocked_at)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(9):  # round-robin, so that a busy machine slows every case alike
        for name, (username, address) in cases.items():
            start = time.perf_counter()
            with pytest.raises(LoginFailed):
                authenticate(db, username, "wrong", NOW, address, POLICY, store)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    assert max(medians.values()) < 2 * min(medians.values()), medians
