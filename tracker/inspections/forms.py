"""Forms for creating an inspection round and writing its next steps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.inspections.models import InspectionKind
from tracker.inspections.service import MAX_NEXT_STEPS

KIND_LABELS = {
    InspectionKind.ROUTINE: _l("Routine inspection"),
    InspectionKind.UNANNOUNCED: _l("Unannounced visit"),
    InspectionKind.SPECIAL: _l("Special inspection"),
}


class InspectionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=list(KIND_LABELS.items()), default=InspectionKind.ROUTINE
    )
    started_on = DateField(_l("Started on"), validators=[DataRequired()])
    ended_on = DateField(_l("Ended on"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    team = SelectMultipleField(_l("Team (inspectors and leaders)"), validators=[Optional()])
    units = SelectMultipleField(_l("Units covered"), validators=[DataRequired()])


class NextStepsForm(FlaskForm):
    next_steps = TextAreaField(
        _l("Next steps and suggestions (三、下一步工作措施及建议)"),
        validators=[Length(max=MAX_NEXT_STEPS)],
    )
