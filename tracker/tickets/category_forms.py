"""Admin forms for the taxonomy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    parent = SelectField(_l("Parent category"), validators=[Optional()])


class IndicatorForm(FlaskForm):
    name = StringField(_l("Indicator"), validators=[DataRequired(), Length(max=100)])
    unit = StringField(_l("Measure unit"), validators=[DataRequired(), Length(max=16)])
    group_name = StringField(_l("Group"), validators=[Optional(), Length(max=50)])
