"""`tracker demo`: a believable county with townships, villages, people and findings.

Deterministic for a seed: the same seed gives the same units, people and tickets. Findings are
filed and moved through the real services at past moments, so their history is genuine.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session, select

from tracker import migrate
from tracker.core.clock import local_date, utcnow
from tracker.core.config import get_settings
from tracker.core.db import session_scope
from tracker.core.i18n import service_gettext as _
from tracker.core.i18n import speaks_language
from tracker.core.modelbase import table_of
from tracker.inspections.service import create_inspection, update_next_steps
from tracker.org.models import Unit, User
from tracker.org.service import create_unit, create_user
from tracker.tickets import service
from tracker.tickets.models import (
    Category,
    Indicator,
    Severity,
    Source,
    Ticket,
    TicketCodeCounter,
)
from tracker.tickets.schemas import IndicatorIn, TicketCreate, TransitionIn
from tracker.tickets.taxonomy import ensure_taxonomy
from tracker.workflow.registry import active_workflow

DEMO_PASSWORD = "demo-pass-2026"

TOWNSHIPS = [
    ("qingshan", "青山乡", ["上庄村", "下庄村", "石门村"]),
    ("hexi", "河西镇", ["河湾村", "柳树村", "新民村"]),
    ("dongling", "东岭镇", ["东沟村", "岭后村", "王家村"]),
    ("nanchuan", "南川乡", ["南坪村", "川口村", "红旗村"]),
]
DEPARTMENTS = [
    ("agri", "县农业农村局", "department"),
    ("health", "县卫生健康局", "department"),
    ("housing", "县住房和城乡建设局", "department"),
    ("rural", "县乡村振兴局", "department"),
    ("assist_fin", "县财政局帮扶工作组", "assistance"),
]

# (category code, title template, requirement, indicator name, unit, target range)
FINDINGS = [
    (
        "garbage_pile",
        "{village}房前屋后垃圾堆未清理",
        "立即清理垃圾堆，建立保洁长效机制",
        "清理垃圾堆",
        "堆",
        (5, 40),
    ),
    (
        "manure_pile",
        "{village}河道旁粪土堆堆放杂乱",
        "清运粪土堆并规范堆放点",
        "清理粪土堆",
        "堆",
        (3, 20),
    ),
    ("firewood_pile", "{village}柴草堆占道堆放", "规整柴草堆，清理通道", "规整柴草", "堆", (5, 30)),
    (
        "plastic_film",
        "{village}田间废旧农膜未回收",
        "回收废旧农膜并集中处理",
        "清除废旧农膜",
        "吨",
        (1, 6),
    ),
    (
        "derelict_house",
        "{village}废弃房屋存在安全隐患",
        "依法拆除废弃房屋并复垦复绿",
        "拆除废弃房屋",
        "间",
        (2, 12),
    ),
    (
        "ruined_wall",
        "{village}残垣断壁未拆除",
        "拆除残垣断壁，平整场地",
        "拆除残垣断壁",
        "米",
        (50, 400),
    ),
    ("toilet", "{village}卫生厕所改建进度滞后", "按期完成户厕改建", "改建卫生厕所", "座", (5, 30)),
    (
        "untidy_yard",
        "{village}农牧户庭院杂乱无章",
        "督促整治农牧户庭院",
        "整治农牧户庭院",
        "户",
        (10, 60),
    ),
    (
        "livestock_waste",
        "{village}养殖小区畜禽废物处理不到位",
        "清运畜禽废物，完善处理设施",
        "清除畜禽废物",
        "吨",
        (1, 8),
    ),
    (
        "policy_awareness",
        "{village}村干部对基本医疗保障政策知晓率低",
        "组织政策培训并入户宣讲",
        "开展政策宣讲",
        "户",
        (20, 120),
    ),
    (
        "medical",
        "{village}分级诊疗、就医报销政策宣传不到位",
        "完善宣传材料，逐户讲解",
        "入户宣讲",
        "户",
        (20, 80),
    ),
    (
        "records",
        "{village}扶贫档案资料不规范",
        "按要求规范完善扶贫档案",
        "规范档案",
        "户",
        (10, 50),
    ),
    (
        "greening",
        "{village}村道两旁绿化未完成",
        "完成四旁绿化栽植任务",
        "栽植苗木",
        "株",
        (200, 2000),
    ),
    (
        "sewage",
        "{village}生活污水直排沟渠",
        "建设污水收集设施，杜绝直排",
        "整治排污点",
        "处",
        (1, 6),
    ),
    (
        "garbage_collection",
        "{village}垃圾清运不及时",
        "落实垃圾日产日清",
        "清运垃圾",
        "吨",
        (2, 15),
    ),
]


@dataclass
class DemoPeople:
    admin: User
    inspectors: list[User]
    county_leader: User
    township_leaders: dict[str, User]
    cadres: dict[str, User]


def _build_org(session: Session) -> DemoPeople:
    create_unit(session, "county", "示范县", "county")
    for code, name, villages in TOWNSHIPS:
        create_unit(session, code, name, "township", "county")
        for index, village in enumerate(villages, start=1):
            create_unit(session, f"{code}-{index}", village, "village", code)
        create_unit(session, f"{code}-team", f"{name}驻村工作队", "team", code)
    for code, name, kind in DEPARTMENTS:
        create_unit(session, code, name, kind, "county")

    def person(
        username: str, role: str, name: str, unit: str | None = None, charges: Sequence[str] = ()
    ) -> User:
        return create_user(
            session,
            username,
            role,
            DEMO_PASSWORD,
            unit_code=unit,
            display_name=name,
            email=f"{username}@demo.example",
            charge_codes=charges,
        )

    admin = person("admin", "admin", "系统管理员")
    inspectors = [
        person("inspector", "inspector", "张督查"),
        person("inspector2", "inspector", "李督查"),
    ]
    county_leader = person("leader", "leader", "王主任", charges=["county"])
    township_leaders = {
        code: person(f"leader-{code}", "leader", f"包乡领导（{name}）", charges=[code])
        for code, name, _ in TOWNSHIPS
    }
    cadres = {
        code: person(f"cadre-{code}", "cadre", f"{name}干部", unit=code)
        for code, name, _ in TOWNSHIPS
    }
    cadres["agri"] = person("cadre-agri", "cadre", "农业农村局干部", unit="agri")
    return DemoPeople(admin, inspectors, county_leader, township_leaders, cadres)


def _walk(
    session: Session,
    ticket: Ticket,
    people: DemoPeople,
    township: str,
    target: str,
    rng: random.Random,
    moment: datetime,
    settings: service.Settings,
) -> None:
    """Move a freshly filed ticket towards `target` through the real transitions."""
    workflow = active_workflow()
    cadre = people.cadres[township]
    inspector = people.inspectors[0]
    leader = people.township_leaders.get(township, people.county_leader)

    def step(user: User, name: str, **inputs: Any) -> None:
        nonlocal moment
        moment += timedelta(hours=rng.randint(6, 72))
        service.apply_transition(
            session,
            ticket,
            user,
            TransitionIn(transition=name, **inputs),
            None,
            workflow,
            moment,
            settings,
        )

    if target == "reported":
        return
    step(cadre, "accept", comment="已签收，立即组织整改。")
    if target == "rectifying":
        return
    indicator = session.exec(select(Indicator).where(Indicator.ticket_id == ticket.id)).first()
    assert indicator is not None  # every demo finding is filed with one
    achieved = [IndicatorIn(name=indicator.name, unit=indicator.unit, achieved=indicator.target)]
    if target == "rejected":
        step(cadre, "report_completion", comment="已完成整改，请核查。", indicators=achieved)
        step(inspector, "reject", comment="现场核查仍有遗留，请彻底整改。")
        return
    step(cadre, "report_completion", comment="已完成整改，请核查。", indicators=achieved)
    if target == "awaiting":
        return
    step(inspector, "verify", comment="现场核查，整改到位。")
    if target == "verified":
        return
    step(leader, "close", comment="同意销号。")


SOURCES = ["inspection", "inspection", "unannounced", "central_inspection", "assessment", "citizen"]
NEXT_STEPS = (
    "一要紧盯短板弱项，全面巩固提升攻坚成果，对完成整改的问题持续巩固，健全问题整改长效机制。\n"
    "二要靠实工作责任，落实好领导责任、部门责任、乡镇主体责任和帮扶单位责任。\n"
    "三要完善长效整治机制，加强日常监管，持续完善垃圾、污水等环卫设施。\n"
    "四要广泛发动群众，形成“群建群治”良好氛围。"
)


def _build_rounds(session: Session, people: DemoPeople, now: datetime) -> dict[str, int]:
    """Two inspection rounds: findings from inspections and unannounced visits belong to them."""
    start = local_date(now, current_app.config["TIMEZONE"]) - timedelta(days=62)
    townships = [code for code, _name, _villages in TOWNSHIPS]
    routine = create_inspection(
        session,
        people.inspectors[0],
        {
            "title": "农牧村人居环境整治“百日攻坚”第二轮督导检查",
            "kind": "routine",
            "started_on": start,
            "ended_on": start + timedelta(days=5),
            "team": [u.username for u in people.inspectors],
            "units": townships,
        },
        now,
    )
    update_next_steps(session, people.county_leader, routine, NEXT_STEPS, now)
    unannounced = create_inspection(
        session,
        people.inspectors[1],
        {
            "title": "脱贫攻坚挂牌督战暗访",
            "kind": "unannounced",
            "started_on": start + timedelta(days=10),
            "ended_on": start + timedelta(days=12),
            "team": [people.inspectors[1].username],
            "units": townships,
        },
        now,
    )
    return {"inspection": routine.id, "unannounced": unannounced.id}


# long: the demo county's story in order; demo data only
def load_demo(
    session: Session,
    tickets: int,
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> DemoPeople:
    """Create the demo county and `tickets` findings spread over the last 60 days."""
    rng = random.Random(seed)
    ensure_taxonomy(session)
    people = _build_org(session)
    settings = service.Settings.of(get_settings())
    workflow = active_workflow()
    categories = {c.code: c for c in session.exec(select(Category))}
    rounds = _build_rounds(session, people, now)
    targets = [
        "reported",
        "rectifying",
        "rectifying",
        "awaiting",
        "rejected",
        "verified",
        "closed",
        "closed",
    ]
    for number in range(tickets):
        township, tname, villages = TOWNSHIPS[number % len(TOWNSHIPS)]
        village_index = rng.randrange(len(villages))
        category, title, requirement, ind_name, ind_unit, (low, high) = rng.choice(FINDINGS)
        filed_at = now - timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 23))
        filed_day = local_date(filed_at, settings.timezone)
        # About a quarter of open findings end up overdue: short deadlines filed long ago.
        deadline = filed_day + timedelta(days=rng.choice([7, 10, 15, 20, 30, 45, 60]))
        responsible = township if rng.random() > 0.1 else "agri"
        source = rng.choice(
            [
                "inspection",
                "inspection",
                "unannounced",
                "central_inspection",
                "assessment",
                "citizen",
            ]
        )
        data = TicketCreate(
            title=title.format(village=villages[village_index]),
            description=f"督查组在{tname}{villages[village_index]}检查发现："
            + title.format(village=""),
            category=category if category in categories else None,
            source=Source(source),
            inspection_id=rounds.get(source),
            location_unit=f"{township}-{village_index + 1}",
            responsible_unit=responsible,
            co_units=[township] if responsible == "agri" else [],
            person_in_charge=f"{tname}分管副乡长",
            requirement=requirement,
            severity=Severity(rng.choice(["low", "normal", "normal", "high"])),
            deadline=deadline,
            indicators=[IndicatorIn(name=ind_name, unit=ind_unit, target=rng.randint(low, high))],
        )
        ticket = service.file_ticket(
            session, people.inspectors[number % 2], data, workflow, filed_at, settings
        )
        target = targets[rng.randrange(len(targets))]
        _walk(session, ticket, people, responsible, target, rng, filed_at, settings)
        if progress:
            progress(1)
    return people


@click.command("demo")
@click.option("--tickets", default=80, show_default=True, help="How many findings to create.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@with_appcontext
@speaks_language
def demo_command(tickets: int, seed: int) -> None:
    """Migrate, then load a demo county (1 county, 4 townships, villages, departments, users)."""
    migrate.upgrade(current_app)
    with session_scope(current_app) as session:
        if session.exec(select(Unit).where(Unit.code == "county")).first() is not None:
            click.echo(_("Demo data is already loaded; nothing to add."))
            _print_accounts()
            return
        with click.progressbar(length=tickets, label=_("Loading demo findings")) as bar:
            if tickets > 1000:  # benchmark sizes: bulk inserts instead of the services
                bulk_demo(session, tickets, seed, utcnow(), bar.update)
            else:
                load_demo(session, tickets, seed, utcnow(), bar.update)
    click.echo(
        _(
            "Loaded the demo county with %(tickets)d findings (seed %(seed)d).",
            tickets=tickets,
            seed=seed,
        )
    )
    _print_accounts()


def _print_accounts() -> None:
    click.echo(
        _(
            "Sign in at %(url)s/login with any of these (password for all: %(password)s):",
            url=current_app.config["BASE_URL"],
            password=DEMO_PASSWORD,
        )
    )
    rows = [("admin", _("admin")), ("inspector", _("inspector"))]
    rows += [("leader", _("leader (whole county)"))]
    rows += [(f"leader-{c}", _("leader in charge of %(unit)s", unit=n)) for c, n, _v in TOWNSHIPS]
    rows += [(f"cadre-{c}", _("cadre of %(unit)s", unit=n)) for c, n, _v in TOWNSHIPS]
    for username, what in rows:
        click.echo(f"  {username:<18} {what}")


# --- fast path for benchmarks: bulk inserts ------------------------------------------------

BULK_CHUNK = 10_000

# (final state, awaiting verification, transitions taken) with weights.
_BULK_PATHS = [
    ("reported", False, (), 2),
    ("rectifying", False, (("accept", "reported", "rectifying"),), 3),
    (
        "rectifying",
        True,
        (("accept", "reported", "rectifying"), ("report_completion", "rectifying", "rectifying")),
        1,
    ),
    (
        "verified",
        False,
        (
            ("accept", "reported", "rectifying"),
            ("report_completion", "rectifying", "rectifying"),
            ("verify", "rectifying", "verified"),
        ),
        1,
    ),
    (
        "closed",
        False,
        (
            ("accept", "reported", "rectifying"),
            ("report_completion", "rectifying", "rectifying"),
            ("verify", "rectifying", "verified"),
            ("close", "verified", "closed"),
        ),
        3,
    ),
]


# long: one chunked generator; its counters (ids, codes, hash chain) run across chunks
def bulk_demo(
    session: Session,
    tickets: int,
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> None:
    """The demo county, then `tickets` findings inserted with Core executemany in chunks.

    Used for benchmark sizes (1,000,000 in minutes). The rows look like the slow path's: every
    state, codes from the year counter, an indicator each, and a genuine hash-chained history
    (`tracker audit verify` passes), but no services run, so no mail or reminders are planned.
    """
    from types import SimpleNamespace

    from sqlalchemy import func, insert

    from tracker.tickets.chain import current_keys, event_mac, head_seal
    from tracker.tickets.models import TicketEvent

    people = load_demo(session, 0, seed, now)
    session.commit()
    settings = service.Settings.of(get_settings())
    rng = random.Random(seed)
    units = {u.code: u.id for u in session.exec(select(Unit))}
    categories = {c.code: c.id for c in session.exec(select(Category))}
    inspectors = [u.id for u in people.inspectors]
    leaders = {code: u.id for code, u in people.township_leaders.items()}
    cadres = {code: u.id for code, u in people.cadres.items()}
    paths = [p[:3] for p in _BULK_PATHS]
    weights = [p[3] for p in _BULK_PATHS]
    year = now.year
    counter = session.get(TicketCodeCounter, year)
    next_number = (counter.last if counter else 0) + 1
    ticket_id = (session.exec(select(func.max(Ticket.id))).one() or 0) + 1
    event_id = (session.exec(select(func.max(TicketEvent.id))).one() or 0) + 1
    indicator_id = (session.exec(select(func.max(Indicator.id))).one() or 0) + 1
    connection = session.connection()
    key = current_keys().current
    done = 0
    while done < tickets:
        batch = min(BULK_CHUNK, tickets - done)
        ticket_rows, event_rows, indicator_rows = [], [], []
        for _row in range(batch):
            township, tname, villages = TOWNSHIPS[(ticket_id + done) % len(TOWNSHIPS)]
            village_index = rng.randrange(len(villages))
            category, title, requirement, ind_name, ind_unit, (low, high) = rng.choice(FINDINGS)
            filed_at = now - timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 23))
            deadline = local_date(filed_at, settings.timezone) + timedelta(
                days=rng.choice([7, 10, 15, 20, 30, 45, 60])
            )
            responsible = township if rng.random() > 0.1 else "agri"
            state, awaiting, steps = rng.choices(paths, weights)[0]
            reporter = inspectors[ticket_id % len(inspectors)]
            target = rng.randint(low, high)
            moment = filed_at
            prev_hash = ""
            history: list[tuple[str, str | None, str | None, str, int | None, str]] = [
                ("created", None, None, "reported", reporter, "")
            ]
            for name, source, dest in steps:
                actor = {
                    "accept": cadres.get(responsible),
                    "report_completion": cadres.get(responsible),
                    "verify": reporter,
                    "close": leaders.get(township),
                }[name]
                history.append(("transition", name, source, dest, actor, f"{name}: 演示数据"))
            for kind, step_name, from_state, dest, actor, comment in history:
                if kind != "created":
                    moment += timedelta(hours=rng.randint(6, 72))
                event = SimpleNamespace(
                    ticket_id=ticket_id,
                    actor_id=actor,
                    kind=kind,
                    transition=step_name,
                    from_state=from_state,
                    to_state=dest,
                    comment=comment,
                    data={},
                    created_at=moment,
                    prev_hash=prev_hash,
                )
                prev_hash = event_mac(key, vars(event))
                event_rows.append({**vars(event), "id": event_id, "hash": prev_hash})
                event_id += 1
            closed = state == "closed"
            moment_day = local_date(moment, settings.timezone)
            ticket_rows.append(
                {
                    "id": ticket_id,
                    "code": f"{settings.code_prefix}-{year}-{next_number:06d}",
                    "title": title.format(village=villages[village_index]),
                    "description": f"督查组在{tname}{villages[village_index]}检查发现问题。",
                    "category_id": categories.get(category),
                    "source": rng.choice(["inspection", "unannounced", "assessment", "citizen"]),
                    "location_unit_id": units[f"{township}-{village_index + 1}"],
                    "responsible_unit_id": units[responsible],
                    "person_in_charge": f"{tname}分管副乡长",
                    "requirement": requirement,
                    "severity": rng.choice(["low", "normal", "normal", "high"]),
                    "tags": "",
                    "reporter_id": reporter,
                    "state": state,
                    "resolution": "done" if closed else None,
                    "is_awaiting_verification": awaiting,
                    "deadline": deadline,
                    "original_deadline": deadline,
                    "extension_count": 0,
                    "rejection_count": 0,
                    "rebound_count": 0,
                    "created_at": filed_at,
                    "updated_at": moment,
                    "last_activity_at": moment,
                    "completed_at": moment if len(steps) >= 2 else None,
                    "verified_at": moment if len(steps) >= 3 else None,
                    "closed_at": moment if closed else None,
                    "completed_on": moment_day if len(steps) >= 2 else None,
                    "closed_on": moment_day if closed else None,
                    "version": len(steps) + 1,
                    "history_count": len(history),
                    "history_head": prev_hash,
                    "history_seal": head_seal(
                        key, ticket_id, len(history), prev_hash, state, deadline, len(steps) + 1
                    ),
                }
            )
            indicator_rows.append(
                {
                    "id": indicator_id,
                    "ticket_id": ticket_id,
                    "name": ind_name,
                    "unit": ind_unit,
                    "target": target,
                    "achieved": target if len(steps) >= 2 else None,
                    "position": 0,
                }
            )
            indicator_id += 1
            ticket_id += 1
            next_number += 1
        connection.execute(insert(table_of(Ticket)), ticket_rows)
        connection.execute(insert(table_of(TicketEvent)), event_rows)
        connection.execute(insert(table_of(Indicator)), indicator_rows)
        session.commit()
        connection = session.connection()
        done += batch
        if progress:
            progress(batch)
    _finish_bulk(session, counter, year, next_number - 1)


def _finish_bulk(session: Session, counter: TicketCodeCounter | None, year: int, last: int) -> None:
    """After the chunks: the year's code counter, the id sequences (PostgreSQL), statistics."""
    from sqlalchemy import text

    if counter is None:
        session.add(TicketCodeCounter(year=year, last=last))
    else:
        counter.last = last
        session.add(counter)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("ticket", "ticket_event", "indicator"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum would do soon after: statistics for the planner and the visibility
        # map for index-only scans (VACUUM cannot run inside a transaction).
        engine = session.get_bind().engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
