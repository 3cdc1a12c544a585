"""A hand-counted scenario for the reports: nine findings in two townships, two rounds.

Today is 2026-06-15 (Asia/Shanghai). Expected figures (counted by hand, see the comments):

town A (青山乡): 6 findings — open 4 (t1, t2, t5, t6), overdue 1 (t2), closed 2 (t3, t4),
  on time vs original 1 (t3), vs extended 2 (t3, t4: extension approved after the original
  deadline), rejections 1 (t5), rebounds 0, red 1 / amber 1 (t6) / green 1 (t1), t5 awaits
  verification (clock stopped); days to close 11 (t3) and 19 (t4): average 15.0.
town B (河西镇): 3 findings — open 1 (t7, rebounded), closed 2 (t8 withdrawn, t9 done late),
  counted 2, done 1, on time 0/0, rebounds 1, green 1 (t7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from helpers import NOW

from tracker.inspections.models import Inspection
from tracker.tickets.models import Ticket


def day(d: int, month: int = 6, hour: int = 2, minute: int = 0) -> datetime:
    """A moment in 2026 (UTC); hour 2 UTC is 10:00 in Shanghai."""
    return datetime(2026, month, d, hour, minute, tzinfo=UTC)


def done(name: str = "清理垃圾堆", unit: str = "堆", achieved: float = 1) -> dict:
    return {"name": name, "unit": unit, "achieved": achieved}


@dataclass
class Scenario:
    round1: Inspection
    round2: Inspection
    t: dict[str, Ticket]


@pytest.fixture
def scenario(db, county, make_ticket, move) -> Scenario:  # type: ignore[no-untyped-def]
    c = county
    round1 = Inspection(title="第一轮督导检查", started_on=date(2026, 5, 20))
    round2 = Inspection(title="第二轮督导检查", started_on=date(2026, 6, 1))
    db.add_all([round1, round2])
    db.commit()
    r1, r2 = round1.id, round2.id
    t: dict[str, Ticket] = {}

    # t1: reported, due 06-30 → green.
    t["t1"] = make_ticket(now=NOW, deadline=date(2026, 6, 30), inspection_id=r1)
    # t2: rectifying, due 06-10 → overdue (red).
    t["t2"] = make_ticket(now=day(26, 5), deadline=date(2026, 6, 10), inspection_id=r1)
    move(t["t2"], c.cadre_a, "accept", now=day(27, 5))
    # t3: closed on time; completion reported 23:30 local on the deadline day (15:30 UTC).
    t["t3"] = make_ticket(now=day(1), deadline=date(2026, 6, 10), inspection_id=r1)
    move(t["t3"], c.cadre_a, "accept", now=day(2))
    move(
        t["t3"],
        c.cadre_a,
        "report_completion",
        now=day(10, hour=15, minute=30),
        comment="已清理",
        indicators=[done(achieved=10)],
    )
    move(t["t3"], c.inspector, "verify", now=day(11))
    move(t["t3"], c.leader_a, "close", now=day(12))
    # t4: due 06-05, extension to 06-20 approved on 06-07 (after the original deadline);
    # completed 06-12: late against the original, on time against the extended deadline.
    t["t4"] = make_ticket(now=day(26, 5), deadline=date(2026, 6, 5), inspection_id=r1)
    move(t["t4"], c.cadre_a, "accept", now=day(27, 5))
    move(
        t["t4"],
        c.cadre_a,
        "request_extension",
        now=day(3),
        comment="雨季",
        deadline=date(2026, 6, 20),
    )
    move(t["t4"], c.leader_a, "approve_extension", now=day(7))
    move(
        t["t4"],
        c.cadre_a,
        "report_completion",
        now=day(12),
        comment="已完成",
        indicators=[done(achieved=7), done("清除废旧农膜", "吨", 1.5)],
    )
    move(t["t4"], c.inspector, "verify", now=day(13))
    move(t["t4"], c.leader_a, "close", now=day(14))
    # t5: village A, rejected once, completion reported again: awaits verification.
    t["t5"] = make_ticket(
        now=day(1),
        deadline=date(2026, 6, 16),
        responsible_unit="village-a",
        inspection_id=r1,
    )
    move(t["t5"], c.cadre_village_a, "accept", now=day(2))
    move(
        t["t5"],
        c.cadre_village_a,
        "report_completion",
        now=day(5),
        comment="完成",
        indicators=[done(achieved=3)],
    )
    move(t["t5"], c.inspector, "reject", now=day(6), comment="不到位")
    move(
        t["t5"],
        c.cadre_village_a,
        "report_completion",
        now=day(9),
        comment="再次完成",
        indicators=[done(achieved=4)],
    )
    # t6: reported, due 06-17 → amber.
    t["t6"] = make_ticket(now=NOW, deadline=date(2026, 6, 17), inspection_id=r1)

    # Town B.
    b = {"responsible_unit": "town-b", "location_unit": "village-b", "inspection_id": r2}
    # t7: closed 06-06, then rebound on 06-10 with a new deadline 06-25 → rectifying, green.
    t["t7"] = make_ticket(now=day(1), deadline=date(2026, 6, 20), **b)
    move(t["t7"], c.cadre_b, "accept", now=day(2))
    move(
        t["t7"],
        c.cadre_b,
        "report_completion",
        now=day(4),
        comment="ok",
        indicators=[done(achieved=5)],
    )
    move(t["t7"], c.inspector, "verify", now=day(5))
    move(t["t7"], c.leader_b, "close", now=day(6))
    move(t["t7"], c.inspector, "rebound", now=day(10), comment="反弹", deadline=date(2026, 6, 25))
    # t8: withdrawn by its reporter on 06-11.
    t["t8"] = make_ticket(now=day(10), deadline=date(2026, 6, 30), **b)
    move(t["t8"], c.inspector, "withdraw", now=day(11), comment="重复")
    # t9: due 05-30, completion reported 00:30 local on 05-31 (16:30 UTC on 05-30): late.
    t["t9"] = make_ticket(
        now=day(20, 5),
        deadline=date(2026, 5, 30),
        category="plastic_film",
        title="河湾村废旧农膜未回收",
        **b,
    )
    move(t["t9"], c.cadre_b, "accept", now=day(21, 5))
    move(
        t["t9"],
        c.cadre_b,
        "report_completion",
        now=day(30, 5, hour=16, minute=30),
        comment="ok",
        indicators=[done(achieved=4), done("清除废旧农膜", "吨", 2.25)],
    )
    move(t["t9"], c.inspector, "verify", now=day(2))
    move(t["t9"], c.leader_b, "close", now=day(3))
    return Scenario(round1, round2, t)
