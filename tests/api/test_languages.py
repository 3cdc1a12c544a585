"""API errors: the same status and `code` in every language; the human messages follow
Accept-Language (Chinese on request, English without the header)."""

from __future__ import annotations

import pytest
from helpers import SOON

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}  # what a browser in China sends

# Each request in a fresh context, as on a server: the `client` fixture makes the app's test
# clients isolated (otherwise requests share the test's app context, and Babel's locale with it).
pytestmark = pytest.mark.usefixtures("client")


def errors(send) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """The error body in Chinese and without the header, after checking status and code agree."""
    chinese, default = send(ZH), send({})
    assert chinese.status_code == default.status_code
    assert chinese.get_json()["error"]["code"] == default.get_json()["error"]["code"]
    return chinese.get_json()["error"], default.get_json()["error"]


def test_validation_messages_follow_accept_language(api_as, county):  # type: ignore[no-untyped-def]
    inspector = api_as(county.inspector)
    body = {"title": "长" * 201, "responsible_unit": "town-a", "deadline": SOON}
    zh, en = errors(lambda headers: inspector.post("/tickets", json=body, headers=headers))
    assert zh == {
        "code": "validation_error",
        "message": "输入有误",
        "fields": {"title": "最多200个字符"},
    }
    assert en == {
        "code": "validation_error",
        "message": "invalid input",
        "fields": {"title": "at most 200 characters"},
    }
    body = {"title": "t", "responsible_unit": "nowhere", "deadline": SOON}
    zh, en = errors(lambda headers: inspector.post("/tickets", json=body, headers=headers))
    assert zh["fields"] == {"responsible_unit": "未知的单位 'nowhere'"}
    assert en["fields"] == {"responsible_unit": "unknown unit 'nowhere'"}


@pytest.mark.parametrize(
    ("query", "zh_fields", "en_fields"),
    [
        ("per_page=0", {"per_page": "不能小于1"}, {"per_page": "must be at least 1"}),
        (
            "rag=blue",
            {"rag": "须为以下之一：'red', 'amber', 'green'"},
            {"rag": "must be one of 'red', 'amber', 'green'"},
        ),
        (
            "due_before=soon",
            {"due_before": "须为日期（格式 YYYY-MM-DD）"},
            {"due_before": "must be a date (YYYY-MM-DD)"},
        ),
    ],
)
def test_query_messages_follow_accept_language(api_as, county, query, zh_fields, en_fields):  # type: ignore[no-untyped-def]
    cadre = api_as(county.cadre_a)
    zh, en = errors(lambda headers: cadre.get(f"/tickets?{query}", headers=headers))
    assert (zh["code"], zh["message"], zh["fields"]) == (
        "validation_error",
        "查询参数有误",
        zh_fields,
    )
    assert (en["message"], en["fields"]) == ("invalid query", en_fields)


def test_refused_transitions_follow_accept_language(api_as, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    path = f"/tickets/{ticket.id}/transitions"

    def attempt(user, transition, version=ticket.version):  # type: ignore[no-untyped-def]
        client = api_as(user)
        return errors(
            lambda headers: client.post(
                path, json={"transition": transition, "version": version}, headers=headers
            )
        )

    zh, en = attempt(county.inspector, "accept")
    assert (zh["code"], zh["message"]) == ("forbidden", "您无权对该问题执行 'accept'")
    assert en["message"] == "you may not take 'accept' on this finding"
    zh, en = attempt(county.cadre_a, "no-such-step")
    assert (zh["code"], zh["message"]) == ("transition_not_allowed", "未知的操作 'no-such-step'")
    assert en["message"] == "unknown transition 'no-such-step'"
    zh, en = attempt(county.cadre_a, "accept", version=ticket.version + 5)
    assert zh["code"] == "conflict" and zh["fields"] == en["fields"] == {"version": "stale"}
    assert zh["message"] == (
        f"问题 {ticket.code} 在您打开后已被修改（版本 {ticket.version + 5}，"
        f"现为 {ticket.version}），请重新加载后再试"
    )
    assert en["message"].startswith(f"ticket {ticket.code} changed since you loaded it")


def test_protocol_errors_follow_accept_language(api_as, county, client):  # type: ignore[no-untyped-def]
    inspector = api_as(county.inspector)
    zh, en = errors(
        lambda headers: inspector.post(
            "/tickets", data="{not json", headers={"Content-Type": "application/json", **headers}
        )
    )
    assert (zh["code"], zh["message"]) == ("invalid_json", "请求体不是有效的 JSON（第1行第2列）")
    assert en["message"] == "the body is not valid JSON (line 1, column 2)"
    zh, en = errors(lambda headers: client.get("/api/v1/tickets", headers=headers))
    assert (zh["code"], zh["message"]) == (
        "unauthorized",
        "请求须带有 'Authorization: Bearer <token>' 请求头",
    )
    assert en["message"] == "an 'Authorization: Bearer <token>' header is required"
    zh, en = errors(lambda headers: inspector.get("/tickets/2000000", headers=headers))
    assert (zh["code"], zh["message"], en["message"]) == (
        "not_found",
        "未找到该问题",
        "ticket not found",
    )
    zh, en = errors(lambda headers: inspector.get("/no-such-endpoint", headers=headers))
    assert (zh["code"], zh["message"], en["message"]) == ("not_found", "未找到", "not found")
