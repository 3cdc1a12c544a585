"""No English on Chinese pages (issue 15): every page of the app, as each role, rendered in zh,
carries no English word outside an allow-list of codes, units and product names; user data
(names, usernames, e-mail addresses, codes typed by people) is taken out first.

Pages are every GET route of the app without a path parameter, plus the ticket, inspection and
ranking drill-down pages of a filled county; a page a role may not open (403, 404, a redirect
to another page) is skipped for that role.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from helpers import login

# Words allowed on zh pages: product and format names, units, standard abbreviations.
ALLOWED = {
    "API", "CSV", "DOCX", "Docx", "docx", "Excel", "HEIC", "HEIF", "JPEG", "JSON", "KB", "MB",
    "OpenAPI", "PDF", "PNG", "Token", "WGS", "WebP", "Word", "XLSX", "xlsx", "pdf", "jpg", "png",
    "GB", "ID", "SMTP", "URL", "GPS", "EXIF", "RAG", "Bearer", "HTTP", "HTTPS", "UTC", "ISO",
    "Authorization",  # the HTTP header a token is sent in
    "Ctrl",  # a key's name, in the hint shown only where there is a keyboard
    "Werkzeug",  # the test client's browser name, listed among one's signed-in sessions
    "BD", "GCJ",  # coordinate systems (WGS-84, GCJ-02, BD-09)
    "Webhook", "SMS", "SEC",  # channel names as the services call them; a DingTalk secret's prefix
}  # fmt: skip
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
SKIP_PREFIXES = ("/api/", "/static/", "/healthz", "/logout", "/attachments/")


class _Text(HTMLParser):
    """The text a person reads in Chinese: no script or style, and nothing marked as another
    language (`lang="en"`: the language switch, a category's English name) or as code."""

    SKIPPED = ("script", "style", "template", "code", "kbd")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[str] = []  # the open elements since one to skip began

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        values = dict(attrs)
        if self._skipping or tag in self.SKIPPED or (values.get("lang") or "").startswith("en"):
            if tag not in VOID:
                self._skipping.append(tag)
            return
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.parts.append(values[name] or "")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _pages(app, ticket_id: int, inspection_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    paths = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP_PREFIXES)
    }
    paths -= {"/tickets/export.xlsx", "/bulletin.docx", "/workflow.svg", "/workflow.css"}
    paths |= {
        f"/tickets/{ticket_id}",
        f"/inspections/{inspection_id}",
        f"/inspections/{inspection_id}/photos",
        "/tickets?queue=all",
        f"/bulletin?inspection={inspection_id}",
    }
    return sorted(p for p in paths if not p.endswith((".xlsx", ".docx", ".svg", ".css", ".json")))


def _user_data(county) -> set[str]:  # type: ignore[no-untyped-def]
    people = [v for v in vars(county).values() if hasattr(v, "username")]
    units = [v for v in vars(county).values() if hasattr(v, "code")]
    found = {unit.code for unit in units}
    for person in people:
        found |= {person.username, person.name, person.email or ""}
    return {value for value in found if value}


def test_zh_pages_carry_no_english_words(app, db, county, make_ticket, move, client) -> None:  # type: ignore[no-untyped-def]
    from tracker.inspections.models import Inspection

    inspection = Inspection(title="2026年冬季督查", started_on=make_ticket().deadline)
    db.add(inspection)
    db.commit()
    ticket = make_ticket(inspection_id=inspection.id, indicators=[
        {"name": "清理垃圾堆", "unit": "堆", "target": 12}])  # fmt: skip
    move(ticket, county.cadre_a, "accept")
    pages = _pages(app, ticket.id, inspection.id)
    user_data = sorted(_user_data(county), key=len, reverse=True)
    # Ticket codes, ISO dates, addresses, robot ids and CLI commands are codes, not words.
    codes = re.compile(
        r"\b[A-Z]{1,6}-\d{4}-\d+\b|\b\d{4}-\d{2}-\d{2}\b|https?://\S+|\brobot:\d+"
        r"|\btracker [a-z]+ [a-z]+"
    )
    found: dict[str, set[str]] = {}
    visited = 0
    for who in ("cadre_a", "inspector", "leader_a", "leader", "admin", None):
        client.post("/logout")
        if who:
            login(client, getattr(county, who).username)
        for path in pages:
            answer = client.get(path)
            if answer.status_code != 200 or "text/html" not in answer.content_type:
                continue
            visited += 1
            text = codes.sub(" ", visible_text(answer.get_data(as_text=True)))
            for value in user_data:
                text = text.replace(value, " ")
            words = {w for w in WORD.findall(text) if w not in ALLOWED}
            if words:
                found.setdefault(f"{path} as {who}", set()).update(words)
    assert visited > 60, visited
    assert not found, "\n".join(f"{page}: {sorted(words)}" for page, words in found.items())
