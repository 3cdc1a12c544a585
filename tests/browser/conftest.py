"""Fixtures for end-to-end tests: the app behind a real WSGI server, driven by headless Chromium.

The server runs in a thread on 127.0.0.1 with a free port, on this test's database (SQLite or
PostgreSQL, like every other test), with real CSRF protection. Pages are phone-sized (390×844)
unless a test asks for the desktop size. A failing test leaves a screenshot of every page it
opened under `test-results/` (or `$TRACKER_TEST_RESULTS`).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import PASSWORD
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
RESULTS_DIR = Path(
    os.environ.get("TRACKER_TEST_RESULTS") or Path(__file__).resolve().parents[2] / "test-results"
)


def pytest_collection_modifyitems(items) -> None:  # type: ignore[no-untyped-def]
    """Every test in this folder is a browser test (`-m "not browser"` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request) -> bool:  # type: ignore[no-untyped-def]
    return any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the [test] extra installs it
        pytest.skip("playwright is not installed")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver) -> Iterator[object]:  # type: ignore[no-untyped-def]
    chromium = playwright_driver.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def live_app(app_factory):  # type: ignore[no-untyped-def]
    """The app with real CSRF protection, on this test's database."""
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(live_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve the app with werkzeug's threaded WSGI server; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def new_page(browser, live_server, request) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Open pages in fresh browser contexts, one per person: new_page(DESKTOP)."""
    contexts = []

    def open_page(viewport: dict[str, int] = PHONE):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            base_url=live_server, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        contexts.append((context, page))
        return page

    yield open_page
    if _failed(request):
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for index, (_context, page) in enumerate(contexts):
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{name}-{index}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"screenshot failed: {exc}")
    for context, _page in contexts:
        context.close()


@pytest.fixture
def page(new_page):  # type: ignore[no-untyped-def]
    """One phone-sized page."""
    return new_page(PHONE)


@pytest.fixture
def desktop_page(new_page):  # type: ignore[no-untyped-def]
    return new_page(DESKTOP)


def _sign_in(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("main")


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Sign in through the login form, as a person would: sign_in(page, "cadre-a")."""
    return _sign_in


def png_bytes(colour: tuple[int, int, int] = (40, 160, 80), size: int = 64) -> bytes:
    """A small real PNG photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), colour)
    ImageDraw.Draw(image).rectangle((8, 8, size - 8, size - 8), outline=(255, 255, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def photo(tmp_path) -> Callable[[str], Path]:
    """Write a PNG file to upload: photo("after.png")."""

    def make(name: str = "photo.png", colour: tuple[int, int, int] = (40, 160, 80)) -> Path:
        path = tmp_path / name
        path.write_bytes(png_bytes(colour))
        return path

    return make
