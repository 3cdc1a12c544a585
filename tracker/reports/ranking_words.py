"""The ranking in words: item labels and the formula, for the page, the API and the bulletin."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from tracker.reports.ranking import BAND_PREFIX, Item, RankingSettings
from tracker.workflow.definition import WorkflowDefinition


def label(kind: str) -> str:
    """A short name for an item of the score."""
    if kind.startswith(BAND_PREFIX):
        return _("Overdue %(days)s days or more", days=kind.removeprefix(BAND_PREFIX))
    labels = {
        "overdue": _("Overdue findings"),
        "rejections": _("Rejections"),
        "rebounds": _("Rebounds"),
        "returns_justified": _("Returns found justified"),
        "chases_unanswered": _("Unanswered chases"),
        "closed_early": _("Closed early"),
        "round_cleared": _("Rounds cleared"),
    }
    return labels.get(kind, kind)


def _step(name: str, workflow: WorkflowDefinition | None) -> str:
    """A workflow step by its label in the reader's language (its name if the workflow lacks it)."""
    step = workflow.transition(name) if workflow is not None else None
    return step.label(str(get_locale() or "zh")) if step is not None else name


def _what(item: Item, settings: RankingSettings, workflow: WorkflowDefinition | None) -> str:
    """What one unit of an item is."""
    if item.days is not None:
        return _("each finding overdue %(days)s days or more", days=item.days)
    against = (
        _("the original deadline")
        if settings.on_time_against == "original"
        else _("the deadline in force")
    )
    return {
        "overdue": _("each finding overdue now"),
        "rejections": _("each completion report sent back (核查退回)"),
        "rebounds": _("each rebound of a closed finding (问题反弹)"),
        "returns_justified": _(
            "each return found justified (%(events)s)",
            events=_(", ").join(_step(e, workflow) for e in settings.return_events),
        ),
        "chases_unanswered": _(
            "each chase (催办) no cadre answered within %(days)s days",
            days=settings.chase_answer_days,
        ),
        "closed_early": _(
            "each finding closed %(days)s or more days before %(against)s",
            days=settings.early_days,
            against=against,
        ),
        "round_cleared": _("each inspection round whose findings are all closed (清零)"),
    }.get(item.kind, item.kind)


def formula_lines(settings: RankingSettings, workflow: WorkflowDefinition | None) -> list[str]:
    """The formula, one sentence per item that can count, after the base (steps named as
    `workflow` labels them)."""
    lines = [_("Every township starts from %(base)s points.", base=f"{settings.base:g}")]
    for item in settings.items:
        if not item.points or (item.kind == "returns_justified" and not settings.return_events):
            continue
        sentence = (
            _(
                "%(points)s points off for %(what)s",
                points=f"{item.points:g}",
                what=_what(item, settings, workflow),
            )
            if item.sign < 0
            else _(
                "%(points)s points added for %(what)s",
                points=f"{item.points:g}",
                what=_what(item, settings, workflow),
            )
        )
        if item.cap:
            sentence += _(", at most %(cap)s in all", cap=f"{item.cap:g}")
        lines.append(sentence + _("."))
    lines.append(_("Equal totals share a rank. Withdrawn findings do not count."))
    return lines
