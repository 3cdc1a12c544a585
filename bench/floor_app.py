"""The framework's floor: a bare Flask app whose one route answers 25 fixed ticket-shaped items.

Served by the same gunicorn settings as the tracker (`deploy/gunicorn.conf.py`, access log
included) by `bench/side_by_side.py`, so that a list request's cost can be read as a multiple of
what Flask and gunicorn alone cost on the same machine in the same run. No database, no
templates, no authentication.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)

ITEMS = [
    {
        "id": n,
        "code": f"DC-2026-{n:06d}",
        "title": "上庄村房前屋后垃圾堆未清理",
        "description": "督查发现垃圾堆 12 处",
        "category": "garbage_pile",
        "source": "inspection",
        "inspection_id": 1,
        "location_unit": "village-a",
        "responsible_unit": "qingshan",
        "co_units": [],
        "assignee": "cadre-qingshan",
        "reporter": "inspector",
        "deadline": "2026-12-31",
        "state": "rectifying",
        "version": 3,
        "overdue": False,
        "rag": "green",
        "awaiting_verification": False,
        "indicators": [{"name": "清理垃圾堆", "unit": "堆", "target": 12.0, "achieved": None}],
        "created_at": "2026-11-01T09:00:00+08:00",
        "updated_at": "2026-11-02T09:00:00+08:00",
        "closed_at": None,
        "transitions": [
            {"name": "report_done", "to": "rectifying", "label": "报告整改完成", "requires": []}
        ],
    }
    for n in range(1, 26)
]


@app.get("/items")
def items():  # type: ignore[no-untyped-def]
    return jsonify(items=ITEMS, page=1, per_page=25, total=25, total_is_capped=False)
