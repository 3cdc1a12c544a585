"""Forms for filing a finding, taking a transition and commenting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tracker.tickets.models import Severity, Source

SOURCE_LABELS = {
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


class TransitionForm(FlaskForm):
    transition = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    deadline = DateField(_l("New deadline"), validators=[Optional()])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])
