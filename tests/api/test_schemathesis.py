"""Fuzz the API from its own OpenAPI document: no 5xx, every response as documented."""

from __future__ import annotations

import io

import schemathesis
from helpers import NOW
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import FileStorage

from tracker.evidence.service import store_upload

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded so that the whole run stays well under a minute per database.
EXAMPLES = {"get": 15, "post": 10, "patch": 10}
FUZZED_POSTS = {"/tickets", "/tickets/{ticket_id}/transitions", "/tickets/{ticket_id}/comments",
                "/inspections"}  # fmt: skip


def test_api_conforms_to_its_schema(app, db, county, make_ticket, token_for, evidence_files):
    ticket = make_ticket(co_units=["dept"])
    name, data, _type = evidence_files["png"]
    photo = store_upload(
        db,
        ticket,
        county.inspector,
        FileStorage(io.BytesIO(data), name),
        "after",
        NOW,
        app.config,
        app.extensions["workflow"],
    ).attachment
    db.commit()
    ids = {"ticket_id": ticket.id, "attachment_id": photo.id}
    headers = {"Authorization": f"Bearer {token_for(county.inspector)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.lower(), operation.path
        if method == "post" and path not in FUZZED_POSTS:
            continue
        fixed = {key: value for key, value in ids.items() if f"{{{key}}}" in path}
        strategy = (
            operation.as_strategy(path_parameters=fixed) if fixed else operation.as_strategy()
        )

        @settings(
            max_examples=EXAMPLES[method],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        tested.append(f"{method.upper()} {path}")
    assert "GET /tickets" in tested and "POST /tickets/{ticket_id}/transitions" in tested
    assert "GET /attachments/{attachment_id}" in tested
    assert "GET /tickets/{ticket_id}/attachments" in tested
