"""Accessibility and phone fit, measured in the browser (issue 15).

- axe-core (shipped by the `axe-playwright-python` test package, loaded from disk: no CDN) on
  the sign-in page, a cadre's queue, a ticket page, the dashboard, the ranking and the
  new-finding form, at 390×844 and 1366×768, in Chinese and English: no serious or critical
  violation.
- At 390×844, every tap target on the main pages is at least 44 px high and wide (links inside a
  sentence excepted, as WCAG 2.5.8 does), and no page scrolls sideways.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.steps import file_now

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# (path, who): who is a `county` attribute, None for a visitor.
AXE_PAGES = [
    ("/login", None),
    ("/", "cadre_a"),
    ("/tickets/{id}", "cadre_a"),
    ("/tickets/new", "inspector"),
    ("/dashboard", "leader"),
    ("/ranking", "leader"),
]

MAIN_PAGES = [
    ("/login", None),
    ("/", "cadre_a"),
    ("/tickets", "cadre_a"),
    ("/tickets/{id}", "cadre_a"),
    ("/", "inspector"),
    ("/tickets/{id}", "inspector"),
    ("/tickets/new", "inspector"),
    ("/inspections", "inspector"),
    ("/", "leader_a"),
    ("/dashboard", "leader"),
    ("/overdue", "leader"),
    ("/ranking", "leader"),
]


@pytest.fixture(scope="module")
def axe_source() -> str:
    package = pytest.importorskip("axe_playwright_python")
    return (Path(package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def _open(new_page, sign_in, county, who, viewport, language):  # type: ignore[no-untyped-def]
    page = new_page(viewport)
    if language == "en":  # the language switch's form, sent with this browser's cookies
        page.goto("/login")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = page.request.post("/language", form={"csrf_token": token, "locale": "en"})
        assert answer.ok
    if who:
        sign_in(page, getattr(county, who).username)
    return page


def _serious(page, axe_source: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.evaluate(axe_source)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ` +
                     v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | '));
        }"""
    )


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_axe_finds_no_serious_violation_on_the_key_pages(  # type: ignore[no-untyped-def]
    new_page, sign_in, county, db, make_ticket, axe_source, viewport, language
):
    ticket = file_now(make_ticket, title="上庄村房前屋后垃圾堆未清理")
    pages: dict = {}
    found = []
    for path, who in AXE_PAGES:
        if who not in pages:
            pages[who] = _open(new_page, sign_in, county, who, viewport, language)
        page = pages[who]
        assert page.goto(path.format(id=ticket.id)).status < 400, path
        assert page.locator("html").get_attribute("lang").startswith(language)
        found += [f"{path} as {who}: {v}" for v in _serious(page, axe_source)]
    assert not found, "\n".join(found)


# Tap targets: controls (not links inside running text), their size as laid out.
TARGETS = """() => {
  const controls = document.querySelectorAll(
    'main a, main button, main input:not([type=hidden]), main select, main textarea, ' +
    'main summary, nav a, nav button');
  const small = [];
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.closest('[hidden], .visually-hidden, .d-none, .collapse:not(.show)')) continue;
    // A link inside a sentence is sized by its text (WCAG 2.5.8's "inline" exception).
    const block = el.parentElement;
    if (el.tagName === 'A' && style.display === 'inline' && block &&
        block.textContent.trim().length > el.textContent.trim().length) continue;
    // A check box or radio button is tapped through its label: measure the pair.
    let target = box;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const pair = el.closest('.form-check, label');
      if (pair) target = pair.getBoundingClientRect();
    }
    if (target.height < 44 || target.width < 44) {
      const name = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 24);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(target.width)}×` +
                 `${Math.round(target.height)}`);
    }
  }
  return small;
}"""


def test_tap_targets_are_44_px_and_nothing_scrolls_sideways_on_a_phone(  # type: ignore[no-untyped-def]
    new_page, sign_in, county, db, make_ticket, move
):
    ticket = file_now(make_ticket, title="上庄村房前屋后垃圾堆未清理，柴草堆乱堆乱放")
    pages: dict = {}
    small, wide = [], []
    for path, who in MAIN_PAGES:
        if who not in pages:
            pages[who] = _open(new_page, sign_in, county, who, PHONE, "zh")
        page = pages[who]
        assert page.goto(path.format(id=ticket.id)).status < 400, path
        small += [f"{path} as {who}: {t}" for t in page.evaluate(TARGETS)]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append(f"{path} as {who}: {width} px")
    assert not wide, "\n".join(wide)
    assert not small, "\n".join(small)
