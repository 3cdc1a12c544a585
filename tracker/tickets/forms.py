"""Forms for filing a finding, taking a transition and commenting."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DecimalField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.tickets.models import Severity, Source

SOURCE_LABELS: dict[str, Any] = {  # source → lazy label
    Source.INSPECTION: _l("Inspection"),
    Source.UNANNOUNCED: _l("Unannounced visit"),
    Source.CENTRAL_INSPECTION: _l("Central inspection feedback"),
    Source.ASSESSMENT: _l("Assessment feedback"),
    Source.CITIZEN: _l("Citizen report"),
    Source.OTHER: _l("Other"),
}
SEVERITY_LABELS = {
    Severity.LOW: _l("Low"),
    Severity.NORMAL: _l("Normal"),
    Severity.HIGH: _l("High"),
}
SORT_LABELS = {
    "deadline": _l("Deadline, earliest first"),
    "-deadline": _l("Deadline, latest first"),
    "-created": _l("Newest first"),
    "created": _l("Oldest first"),
    "-updated": _l("Recently updated"),
    "code": _l("Code"),
}
# Suggestions for an indicator's unit of measure (整改指标单位).
MEASURE_UNITS = ("户", "堆", "吨", "间", "平方米", "米", "座", "处", "只", "株", "亩", "万株")
INDICATOR_ROWS = 5


class IndicatorRowForm(Form):
    """One target figure on the filing form: name, unit of measure, target."""

    name = StringField(_l("Indicator"), validators=[Length(max=100)])
    unit = StringField(_l("Unit of measure"), validators=[Length(max=16)])
    target = DecimalField(_l("Target"), validators=[Optional(), NumberRange(min=0)])

    def validate_name(self, field: Field) -> None:
        if not (field.data or "").strip() and (self.unit.data or self.target.data is not None):
            raise ValidationError(_l("Name the indicator, or clear its row."))


class TicketForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    category = SelectField(_l("Category"), validators=[Optional()])
    source = SelectField(
        _l("Source"), choices=list(SOURCE_LABELS.items()), default=Source.INSPECTION
    )
    inspection_id = SelectField(_l("Inspection round"), validators=[Optional()], coerce=str)
    responsible_unit = SelectField(_l("Responsible unit"), validators=[DataRequired()])
    location_unit = SelectField(_l("Location (village or site)"), validators=[Optional()])
    co_units = SelectMultipleField(_l("Co-operating units"), validators=[Optional()])
    person_in_charge = StringField(_l("Person in charge"), validators=[Length(max=100)])
    requirement = TextAreaField(_l("Rectification requirement"), validators=[Length(max=5000)])
    severity = SelectField(
        _l("Severity"), choices=list(SEVERITY_LABELS.items()), default=Severity.NORMAL
    )
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    deadline_working_days = IntegerField(
        _l("or within N working days"), validators=[Optional(), NumberRange(min=1, max=365)]
    )
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=200)])
    indicators = FieldList(FormField(IndicatorRowForm), min_entries=INDICATOR_ROWS)
    # Checked by their content when stored (tracker.evidence.service), like any evidence.
    photos = MultipleFileField(_l("Photos of the problem (before rectification)"))

    def indicator_data(self) -> list[dict]:
        """The filled indicator rows as TicketCreate wants them."""
        rows = []
        for entry in self.indicators:
            name = (entry.form.name.data or "").strip()
            if name:
                target = entry.form.target.data
                rows.append(
                    {
                        "name": name,
                        "unit": (entry.form.unit.data or "").strip(),
                        "target": float(target) if target is not None else None,
                    }
                )
        return rows


class TransitionForm(FlaskForm):
    transition = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    deadline = DateField(_l("New deadline"), validators=[Optional()])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])
