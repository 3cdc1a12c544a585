"""Fixtures: a fresh app and database per test, on SQLite and (when configured) PostgreSQL.

Set TRACKER_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) and every
test that uses a database runs twice: `[sqlite]` and `[postgresql]`.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from helpers import NOW, PASSWORD, login
from sqlalchemy import Table, create_engine, exists, literal, or_, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, select

import tracker.models  # noqa: F401  (every table)
from tracker import create_app
from tracker.core.config import get_settings
from tracker.core.db import get_engine, make_engine
from tracker.org.models import Unit, User
from tracker.org.service import create_unit, create_user
from tracker.tickets import service
from tracker.tickets.models import Ticket
from tracker.tickets.schemas import TicketCreate, TransitionIn
from tracker.tickets.taxonomy import ensure_taxonomy

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def pytest_collection_modifyitems(items) -> None:  # type: ignore[no-untyped-def]
    """The slowest tests first, then the browser tests: with `-n 2` a long test that came last
    would run alone at the end while the other worker idles."""
    items.sort(
        key=lambda item: (not item.get_closest_marker("slow"), "/browser/" not in item.nodeid)
    )


def _worker_suffix() -> str:
    """This run's worker, plus TRACKER_TEST_DB_TAG so that several checkouts can test at once."""
    tag = os.environ.get("TRACKER_TEST_DB_TAG", "")
    return re.sub(r"\W", "", tag + os.environ.get("PYTEST_XDIST_WORKER", "main"))


def pg_database(suffix: str) -> str:
    """Create (or recreate) an empty PostgreSQL database for this worker; return its URL.

    Its commits do not wait for the WAL flush (`synchronous_commit = off`): a test commits a
    dozen times or more, and each fsync cost 7–12 ms on this machine's disk, a commit without it
    about 1 ms. Only what a server crash would lose changes; what the tests see (locks,
    visibility, constraint checks, the order of commits) is the same.
    """
    base = make_url(PG_URL)
    name = f"{base.database}_tracker_{suffix}_{_worker_suffix()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def url_builders_made_once() -> Iterator[None]:
    """Each app's ~100 URL rules are the same, and werkzeug writes and compiles Python code for
    each rule's URL builder (two per rule): about 55 ms of the ~80 ms a test's create_app took.
    The builder's code depends only on the rule and its defaults and takes the rule as an
    argument, so one made for an earlier app's equal rule serves; the routing is unchanged."""
    from werkzeug.routing.rules import Rule

    make = Rule._compile_builder
    made: dict[tuple[object, ...], Callable[..., tuple[str, str]]] = {}

    def made_once(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        defaults = sorted((key, repr(value)) for key, value in (rule.defaults or {}).items())
        key = (rule.rule, tuple(rule._trace), tuple(defaults), append_unknown)
        if key not in made:
            made[key] = make(rule, append_unknown)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", made_once)
        yield


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """scrypt costs ~50 ms a hash; fixtures create a dozen users per test."""
    import tracker.org.service

    monkeypatch.setattr(tracker.org.service, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A PostgreSQL database with the schema, shared by a worker's tests (truncated per test)."""
    url = pg_database("suite")
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return request.getfixturevalue("pg_url")


# Every sequence of the schema back to 1, as TRUNCATE … RESTART IDENTITY would.
_RESTART_SEQUENCES = (
    "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """An empty SQLite database with the schema, made once per worker as the app makes its files
    (WAL): a test's database is a copy of it (about a millisecond; create_all took ~70 ms)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "tracker.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def _reset(engine, request) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives each of the ~30
        # tables new files (about a second a test, half the PostgreSQL suite's time). With the
        # replication role the foreign keys and triggers stay quiet, so the order does not matter.
        # All in one round trip (~5 ms, ~30 ms with a round trip per statement): psycopg sends a
        # query without parameters as a simple query, which may hold several statements.
        quote = engine.dialect.identifier_preparer.format_table
        deletes = "".join(
            f"DELETE FROM {quote(table)};" for table in SQLModel.metadata.sorted_tables
        )
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"SET LOCAL session_replication_role = replica;{deletes}{_RESTART_SEQUENCES}"
            )
    elif engine.url.database and not engine.url.query and not Path(engine.url.database).exists():
        shutil.copyfile(request.getfixturevalue("sqlite_template"), engine.url.database)
    else:  # a file the test made itself, or an in-memory database
        SQLModel.metadata.create_all(engine)


@pytest.fixture
def app_factory(database_url, tmp_path, request) -> Iterator[Callable]:  # type: ignore[no-untyped-def]
    """Build apps on this test's fresh database with extra settings."""
    apps = []

    def build(**overrides):  # type: ignore[no-untyped-def]
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "MAIL_SUPPRESS_SEND": True,
            **overrides,
        }
        app = create_app(settings)
        if not apps:
            _reset(get_engine(app), request)
        apps.append(app)
        return app

    yield build
    for app in apps:
        get_engine(app).dispose()


@pytest.fixture
def app(app_factory):  # type: ignore[no-untyped-def]
    return app_factory()


@pytest.fixture
def db(app) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """A session inside an app context; tests commit what they set up."""
    with app.app_context():
        session = Session(get_engine(app), expire_on_commit=False)
        yield session
        session.close()


class IsolatedClient(FlaskClient):
    """A test client whose requests behave like a real server's, beside the test's own session.

    Each request runs in a fresh context (its own app context, `g`, signed-in user and locale,
    even though the `db` fixture keeps an app context open), after the test's session has
    committed what it set up and released its SQLite snapshot; afterwards the test's objects
    are expired so that they show what the request wrote.
    """

    test_session: Session | None = None

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.test_session is not None:
            self.test_session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if self.test_session is not None:
            self.test_session.expire_all()
        return response


@pytest.fixture
def client(app, db):  # type: ignore[no-untyped-def]
    app.test_client_class = IsolatedClient
    test_client = app.test_client()
    test_client.test_session = db
    return test_client


@dataclass
class County:
    """A small county: two townships with a village each, a department, people of every role."""

    county: Unit
    town_a: Unit
    village_a: Unit
    town_b: Unit
    village_b: Unit
    department: Unit
    admin: User
    inspector: User
    inspector2: User
    leader: User  # in charge of the whole county
    leader_a: User  # in charge of town A only
    leader_b: User
    cadre_a: User
    cadre_village_a: User
    cadre_b: User
    cadre_dept: User


# The county's units by County field: (code, name, kind, parent code).
COUNTY_UNITS = {
    "county": ("county", "示范县", "county", None),
    "town_a": ("town-a", "青山乡", "township", "county"),
    "village_a": ("village-a", "上庄村", "village", "town-a"),
    "town_b": ("town-b", "河西镇", "township", "county"),
    "village_b": ("village-b", "河湾村", "village", "town-b"),
    "department": ("dept", "县农业农村局", "department", "county"),
}
# Its people by County field: (username, role, unit code, codes of the units in their charge).
COUNTY_PEOPLE: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "admin": ("admin", "admin", None, ()),
    "inspector": ("inspector", "inspector", None, ()),
    "inspector2": ("inspector2", "inspector", None, ()),
    "leader": ("leader", "leader", None, ("county",)),
    "leader_a": ("leader-a", "leader", None, ("town-a",)),
    "leader_b": ("leader-b", "leader", None, ("town-b",)),
    "cadre_a": ("cadre-a", "cadre", "town-a", ()),
    "cadre_village_a": ("cadre-va", "cadre", "village-a", ()),
    "cadre_b": ("cadre-b", "cadre", "town-b", ()),
    "cadre_dept": ("cadre-dept", "cadre", "dept", ()),
}
# Tables whose rows the schema itself writes (tracker/org/models.py's DDL).
_SCHEMA_ROWS = {"directory_version"}


def _build_county(db: Session) -> County:
    """The county made through the services, as a deployment would make it."""
    ensure_taxonomy(db)
    units = {
        field: create_unit(db, code, name, kind, parent)
        for field, (code, name, kind, parent) in COUNTY_UNITS.items()
    }
    people = {
        field: create_user(
            db,
            name,
            role,
            PASSWORD,
            unit_code=unit,
            charge_codes=charges,
            email=f"{name}@example.org",
            display_name=name,
        )
        for field, (name, role, unit, charges) in COUNTY_PEOPLE.items()
    }
    db.commit()
    return County(**units, **people)


def every_row(db: Session) -> dict[Table, list[dict]]:
    """The rows of every table that has any, by primary key."""
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        order = list(table.primary_key.columns)
        result = db.connection().execute(select(table).order_by(*order))
        rows = [dict(row) for row in result.mappings()]
        if rows:
            found[table] = rows
    return found


class CountySnapshot:
    """Every row of every table once the county is made, per backend, for this worker.

    The first test builds the county through the services; the others get the same rows
    inserted in a few statements (78 → 10 ms on SQLite, 103 → 16 ms on PostgreSQL). Tables that
    held rows before (SQLite's `directory_version`, kept by triggers) come last and are
    replaced, so that what the triggers did on the way does not count twice. A database that
    holds other rows already (another fixture's) gets the county built on top, as before.
    """

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Table, list[dict]]]] = {}

    def county(self, db: Session) -> County:
        backend = db.get_bind().dialect.name
        if backend in self.rows and self.is_fresh(db):
            self.restore(db, self.rows[backend])
            return self.load(db)
        before = every_row(db)
        built = _build_county(db)
        if {table.name for table in before} <= _SCHEMA_ROWS:
            after = every_row(db)
            self.rows[backend] = [
                *((t, r) for t, r in after.items() if t not in before),
                *((t, r) for t, r in after.items() if t in before),
            ]
        db.commit()  # end the reads: a test's session starts with no snapshot held
        return built

    @staticmethod
    def is_fresh(db: Session) -> bool:
        """Whether the database holds no rows but the schema's own (one statement)."""
        tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in _SCHEMA_ROWS]
        found = db.connection().execute(
            select(or_(*(exists(select(literal(1)).select_from(t)) for t in tables)))
        )
        return not found.scalar()

    @staticmethod
    def restore(db: Session, tables: list[tuple[Table, list[dict]]]) -> None:
        """Insert the rows (parents first, ids as they were; the schema's own rows replaced)
        and move PostgreSQL's sequences past them, as the services' inserts would."""
        conn = db.connection()
        if conn.dialect.name == "postgresql":  # the rows as they were: no trigger adds to them
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table, rows in tables:
            if table.name in _SCHEMA_ROWS:
                conn.execute(table.delete())
            conn.execute(table.insert(), rows)
        if conn.dialect.name == "postgresql":
            quote = conn.dialect.identifier_preparer.format_table
            conn.exec_driver_sql(
                ";".join(
                    f"SELECT setval(pg_get_serial_sequence('{quote(table)}', 'id'), max(id))"
                    f" FROM {quote(table)}"
                    for table, _rows in tables
                    if "id" in table.c and table.c.id.autoincrement in (True, "auto")
                )
            )
        db.commit()

    @staticmethod
    def load(db: Session) -> County:
        codes = {code: field for field, (code, *_rest) in COUNTY_UNITS.items()}
        names = {name: field for field, (name, *_rest) in COUNTY_PEOPLE.items()}
        units = db.exec(select(Unit).where(col(Unit.code).in_(codes))).all()
        people = db.exec(select(User).where(col(User.username).in_(names))).all()
        db.commit()
        return County(
            **{codes[unit.code]: unit for unit in units},
            **{names[user.username]: user for user in people},
        )


@pytest.fixture(scope="session")
def county_snapshot() -> CountySnapshot:
    return CountySnapshot()


@pytest.fixture
def county(db, county_snapshot) -> County:  # type: ignore[no-untyped-def]
    return county_snapshot.county(db)


@pytest.fixture
def settings(app) -> service.Settings:  # type: ignore[no-untyped-def]
    return service.Settings.of(get_settings(app))


@pytest.fixture
def workflow(app):  # type: ignore[no-untyped-def]
    return app.extensions["workflow"]


@pytest.fixture
def make_ticket(db, county, workflow, settings) -> Callable[..., Ticket]:  # type: ignore[no-untyped-def]
    """File a ticket with sensible defaults; keyword arguments override TicketCreate fields."""

    def make(reporter: User | None = None, now: datetime = NOW, **fields) -> Ticket:  # type: ignore[no-untyped-def]
        data = {
            "title": "上庄村房前屋后垃圾堆未清理",
            "description": "督查发现垃圾堆 12 处",
            "category": "garbage_pile",
            "responsible_unit": "town-a",
            "location_unit": "village-a",
            "deadline": date(2026, 6, 30),
            "indicators": [{"name": "清理垃圾堆", "unit": "堆", "target": 12}],
            **fields,
        }
        ticket = service.file_ticket(
            db,
            reporter or county.inspector,
            TicketCreate.model_validate(data),
            workflow,
            now,
            settings,
        )
        db.commit()
        return ticket

    return make


@pytest.fixture
def move(db, workflow, settings):  # type: ignore[no-untyped-def]
    """Apply a transition as `user` and commit: move(ticket, user, "accept", comment=...)."""

    def apply(ticket: Ticket, user: User, name: str, now: datetime = NOW, **inputs):  # type: ignore[no-untyped-def]
        event = service.apply_transition(
            db,
            ticket,
            user,
            TransitionIn(transition=name, **inputs),
            ticket.version,
            workflow,
            now,
            settings,
        )
        db.commit()
        return event

    return apply


@pytest.fixture
def as_user(client):  # type: ignore[no-untyped-def]
    """Sign the test client in as a user: as_user(county.cadre_a)."""

    def sign_in(user: User):  # type: ignore[no-untyped-def]
        client.post("/logout")
        response = login(client, user.username)
        assert response.status_code == 302, response.data[:500]
        return client

    return sign_in


@pytest.fixture
def to_pdf(tmp_path) -> Callable[[bytes, str], Path]:  # type: ignore[no-untyped-def]
    """Convert a .docx or .xlsx to PDF with LibreOffice (`.ci/run` installs it); skips, saying
    why, where it is missing. Each test has its own LibreOffice profile: tests run in parallel."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        )
    profile = (tmp_path / "lo-profile").as_uri()

    def convert(data: bytes, suffix: str) -> Path:
        source = tmp_path / f"document{suffix}"
        source.write_bytes(data)
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = source.with_suffix(".pdf")
        assert pdf.exists(), f"LibreOffice wrote no PDF for {source.name}"
        return pdf

    return convert
