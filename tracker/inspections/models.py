"""An inspection round, its team and the units it covered."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now


class InspectionKind(StrEnum):
    ROUTINE = "routine"  # 常规督查
    UNANNOUNCED = "unannounced"  # 暗访
    SPECIAL = "special"  # 专项督查


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    title: str = Field(max_length=200)
    kind: str = Field(default=InspectionKind.ROUTINE, max_length=16)
    started_on: date
    ended_on: date | None = None
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # 三、下一步工作措施及建议: edited by leaders, printed in the bulletin.
    next_steps: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    next_steps_updated_at: datetime | None = None
    next_steps_updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=created_now)

    def __repr__(self) -> str:
        return f"<Inspection {self.id} {self.title}>"


class InspectionMember(SQLModel, table=True):
    __tablename__ = "inspection_member"

    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)


class InspectionUnit(SQLModel, table=True):
    __tablename__ = "inspection_unit"

    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
