"""The worker's directory (units, categories, people) is loaded once while its version stands."""

from __future__ import annotations

from sqlmodel import Session

from tracker.core.db import READ_ONLY_KEY, get_engine
from tracker.org.directory import directory


def _reader(engine) -> Session:  # type: ignore[no-untyped-def]
    session = Session(engine)
    session.info[READ_ONLY_KEY] = True
    return session


def test_read_only_sessions_share_one_load_while_the_version_stands(app, county) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(app)
    with _reader(engine) as first, _reader(engine) as second:
        loaded = directory(first)
        assert isinstance(loaded.version, int)  # the number, as the sign-in statement reads it
        assert directory(second) is loaded
        assert county.town_a.id in loaded.units


def test_a_moved_version_loads_the_directory_again(app, db, county) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(app)
    with _reader(engine) as first:
        before = directory(first)
    town = db.get(type(county.town_a), county.town_a.id)
    town.name = "青山镇"
    db.add(town)
    db.commit()
    with _reader(engine) as second:
        after = directory(second)
    assert after is not before
    assert after.units[county.town_a.id].name == "青山镇"
