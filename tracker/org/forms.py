"""Admin forms for units and users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.org.models import Role, Unit, UnitKind

UNIT_KIND_LABELS = {
    UnitKind.COUNTY: _l("County"),
    UnitKind.TOWNSHIP: _l("Township"),
    UnitKind.VILLAGE: _l("Village"),
    UnitKind.DEPARTMENT: _l("Department"),
    UnitKind.ASSISTANCE: _l("Assistance unit"),
    UnitKind.TEAM: _l("Village work team"),
}
ROLE_LABELS: dict[str, Any] = {  # role name → lazy label
    Role.ADMIN: _l("Administrator"),
    Role.INSPECTOR: _l("Inspector"),
    Role.CADRE: _l("Cadre"),
    Role.LEADER: _l("Leader"),
}

NO_UNIT = ("", "—")


def unit_choices(units: Iterable[Unit]) -> list[tuple[str, str]]:
    """Units as a select's options, indented by depth (give them in tree order, by `path`)."""
    return [(u.code, f"{'　' * u.depth}{u.name} ({u.code})") for u in units]


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=list(UNIT_KIND_LABELS.items()))
    parent = SelectField(_l("Parent unit"), validators=[Optional()])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Full name"), validators=[Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    unit = SelectField(_l("Unit"), validators=[Optional()])
    charges = SelectMultipleField(_l("Units in charge (leaders)"), validators=[Optional()])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=8, max=256)]
    )


class UserEditForm(FlaskForm):
    """An administrator's changes to an existing user (the password has its own button)."""

    display_name = StringField(_l("Full name"), validators=[Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    unit = SelectField(_l("Unit"), validators=[Optional()])
    charges = SelectMultipleField(_l("Units in charge (leaders)"), validators=[Optional()])
