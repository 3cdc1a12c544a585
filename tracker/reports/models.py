"""The dashboard's rollups of tickets: additive counters per group, kept by database triggers.

Why: a cold dashboard at 10^6 tickets is a scan of every ticket in scope (1.0–1.6 s on two
cores, bench/RESULTS.md); the rollups hold a few thousand rows. What a group is and how the
triggers keep it exact: tracker/reports/rollup_ddl.py. How the figures are read back:
tracker/reports/rollup.py. Derived data: `tracker reports rebuild-rollup` recomputes both.
No foreign keys: only the triggers write the rows, `tracker reports check-rollup` checks them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DDL, BigInteger, Column, Index, Table, Text, event
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import table_of
from tracker.reports import rollup_ddl
from tracker.reports.rollup_ddl import FIGURES, FLOW, Rollup
from tracker.tickets.models import Ticket


def _key(max_length: int | None = None) -> Any:
    """A column of the composite primary key: never autoincremented."""
    return Field(primary_key=True, max_length=max_length, sa_column_kwargs={"autoincrement": False})


class TicketRollup(SQLModel, table=True):
    """Counters of the tickets of one group (unit, round, state, ..., running deadline)."""

    __tablename__ = FIGURES.table

    responsible_unit_id: int = _key()
    inspection_id: int = _key()  # 0: no inspection round
    state: str = _key(max_length=32)
    is_awaiting_verification: bool = _key()
    resolution: str = _key(max_length=32)  # '': none
    deadline: date = _key()  # rollup_ddl.NO_DEADLINE once the ticket is closed
    tickets: int = 0
    on_time_original: int = 0
    on_time_extended: int = 0
    rejections: int = 0
    rebounds: int = 0
    close_us: int = Field(default=0, sa_type=BigInteger)  # filing to closing, microseconds

    def __repr__(self) -> str:
        return f"<TicketRollup {self.responsible_unit_id} {self.state} {self.tickets}>"


class TicketFlowRollup(SQLModel, table=True):
    """Tickets of a unit and round filed and closed in one 15-minute UTC slot."""

    __tablename__ = FLOW.table

    slot: int = _key()  # seconds since 1970 (UTC) // rollup_ddl.SLOT_SECONDS
    responsible_unit_id: int = _key()
    inspection_id: int = _key()  # 0: no inspection round
    opened: int = 0
    closed: int = 0

    def __repr__(self) -> str:
        return f"<TicketFlowRollup {self.slot} {self.responsible_unit_id} +{self.opened}>"


class BulletinText(SQLModel, table=True):
    """One version of an editable text of a round's bulletin, never rewritten: the newest is
    current. `section` "account": a township's own account of its measures (整改情况, `unit_id`
    set), accepted by an inspector; "problems": section 二 as the author edited it."""

    __tablename__ = "bulletin_text"
    __table_args__ = (Index("ix_bulletin_text_round", "inspection_id", "section", "unit_id"),)

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    inspection_id: int = Field(foreign_key="inspection.id")
    section: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    written_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    written_at: datetime
    accepted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    accepted_at: datetime | None = None

    def __repr__(self) -> str:
        return f"<BulletinText {self.inspection_id} {self.section} {self.unit_id}>"


def _attach_ddl(table: Table, rollup: Rollup) -> None:
    """Triggers (and the fill) when `create_all` makes the table; gone before it is dropped.

    The table is made after `ticket`, which its triggers and functions refer to. DDL() formats
    its text with `%`: a literal one is doubled.
    """
    table.add_is_dependent_on(table_of(Ticket))
    for dialect in ("postgresql", "sqlite"):
        for statement in rollup_ddl.install(rollup, dialect):
            ddl = DDL(statement.replace("%", "%%")).execute_if(dialect=dialect)
            event.listen(table, "after_create", ddl)
        for statement in rollup_ddl.uninstall(rollup, dialect):
            event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect))


_attach_ddl(table_of(TicketRollup), FIGURES)
_attach_ddl(table_of(TicketFlowRollup), FLOW)
