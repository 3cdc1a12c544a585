"""Admin form for one calendar override (a holiday or a make-up working day)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from tracker.calendar.models import NOTE_MAX_LENGTH

DAY_KINDS = {"holiday": _l("Holiday (no work)"), "workday": _l("Make-up working day (调休)")}


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=list(DAY_KINDS.items()), default="holiday")
    note = StringField(_l("Note"), validators=[Length(max=NOTE_MAX_LENGTH)])
