"""API fixtures: a token per user and a client that sends it."""

from __future__ import annotations

import io

import pytest
from helpers import NOW

from tracker.auth.tokens import create_token


class ApiClient:
    """The Flask test client with a bearer token: api.get('/tickets')."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.token = client, token

    def _headers(self, headers):  # type: ignore[no-untyped-def]
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kw)

    def post(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.post("/api/v1" + path, headers=self._headers(headers), **kw)

    def patch(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.patch("/api/v1" + path, headers=self._headers(headers), **kw)


@pytest.fixture
def token_for(db):  # type: ignore[no-untyped-def]
    def make(user, name: str = "test") -> str:  # type: ignore[no-untyped-def]
        _row, plain = create_token(db, user, name, NOW)
        db.commit()
        return plain

    return make


@pytest.fixture
def api_as(app, token_for):  # type: ignore[no-untyped-def]
    """api_as(county.cadre_a) -> an ApiClient acting as that user."""

    def make(user) -> ApiClient:  # type: ignore[no-untyped-def]
        return ApiClient(app.test_client(), token_for(user))

    return make


def _image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(out, fmt)
    return out.getvalue()


def _docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("整改报告")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "问题描述"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="session")
def evidence_files() -> dict[str, tuple[str, bytes, str]]:
    """kind -> (file name, tiny real content, the content type the tracker must detect)."""
    return {
        "png": ("现场照片.png", _image("PNG"), "image/png"),
        "jpeg": ("after.jpg", _image("JPEG"), "image/jpeg"),
        "webp": ("after.webp", _image("WEBP"), "image/webp"),
        "pdf": ("整改报告.pdf", PDF, "application/pdf"),
        "docx": (
            "report.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xlsx": (
            "台账.xlsx",
            _xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
