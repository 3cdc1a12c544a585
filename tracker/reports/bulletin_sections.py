"""The bulletin's ranking table (百分制考核排名) and its supervised findings (挂牌督办问题).

Both are written at the end of 一、工作推进情况 through the builder's `EXTRA_SECTIONS` hook
(`install`, called by `create_app`), for what the bulletin covers and its author may see: the
same scores as /ranking and GET /api/v1/ranking, the same list as the dashboard's section. In
Chinese whatever the interface language, as the rest of the document. `[ranking]` says whether the
table is printed and whether whole or its top and bottom; `[supervision]` whether the findings are.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import force_locale
from sqlmodel import Session

from tracker.documents.letterhead import cn_date
from tracker.org.models import User
from tracker.reminders.supervision import SupervisionPolicy
from tracker.reports.bulletin import EXTRA_SECTIONS, Block, Bulletin, ExtraSection, fmt_number
from tracker.reports.queries import Context, load_units
from tracker.reports.ranking import RankingSettings, Score
from tracker.reports.ranking_counts import township_ranking
from tracker.reports.ranking_words import formula_lines
from tracker.reports.supervised import SupervisedFinding, supervised_findings

RANKING_HEADING = "乡镇百分制考核排名"
SUPERVISION_HEADING = "挂牌督办问题"
TABLE_HEADER = ("名次", "乡镇（单位）", "基础分", "扣分", "加分", "得分")
LEVELS = {"county": "县级督办", "township": "乡级督办"}


def _signed(points: float) -> str:
    """−12.5 → "-12.5", 2 → "+2", 0 → "0"."""
    return "0" if not points else ("+" if points > 0 else "-") + fmt_number(abs(points))


def table_rows(scores: list[Score], top_bottom: int) -> list[tuple[str, ...]]:
    """The table's rows after its header: every township, or the first and last `top_bottom`
    with a row of "……" between them (ranks as the whole table has them)."""
    shown: list[Score | None] = list(scores)
    if top_bottom and len(scores) > 2 * top_bottom:
        shown = [*scores[:top_bottom], None, *scores[-top_bottom:]]
    rows = []
    for score in shown:
        if score is None:
            rows.append(("……",) * len(TABLE_HEADER))
            continue
        off = sum(line.points for line in score.lines if line.points < 0)
        added = sum(line.points for line in score.lines if line.points > 0)
        rows.append(
            (
                str(score.rank),
                score.unit.name,
                fmt_number(score.base),
                _signed(round(off, 1)),
                _signed(round(added, 1)),
                fmt_number(score.total),
            )
        )
    return rows


def ranking_section(
    session: Session, user: User, bulletin: Bulletin, ctx: Context, config: Mapping
) -> list[Block]:
    settings = RankingSettings.from_config(config)
    if not settings.in_bulletin:
        return []
    scores = [s for s, _counts in township_ranking(session, ctx, settings, load_units(session))]
    if not scores:
        return []
    with force_locale("zh"):
        formula = "".join(formula_lines(settings, ctx.workflow))
    intro = f"按百分制对{len(scores)}个乡镇（单位）进行考核，计分办法：{formula}"
    n = settings.bulletin_top_bottom
    if n and len(scores) > 2 * n:
        intro += f"现将排名前{n}位和后{n}位通报如下："
    else:
        intro += "现将考核排名通报如下："
    rows = (TABLE_HEADER, *table_rows(scores, settings.bulletin_top_bottom))
    return [
        Block("subheading", RANKING_HEADING),
        Block("paragraph", intro),
        Block("table", "", rows=tuple(rows)),
    ]


def supervision_line(number: int, finding: SupervisedFinding) -> str:
    """One supervised finding as the bulletin prints it."""
    ticket = finding.ticket
    text = (
        f"{number}．【{LEVELS.get(finding.level, finding.level)}】{ticket.title}"
        f"（{ticket.code}，{finding.unit_name}，督办领导：{finding.supervisor}）。"
    )
    if finding.reason:
        text += f"督办事由：{finding.reason.strip().rstrip('。')}。"
    text += f"已督办{finding.days_supervised}天"
    if finding.last_report_on is not None:
        report = finding.last_report.strip().rstrip("。")
        text += f"，最近一次报送进展（{cn_date(finding.last_report_on)}）：{report}"
    else:
        text += "，尚未报送进展"
    if finding.report_overdue:
        text += f"，已{finding.report_waited}天未报送进展，逾期"
    return text + "。"


def supervision_section(
    session: Session, user: User, bulletin: Bulletin, ctx: Context, config: Mapping
) -> list[Block]:
    policy = SupervisionPolicy.from_config(config)
    if not policy.in_bulletin:
        return []
    found = supervised_findings(session, ctx.base, ctx.workflow, ctx.now, ctx.tz, policy)
    if not found.total:
        return []
    county = sum(f.level == "county" for f in found.findings)
    intro = f"截至目前，尚有挂牌督办问题{found.total}个"
    if not found.truncated:
        intro += f"，其中县级督办{county}个、乡级督办{len(found.findings) - county}个"
    if found.reports_overdue:
        intro += f"，{found.reports_overdue}个未按期报送督办进展"
    lines = [supervision_line(n, f) for n, f in enumerate(found.findings, start=1)]
    if found.truncated:
        lines.append(f"（以上为前{len(found.findings)}个。）")
    return [
        Block("subheading", SUPERVISION_HEADING),
        Block("paragraph", intro + "："),
        *(Block("paragraph", line) for line in lines),
    ]


SECTIONS: tuple[ExtraSection, ...] = (ranking_section, supervision_section)


def install() -> None:
    """Add the sections to the bulletin builder's hook (once, whatever the number of apps)."""
    EXTRA_SECTIONS.extend(s for s in SECTIONS if s not in EXTRA_SECTIONS)
