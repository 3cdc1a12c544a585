"""Units, categories and people's names, kept in each worker's memory between requests.

A list or ticket page names a dozen units, categories and people, and working out a user's scope
needs the unit tree: read per request, that was five round trips to the database of a list's
eleven (bench/RESULTS.md, round 4). They change rarely, so each worker keeps one `Directory` per
database and reloads it only when `directory_version.version` moved: database triggers raise it
on any change to `unit` or `category` and to people's names (tracker/org/models.py), so a
change made by another worker, the CLI or plain SQL is seen by the next request.

The version is read once per request: the API's token look-up carries it in the same statement
(`version_column`, tracker/auth/tokens.py); other sessions ask for it on first use and again after
each flush, commit or rollback (their own writes may have moved it). Only read-only
sessions (GET requests, which see committed rows only) store what they load in the shared cache; a
session that may write loads its own copy, so a change it has not committed never reaches other
requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from sqlalchemy import ScalarSelect, Select, event, select
from sqlmodel import Session, col

from tracker.core.db import READ_ONLY_KEY
from tracker.org.models import DirectoryVersion, Unit, User
from tracker.tickets.models import Category

# session.info keys: the version this session saw, its own copy of the directory.
VERSION_KEY = "directory_version"
_OWN_KEY = "directory"


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A unit as pages and scope rules need it (the columns of `Unit` but `created_at`)."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    is_active: bool


@dataclass(frozen=True, slots=True)
class CategoryRef:
    id: int
    code: str
    name_zh: str
    name_en: str
    parent_id: int | None
    position: int
    is_active: bool

    def label(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True, slots=True)
class PersonRef:
    """Who a ticket names (assignee, reporter): what pages show of them."""

    id: int
    username: str
    display_name: str

    @property
    def name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class Directory:
    version: int | None
    units: dict[int, UnitRef]
    categories: dict[int, CategoryRef]
    people: dict[int, PersonRef]
    units_by_code: dict[str, UnitRef] = field(init=False)
    categories_by_code: dict[str, CategoryRef] = field(init=False)
    _subtrees: dict[tuple[int, ...], tuple[int, ...]] = field(
        init=False, default_factory=dict, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "units_by_code", {u.code: u for u in self.units.values()})
        object.__setattr__(
            self, "categories_by_code", {c.code: c for c in self.categories.values()}
        )

    def subtree_ids(self, roots: Iterable[UnitRef]) -> tuple[int, ...]:
        """Ids of every unit in the subtrees rooted at `roots` (`org.service.subtree_ids`)."""
        key = tuple(sorted(r.id for r in roots))
        found = self._subtrees.get(key)
        if found is None:
            paths = tuple(self.units[i].path for i in key if i in self.units)
            found = self._subtrees[key] = (
                tuple(sorted(u.id for u in self.units.values() if u.path.startswith(paths)))
                if paths
                else ()
            )
        return found

    def covers_every_unit(self, roots: Iterable[UnitRef]) -> bool:
        """Whether the subtrees rooted at `roots` hold every unit (a county leader's charge)."""
        ids = {r.id for r in roots}
        return bool(ids) and all(u.id in ids for u in self.units.values() if u.parent_id is None)

    def active_units(self) -> list[UnitRef]:
        """Active units in tree order (by materialised path)."""
        return sorted((u for u in self.units.values() if u.is_active), key=lambda u: u.path)

    def active_categories(self) -> list[CategoryRef]:
        return sorted(
            (c for c in self.categories.values() if c.is_active), key=lambda c: (c.position, c.id)
        )

    def child_category_ids(self, category_id: int) -> list[int]:
        return [c.id for c in self.categories.values() if c.parent_id == category_id]


def _version() -> Select[int]:
    return select(col(DirectoryVersion.version)).where(col(DirectoryVersion.id) == 1)


def version_column() -> ScalarSelect[int]:
    """The directory's version as a column, to read it in a statement the request makes anyway."""
    return _version().scalar_subquery()


def note_version(session: Session, version: int | None) -> None:
    """Record the version read alongside other rows (the API's token look-up)."""
    session.info[VERSION_KEY] = version


# One directory per database (per connection pool) in this process.
_CACHE: WeakKeyDictionary[object, Directory] = WeakKeyDictionary()


def directory(session: Session) -> Directory:
    """The units, categories and people as of now, from memory when the version has not moved."""
    read_only = session.info.get(READ_ONLY_KEY, False)
    if VERSION_KEY in session.info:
        version = session.info[VERSION_KEY]
    else:
        version = session.execute(_version()).scalar()
        session.info[VERSION_KEY] = version
    pool = session.get_bind().engine.pool
    cached = _CACHE.get(pool)
    if cached is not None and version is not None and cached.version == version:
        return cached
    own = session.info.get(_OWN_KEY)
    if own is not None and own.version == version and (read_only or version is not None):
        return own
    loaded = _load(session, version)
    if read_only and version is not None:
        _CACHE[pool] = loaded
    session.info[_OWN_KEY] = loaded
    return loaded


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_version(session: Session, *_args: object) -> None:
    """What this session wrote, or others committed since, may have moved the version."""
    session.info.pop(VERSION_KEY, None)


def _load(session: Session, version: int | None) -> Directory:
    units = session.execute(
        select(
            col(Unit.id),
            col(Unit.code),
            col(Unit.name),
            col(Unit.kind),
            col(Unit.parent_id),
            col(Unit.path),
            col(Unit.depth),
            col(Unit.is_active),
        )
    ).all()
    categories = session.execute(
        select(
            col(Category.id),
            col(Category.code),
            col(Category.name_zh),
            col(Category.name_en),
            col(Category.parent_id),
            col(Category.position),
            col(Category.is_active),
        )
    ).all()
    people = session.execute(select(col(User.id), col(User.username), col(User.display_name))).all()
    return Directory(
        version=version,
        units={row[0]: UnitRef(*row) for row in units},
        categories={row[0]: CategoryRef(*row) for row in categories},
        people={row[0]: PersonRef(*row) for row in people},
    )


def roots_by_ids(found: Directory, ids: Sequence[int]) -> tuple[UnitRef, ...]:
    return tuple(found.units[i] for i in ids if i in found.units)
