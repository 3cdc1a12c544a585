"""The SQL that keeps the dashboard's rollups in step with `ticket`: one source for the models'
`create_all` (tracker/reports/models.py) and the Alembic migration 0002.

A rollup row holds additive counters of the tickets of one group. Triggers on `ticket` subtract
the old rows' contributions and add the new ones' (`INSERT ... ON CONFLICT DO UPDATE`, SQLite
>= 3.24); a row is deleted when all its counters are back to 0, so the tables hold only live
groups. Two rollups:

- `ticket_rollup` (the figures): the key keeps what the read side needs to sort a ticket into
  open / running / done with the workflow of the day (triggers cannot read the TOML workflow)
  and to place a running ticket's deadline against today (which moves): raw `state`,
  `is_awaiting_verification`, `resolution`, and the `deadline` while `closed_at` is NULL (closed
  tickets collapse into one row per unit, round, state and resolution).
- `ticket_flow_rollup` (tickets opened and closed per week): per unit, round and 15-minute UTC
  slot (every time zone in use is a whole number of quarter hours from UTC, so local weeks are
  whole slots), the tickets filed and closed in it.

Key columns are NOT NULL, with sentinels for "none" (a unique key treats NULLs as distinct):
inspection 0, resolution '', deadline 9999-12-31.

SQLite: row-level triggers; an UPDATE that changes none of the columns a rollup reads (most do
not: `updated_at`, `last_activity_at`, `version`) skips them. PostgreSQL: statement-level
triggers over the statement's transition tables (see `_postgresql_install`).

What the triggers cannot see: TRUNCATE (no row changes; `tracker reports rebuild-rollup`
afterwards). What they cost: every change of a ticket updates one or two rollup rows, which the
transaction holds until it commits, like the ticket itself; a long transaction (an import)
that puts many tickets into one group one statement at a time updates that row each time, and
on PostgreSQL each update leaves a row version the next one steps over (16,000 single-row
INSERTs into one group in one transaction: 8.4 s against 2.5 s without triggers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

NO_INSPECTION = 0
NO_RESOLUTION = ""
NO_DEADLINE = date(9999, 12, 31)  # the key's deadline once the ticket is closed
SLOT_SECONDS = 900  # the flow rollup's time slots

# Placeholders in the templates: `{t}` is the ticket row (NEW, OLD, or `ticket`: the table or
# a transition table so aliased).
_DIALECT = {
    "postgresql": {
        "{no_deadline}": f"DATE '{NO_DEADLINE.isoformat()}'",
        "{close_us}": "coalesce(CAST(extract(epoch FROM {t}.closed_at - {t}.created_at)"
        " * 1000000 AS bigint), 0)",
        "{created_slot}": f"CAST(floor(extract(epoch FROM {{t}}.created_at) / {SLOT_SECONDS})"
        " AS integer)",
        "{closed_slot}": f"CAST(floor(extract(epoch FROM {{t}}.closed_at) / {SLOT_SECONDS})"
        " AS integer)",
    },
    "sqlite": {
        "{no_deadline}": f"'{NO_DEADLINE.isoformat()}'",
        # SQLite's date functions count milliseconds, as does its live sum of Julian days.
        "{close_us}": "coalesce(CAST(round((julianday({t}.closed_at) - julianday({t}.created_at))"
        " * 86400000) AS INTEGER) * 1000, 0)",
        "{created_slot}": f"CAST(strftime('%s', {{t}}.created_at) AS INTEGER) / {SLOT_SECONDS}",
        "{closed_slot}": f"CAST(strftime('%s', {{t}}.closed_at) AS INTEGER) / {SLOT_SECONDS}",
    },
}


@dataclass(frozen=True)
class Part:
    """One contribution of a ticket row to a rollup: a row key and counters, if `when` holds."""

    key: tuple[str, ...]  # expressions, in the order of Rollup.key_columns
    counters: tuple[str, ...]  # expressions, in the order of Rollup.counter_columns
    when: str | None = None


@dataclass(frozen=True)
class Rollup:
    """A rollup table, what a ticket row adds to it, and the ticket columns that matter."""

    table: str
    key_columns: tuple[str, ...]
    key_types: tuple[str, ...]  # PostgreSQL types of the key columns
    counter_columns: tuple[str, ...]
    parts: tuple[Part, ...]
    source_columns: tuple[str, ...]  # an UPDATE changing none of these leaves the table alone


# The figures' key columns carry the names of the ticket columns they come from.
_FIGURES_KEY = (
    "responsible_unit_id",
    "inspection_id",
    "state",
    "is_awaiting_verification",
    "resolution",
    "deadline",
)

FIGURES = Rollup(
    table="ticket_rollup",
    key_columns=_FIGURES_KEY,
    key_types=("integer", "integer", "varchar", "boolean", "varchar", "date"),
    # The on-time flags are those the live figures count (tracker/reports/counters.py), kept
    # for every ticket: the read side counts them for done tickets only. `close_us`: the time
    # from filing to closing in microseconds (0 while open).
    counter_columns=(
        "tickets",
        "on_time_original",
        "on_time_extended",
        "rejections",
        "rebounds",
        "close_us",
    ),
    parts=(
        Part(
            key=(
                "{t}.responsible_unit_id",
                "coalesce({t}.inspection_id, 0)",
                "{t}.state",
                "{t}.is_awaiting_verification",
                "coalesce({t}.resolution, '')",
                "CASE WHEN {t}.closed_at IS NULL THEN {t}.deadline ELSE {no_deadline} END",
            ),
            counters=(
                "1",
                "CASE WHEN coalesce({t}.completed_on, {t}.closed_on) <= {t}.original_deadline"
                " THEN 1 ELSE 0 END",
                "CASE WHEN coalesce({t}.completed_on, {t}.closed_on) <= {t}.deadline"
                " THEN 1 ELSE 0 END",
                "{t}.rejection_count",
                "{t}.rebound_count",
                "{close_us}",
            ),
        ),
    ),
    source_columns=(
        *_FIGURES_KEY,
        "original_deadline",
        "created_at",
        "closed_at",
        "completed_on",
        "closed_on",
        "rejection_count",
        "rebound_count",
    ),
)

FLOW = Rollup(
    table="ticket_flow_rollup",
    key_columns=("slot", "responsible_unit_id", "inspection_id"),
    key_types=("integer", "integer", "integer"),
    counter_columns=("opened", "closed"),
    parts=(
        Part(
            key=("{created_slot}", "{t}.responsible_unit_id", "coalesce({t}.inspection_id, 0)"),
            counters=("1", "0"),
        ),
        Part(
            key=("{closed_slot}", "{t}.responsible_unit_id", "coalesce({t}.inspection_id, 0)"),
            counters=("0", "1"),
            when="{t}.closed_at IS NOT NULL",
        ),
    ),
    source_columns=("responsible_unit_id", "inspection_id", "created_at", "closed_at"),
)

ROLLUPS = (FIGURES, FLOW)
EVENTS = ("insert", "update", "delete")  # the triggers' names end in these


def _render(template: str, dialect: str, row: str) -> str:
    for placeholder, sql in _DIALECT[dialect].items():
        template = template.replace(placeholder, sql)
    return template.replace("{t}", row)


def _render_all(templates: Sequence[str], dialect: str, row: str) -> list[str]:
    return [_render(template, dialect, row) for template in templates]


def _list(items: Sequence[str]) -> str:
    return ", ".join(items)


def _contributions(rollup: Rollup, dialect: str, rows: str, sign: str = "1") -> list[str]:
    """SELECTs of every ticket's contributions (times `sign`) from the table `rows`: `ticket`
    itself, or a trigger's transition table (aliased `ticket`)."""
    names = [*rollup.key_columns, *rollup.counter_columns]
    source = "ticket" if rows == "ticket" else f"{rows} AS ticket"
    selects = []
    for part in rollup.parts:
        counters = _render_all(part.counters, dialect, "ticket")
        if sign != "1":
            counters = [f"{sign} * ({c})" for c in counters]
        exprs = [*_render_all(part.key, dialect, "ticket"), *counters]
        columns = _list([f"{e} AS {n}" for e, n in zip(exprs, names, strict=True)])
        where = f" WHERE {_render(part.when, dialect, 'ticket')}" if part.when else ""
        selects.append(f"SELECT {columns} FROM {source}{where}")
    return selects


def _summed(rollup: Rollup, selects: Sequence[str]) -> str:
    """The contributions summed per group."""
    sums = [f"sum({c}) AS {c}" for c in rollup.counter_columns]
    return (
        f"SELECT {_list([*rollup.key_columns, *sums])} "
        f"FROM ({' UNION ALL '.join(selects)}) AS contribution "
        f"GROUP BY {_list(rollup.key_columns)}"
    )


def fresh_aggregate(rollup: Rollup, dialect: str) -> str:
    """SELECT the rollup's rows from scratch: one GROUP BY over every ticket."""
    return _summed(rollup, _contributions(rollup, dialect, "ticket"))


def fill(rollup: Rollup, dialect: str) -> str:
    """Fill an empty rollup from the tickets."""
    names = _list([*rollup.key_columns, *rollup.counter_columns])
    return f"INSERT INTO {rollup.table} ({names}) {fresh_aggregate(rollup, dialect)}"


def _upsert(rollup: Rollup, part: Part, dialect: str, row: str, sign: str) -> str:
    """Add one ticket's contribution (times `sign`) to its group's row, making the row if new.

    SELECT ... WHERE rather than VALUES: the part may apply only `when` its condition holds (the
    WHERE also settles the parsing ambiguity of `INSERT ... SELECT ... ON CONFLICT` in SQLite).
    """
    counters = _render_all(part.counters, dialect, row)
    if sign != "1":
        counters = [f"{sign} * ({c})" for c in counters]
    when = _render(part.when, dialect, row) if part.when else "true"
    sets = _list([f"{c} = {rollup.table}.{c} + excluded.{c}" for c in rollup.counter_columns])
    return (
        f"INSERT INTO {rollup.table} ({_list([*rollup.key_columns, *rollup.counter_columns])}) "
        f"SELECT {_list([*_render_all(part.key, dialect, row), *counters])} WHERE {when} "
        f"ON CONFLICT ({_list(rollup.key_columns)}) DO UPDATE SET {sets}"
    )


def _delete_empty(rollup: Rollup, part: Part, dialect: str, row: str) -> str:
    """Delete the row of `row`'s group for `part` once every counter is back to 0."""
    keys = _render_all(part.key, dialect, row)
    matches = [f"{c} = {e}" for c, e in zip(rollup.key_columns, keys, strict=True)]
    zero = [f"{c} = 0" for c in rollup.counter_columns]
    return f"DELETE FROM {rollup.table} WHERE {' AND '.join([*matches, *zero])}"


def _changed(rollup: Rollup) -> str:
    """SQL true when an UPDATE changed a column the rollup reads (SQLite's WHEN)."""
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in rollup.source_columns)


# long: one trigger function's SQL text, read best whole
def _postgresql_install(rollup: Rollup) -> list[str]:
    """One statement-level trigger function: the statement's changes, summed per group, are
    merged into the rollup in key order, and groups left at 0 are deleted.

    Statement-level with transition tables rather than row-level: a statement changing many
    tickets (an INSERT ... SELECT, a bulk UPDATE) updates each group's row once, not once per
    ticket. Within one transaction every update of a row leaves a version that later look-ups
    of the row step over, so per-ticket updates of one group cost quadratic time (900,000
    tickets in one INSERT ... SELECT did not finish in 12 minutes with row-level triggers).
    Locking the rows in key order also means two statements moving tickets between the same
    groups in opposite directions cannot deadlock.
    """
    name, keys, counters = rollup.table, _list(rollup.key_columns), rollup.counter_columns
    added = _contributions(rollup, "postgresql", "new_rows")
    removed = _contributions(rollup, "postgresql", "old_rows", "-1")
    gone = [f"gone_{i}" for i in range(len(rollup.key_columns))]
    zero = " AND ".join(f"{c} = 0" for c in counters)

    def merge(selects: list[str]) -> str:
        nonzero = " OR ".join(f"sum({c}) <> 0" for c in counters)
        sets = _list([f"{c} = r.{c} + excluded.{c}" for c in counters])
        return (
            f"WITH merged AS (INSERT INTO {name} AS r ({_list([*rollup.key_columns, *counters])})"
            f" {_summed(rollup, selects)} HAVING {nonzero} ORDER BY {keys}"
            f" ON CONFLICT ({keys}) DO UPDATE SET {sets} RETURNING r.*)"
            f" SELECT {_list([f'array_agg({k})' for k in rollup.key_columns])}"
            f" INTO {_list(gone)} FROM merged WHERE {zero};"
        )

    declarations = "\n".join(f"    {g} {t}[];" for g, t in zip(gone, rollup.key_types, strict=True))
    apply = f"""
CREATE FUNCTION {name}_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
{declarations}
BEGIN
    IF TG_OP = 'INSERT' THEN
        {merge(added)}
    ELSIF TG_OP = 'DELETE' THEN
        {merge(removed)}
    ELSE
        {merge([*added, *removed])}
    END IF;
    IF gone_0 IS NOT NULL THEN
        DELETE FROM {name} WHERE ({keys}) IN (SELECT * FROM unnest({_list(gone)})) AND {zero};
    END IF;
    RETURN NULL;
END
$$"""
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    return [
        apply,
        *(
            f"CREATE TRIGGER {name}_{event} AFTER {event.upper()} ON ticket "
            f"REFERENCING {transitions[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}_apply()"
            for event in EVENTS
        ),
    ]


def _sqlite_install(rollup: Rollup) -> list[str]:
    name = rollup.table
    add_new = " ".join(f"{_upsert(rollup, p, 'sqlite', 'NEW', '1')};" for p in rollup.parts)
    remove_old = " ".join(
        f"{_upsert(rollup, p, 'sqlite', 'OLD', '-1')}; {_delete_empty(rollup, p, 'sqlite', 'OLD')};"
        for p in rollup.parts
    )
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON ticket BEGIN {add_new} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON ticket BEGIN {remove_old} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {_list(rollup.source_columns)} "
        f"ON ticket WHEN {_changed(rollup)} BEGIN {add_new} {remove_old} END",
    ]


def install(rollup: Rollup, dialect: str) -> list[str]:
    """The statements creating the triggers, then filling the (empty) rollup from the tickets.

    Triggers first: on PostgreSQL CREATE TRIGGER locks `ticket` against writes until the
    transaction ends, so no change can slip between the fill and the triggers.
    """
    if dialect == "postgresql":
        return [*_postgresql_install(rollup), fill(rollup, dialect)]
    return [*_sqlite_install(rollup), fill(rollup, dialect)]


def uninstall(rollup: Rollup, dialect: str) -> list[str]:
    """The statements removing the triggers (before the rollup table is dropped)."""
    name = rollup.table
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {name}_{event} ON ticket" for event in EVENTS),
            f"DROP FUNCTION IF EXISTS {name}_apply()",
        ]
    return [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in EVENTS]
