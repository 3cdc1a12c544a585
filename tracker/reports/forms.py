"""Forms of the reports pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from tracker.inspections.service import MAX_NEXT_STEPS


class NextStepsForm(FlaskForm):
    """三、下一步工作措施及建议, saved with the inspection round (one paragraph per line)."""

    next_steps = TextAreaField(
        _l("Next steps and recommendations"), [Length(max=MAX_NEXT_STEPS)], render_kw={"rows": 10}
    )


class BulletinTextForm(FlaskForm):
    """A township's account of its measures, or section 二: one paragraph per line."""

    text = TextAreaField(_l("Text"), [Length(max=5000)], render_kw={"rows": 6})
