"""The evidence card's upload form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField

from tracker.evidence.models import Purpose

PURPOSE_LABELS: dict[str, Any] = {  # purpose → lazy label
    Purpose.BEFORE: _l("Photo before rectification"),
    Purpose.AFTER: _l("Photo after rectification"),
    Purpose.EVIDENCE: _l("Other evidence"),
    Purpose.DOCUMENT: _l("Document"),
}


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files"))
    purpose = SelectField(
        _l("What the files show"), choices=list(PURPOSE_LABELS.items()), default=Purpose.AFTER
    )
