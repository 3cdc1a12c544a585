"""Pydantic's validation errors read in the request's language, by error type and its limits."""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import BaseModel, ValidationError

from tracker import create_app
from tracker.core.errors import ValidationFailed
from tracker.core.pydantic_errors import field_errors
from tracker.tickets.schemas import TicketCreate, validate

BAD_TICKET = {
    "title": "长" * 201,
    "description": "",
    "severity": "urgent",
    "inspection_id": "第三轮",
    "tags": [str(n) for n in range(21)],
    "deadline": "2026-13-01",
    "deadline_working_days": 0,
    "indicators": [{"name": "", "target": -1}, {"name": "清理垃圾堆", "target": "十二"}],
}
EXPECTED = {
    "zh": {
        "title": "最多200个字符",
        "severity": "须为以下之一：'low', 'normal', 'high'",
        "inspection_id": "须为整数",
        "responsible_unit": "必填",
        "tags": "最多20项",
        "deadline": "须为日期（格式 YYYY-MM-DD）",
        "deadline_working_days": "不能小于1",
        "indicators.0.name": "不能为空",
        "indicators.0.target": "不能小于0",
        "indicators.1.target": "须为数字",
    },
    "en": {
        "title": "at most 200 characters",
        "severity": "must be one of 'low', 'normal', 'high'",
        "inspection_id": "must be a whole number",
        "responsible_unit": "required",
        "tags": "at most 20 items",
        "deadline": "must be a date (YYYY-MM-DD)",
        "deadline_working_days": "must be at least 1",
        "indicators.0.name": "must not be empty",
        "indicators.0.target": "must be at least 0",
        "indicators.1.target": "must be a number",
    },
}


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    return create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_field_gets_one_message_in_the_clients_language(app, lang) -> None:  # type: ignore[no-untyped-def]
    request = app.test_request_context("/api/v1/tickets", headers={"Accept-Language": lang})
    with request, pytest.raises(ValidationFailed) as caught:
        validate(TicketCreate, BAD_TICKET)
    assert caught.value.fields == EXPECTED[lang]
    assert caught.value.message == {"zh": "输入有误", "en": "invalid input"}[lang]


def test_a_page_speaks_its_users_language(app) -> None:  # type: ignore[no-untyped-def]
    # a page with no language chosen and no user: the configured default, Chinese
    with app.test_request_context("/tickets/new"), pytest.raises(ValidationFailed) as caught:
        validate(TicketCreate, {"title": "", "responsible_unit": "town-a"})
    assert caught.value.fields == {"title": "不能为空"}


def test_outside_a_request_messages_stay_english(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), pytest.raises(ValidationFailed) as caught:  # a CLI command
        validate(TicketCreate, {"title": "x" * 201, "responsible_unit": "town-a"})
    assert caught.value.fields == {"title": "at most 200 characters"}


class Rare(BaseModel):
    ref: UUID


def test_a_rare_error_type_keeps_pydantics_text(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        Rare.model_validate({"ref": "not-a-uuid"})
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "zh"}):
        fields = field_errors(caught.value)
    assert fields["ref"].startswith("Input should be a valid UUID")
