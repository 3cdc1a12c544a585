"""The OpenAPI 3.1 document, generated from the API's pydantic models (never written by hand).

Each operation below names its request and response models; `model_json_schema` machinery turns
them into `components.schemas`, and query models into parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from tracker.api import schemas as s
from tracker.evidence.sniff import ACCEPTED
from tracker.inspections.schemas import InspectionCreate
from tracker.tickets.schemas import TicketCreate

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "The body is not valid JSON",
    "401": "No valid bearer token",
    "403": "The role or unit may not do this",
    "404": "No such resource in the caller's scope",
    "409": "Stale version: the ticket changed meanwhile",
    "413": "The body is too large",
    "422": "Invalid input, or a transition not allowed now (fields named in `error.fields`)",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    response: type[BaseModel] | None
    status: int = 200
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    form: type[BaseModel] | None = None  # a multipart/form-data body
    binary: tuple[str, ...] = ()  # a file in one of these content types instead of JSON
    public: bool = False
    tags: tuple[str, ...] = ()
    etag: bool = False
    errors: tuple[str, ...] = ("400", "401", "404", "413", "422")
    extra: dict[str, Any] = field(default_factory=dict)
    also_ok: str = ""  # a 201 operation that may answer 200 instead: when (its description)


WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "422")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/tickets",
        "List tickets in the caller's scope",
        s.TicketPage,
        query=s.TicketQuery,
        tags=("tickets",),
    ),
    Operation(
        "post",
        "/tickets",
        "File a finding (or multipart/form-data: this JSON in part `ticket`, photos in `files`)",
        s.TicketOut,
        201,
        request=TicketCreate,
        tags=("tickets",),
        errors=WRITE_ERRORS,
        etag=True,
    ),
    Operation(
        "get", "/tickets/{ticket_id}", "Read a ticket", s.TicketOut, tags=("tickets",), etag=True
    ),
    Operation(
        "patch",
        "/tickets/{ticket_id}",
        "Change a ticket's fields (with `version`)",
        s.TicketOut,
        request=s.TicketPatch,
        tags=("tickets",),
        errors=WRITE_ERRORS,
        etag=True,
    ),
    Operation(
        "post",
        "/tickets/{ticket_id}/transitions",
        "Take a workflow transition",
        s.TicketOut,
        request=s.TransitionRequest,
        tags=("tickets",),
        errors=WRITE_ERRORS,
        etag=True,
    ),
    Operation(
        "get",
        "/tickets/{ticket_id}/events",
        "A ticket's history, a page at a time",
        s.EventList,
        query=s.EventQuery,
        tags=("tickets",),
    ),
    Operation(
        "post",
        "/tickets/{ticket_id}/comments",
        "Comment on a ticket",
        s.EventOut,
        201,
        request=s.CommentIn,
        tags=("tickets",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "post",
        "/tickets/{ticket_id}/attachments",
        "Upload evidence (field `file`, optional `purpose`)",
        s.AttachmentOut,
        201,
        form=s.AttachmentUpload,
        tags=("evidence",),
        errors=WRITE_ERRORS,
        also_ok="The ticket had this very file already: the earlier attachment (stored once)",
    ),
    Operation(
        "get",
        "/tickets/{ticket_id}/attachments",
        "A ticket's evidence files",
        s.AttachmentList,
        tags=("evidence",),
    ),
    Operation(
        "get",
        "/attachments/{attachment_id}",
        "Download an evidence file (scoped by its ticket)",
        None,
        query=s.DownloadQuery,
        binary=tuple(t.content_type for t in ACCEPTED),
        tags=("evidence",),
        errors=("401", "404", "422"),
    ),
    Operation("get", "/units", "Org units", s.UnitList, tags=("reference",)),
    Operation(
        "get", "/users", "Users (admins)", s.UserList, tags=("accounts",), errors=WRITE_ERRORS
    ),
    Operation(
        "get",
        "/users/{username}",
        "One user (admins)",
        s.UserOut,
        tags=("accounts",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "patch",
        "/users/{username}",
        "Edit, disable or enable a user (admins)",
        s.UserOut,
        request=s.UserPatch,
        tags=("accounts",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "post",
        "/users/{username}/reset-password",
        "Give a user a temporary password to change at sign-in (admins)",
        s.TemporaryPassword,
        tags=("accounts",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "get",
        "/users/{username}/tokens",
        "A user's API tokens (admins)",
        s.TokenList,
        tags=("accounts",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "post",
        "/users/{username}/tokens/{token_id}/revoke",
        "Revoke a user's API token (admins)",
        s.TokenOut,
        tags=("accounts",),
        errors=WRITE_ERRORS,
    ),
    Operation("get", "/categories", "Problem categories", s.CategoryList, tags=("reference",)),
    Operation(
        "post",
        "/categories",
        "Add a category (admins)",
        s.CategoryOut,
        201,
        request=s.CategoryCreate,
        tags=("reference",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "patch",
        "/categories/{code}",
        "Rename, reorder, disable or enable a category (admins)",
        s.CategoryOut,
        request=s.CategoryPatch,
        tags=("reference",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "get",
        "/indicators",
        "Standard indicators in the bulletin's order",
        s.StandardIndicatorList,
        tags=("reference",),
    ),
    Operation(
        "get",
        "/inspections",
        "Inspection rounds",
        s.InspectionPage,
        query=s.Paging,
        tags=("inspections",),
    ),
    Operation(
        "post",
        "/inspections",
        "Open an inspection round",
        s.InspectionOut,
        201,
        request=InspectionCreate,
        tags=("inspections",),
        errors=WRITE_ERRORS,
    ),
    Operation(
        "get",
        "/queues",
        "The caller's work queues: to-do first, then what waits on others",
        s.QueueList,
        tags=("tickets",),
    ),
    Operation(
        "get",
        "/notifications",
        "The caller's in-app notices, newest first, with the unread count",
        s.NotificationPage,
        query=s.NotificationQuery,
        tags=("notifications",),
    ),
    Operation(
        "post",
        "/notifications/read",
        "Mark the caller's notices read (the listed ids, or all)",
        s.NotificationReadOut,
        request=s.NotificationRead,
        tags=("notifications",),
    ),
    Operation(
        "post",
        "/notifications/{notice_id}/read",
        "Mark one of the caller's notices read",
        s.NotificationReadOut,
        tags=("notifications",),
    ),
    Operation(
        "get", "/workflow", "The active workflow definition", s.WorkflowOut, tags=("reference",)
    ),
    Operation(
        "get",
        "/stats",
        "Dashboard figures over the caller's scope",
        s.StatsOut,
        query=s.TicketQuery,
        tags=("reports",),
    ),
    Operation(
        "get",
        "/ranking",
        "Township ranking out of 100, with every deduction and bonus",
        s.RankingOut,
        query=s.TicketQuery,
        tags=("reports",),
    ),
)


def _components(operations: tuple[Operation, ...]) -> dict[str, Any]:
    inputs = {op.request for op in operations if op.request}
    inputs |= {op.form for op in operations if op.form}
    outputs = {op.response for op in operations if op.response} | {s.ErrorOut}
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in inputs] + [
        (m, "serialization") for m in outputs
    ]
    pairs.sort(key=lambda pair: (pair[0].__name__, pair[1]))
    keys, top = models_json_schema(pairs, ref_template=REF)
    return {"schemas": top.get("$defs", {}), "names": keys}


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: drop `null` alternatives (absent means null) and titles."""
    schema = {k: v for k, v in schema.items() if k not in ("title", "default")}
    alternatives = [a for a in schema.pop("anyOf", []) if a.get("type") != "null"]
    if len(alternatives) == 1:
        schema.update(alternatives[0])
    elif alternatives:
        schema["anyOf"] = alternatives
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    defs = schema.get("$defs", {})
    params = []
    for name, prop in schema["properties"].items():
        prop = _plain(prop)
        if "$ref" in prop:
            prop = {
                k: v
                for k, v in defs[prop.pop("$ref").rsplit("/", 1)[1]].items()
                if k not in ("title", "description")
            } | prop
        param = {"name": name, "in": "query", "required": False, "schema": prop}
        if "description" in prop:
            param["description"] = prop.pop("description")
        params.append(param)
    return params


def _ref(model: type[BaseModel], mode: str, names: dict) -> dict[str, Any]:
    return names[(model, mode)]


# long: one OpenAPI operation object, its keys in the spec's order
def _operation(op: Operation, names: dict) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.method + re.sub(r"[/{}]+", "_", op.path).rstrip("_"),
        "tags": list(op.tags),
    }
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": s.ID_MAX},
        }
        for name in re.findall(r"{(\w+_id)}", op.path)
    ]
    if op.query is not None:
        params.extend(_query_parameters(op.query))
    if op.method == "patch" or op.path.endswith("/transitions"):
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "The version read (the ETag); used when the body has no `version`",
                "schema": {"type": "string"},
            }
        )
    if params:
        body["parameters"] = params
    if op.request is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.request, "validation", names)}},
        }
    if op.form is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": _ref(op.form, "validation", names)}},
        }
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response is not None:
        success["content"] = {
            "application/json": {"schema": _ref(op.response, "serialization", names)}
        }
    if op.binary:
        success["content"] = {
            kind: {"schema": {"type": "string", "format": "binary"}} for kind in op.binary
        }
    if op.etag:
        success["headers"] = {
            "ETag": {"description": "The ticket's version, quoted", "schema": {"type": "string"}}
        }
    responses = {str(op.status): success}
    if op.also_ok:
        responses["200"] = {**success, "description": op.also_ok}
    error_schema = {"application/json": {"schema": _ref(s.ErrorOut, "serialization", names)}}
    for code in op.errors:
        responses[code] = {"description": ERRORS[code], "content": error_schema}
    body["responses"] = responses
    if op.public:
        body["security"] = []
    return body


def openapi_document(routed: frozenset[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The whole document; `routed` ((method, path) pairs served) drops operations not served."""
    return _document(routed)


@cache
def _document(routed: frozenset[tuple[str, str]] | None) -> dict[str, Any]:
    operations = tuple(op for op in OPERATIONS if routed is None or (op.method, op.path) in routed)
    components = _components(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation(op, components["names"])
    paths["/openapi.json"] = {
        "get": {
            "summary": "This document",
            "operationId": "get_openapi",
            "tags": ["meta"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Inspection findings tracker API",
            "version": "1",
            "description": (
                "Findings (督查发现问题) as tickets: filed, handed to units, moved through the "
                "workflow. Send `Authorization: Bearer <token>` (create one with `tracker user "
                "token USERNAME` or on /account/tokens). Errors are "
                '`{"error": {"code", "message", "fields"?}}` with a 4xx status.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": components["schemas"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }
