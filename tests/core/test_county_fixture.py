"""The `county` fixture restores, row for row, what the services built (tests/conftest.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from tracker.org.service import create_unit, create_user


def test_a_restored_county_is_the_built_one(db, county, county_snapshot):  # type: ignore[no-untyped-def]
    from conftest import every_row  # a function: the module's second copy serves as well

    backend = db.get_bind().dialect.name
    snapshot = county_snapshot.rows[backend]
    assert {t.name for t, _r in snapshot} >= {"unit", "user_account", "category", "leader_charge"}
    # empty the database as a fresh test's would be, sequences back to 1, then restore
    conn = db.connection()
    for table in reversed(SQLModel.metadata.sorted_tables):
        conn.execute(table.delete())
    if backend == "postgresql":
        conn.execute(
            text(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        )
    db.commit()
    assert county_snapshot.is_fresh(db)
    county_snapshot.restore(db, snapshot)
    assert every_row(db) == dict(snapshot)  # no trigger added to them
    restored = county_snapshot.load(db)
    assert restored.leader_a.id == county.leader_a.id and restored.town_b.code == "town-b"
    # the next unit and person get the ids they would have after a build
    unit = create_unit(db, "town-c", "东山镇", "township", "county")
    user = create_user(db, "cadre-c", "cadre", "secret-pass-1", unit_code="town-c")
    assert (unit.id, user.id) == (7, 11)
    assert not county_snapshot.is_fresh(db)
