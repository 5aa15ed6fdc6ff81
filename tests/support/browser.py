"""Browser test support: Debian's chromium driven by Playwright, one logged-in context per person.

Screenshots of every page go to test-artifacts/screenshots/ (git-ignored). With
DOCS_SCREENSHOTS=1 a walk also refreshes docs/screenshots/ (``make screenshots``).
Test modules import the ``people`` fixture from here; they set up their cases over ``server.api()``
with the steps of tests/support/steps.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.live import Server
from workflow_service.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
DOCS = PROJECT_ROOT / "docs" / "screenshots"
WRONG_RESIDENT_ID = "110105194912310021"  # the right one ends in X: the check digit is wrong


class Person:
    """One member of staff in a browser context of their own, logged in through the login page."""

    def __init__(self, browser: Browser, server: Server, username: str, shots: Path, docs: bool) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        self.page: Page = self.context.new_page()
        self.server, self.username, self.shots, self.docs = server, username, shots, docs
        self.outside_requests: list[str] = []
        self.page.on("request", self._note_request)
        self.page.on("pageerror", lambda error: pytest.fail(f"JavaScript error on {self.page.url}: {error}"))

    def _note_request(self, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        # The browser's own PDF viewer (a PDF shown in a frame) loads from chrome:// and chrome-extension://.
        if not url.startswith((self.server.base, "data:", "chrome://", "chrome-extension://")):
            self.outside_requests.append(url)

    def go(self, path: str) -> Page:
        self.page.goto(self.server.base + path)
        return self.page

    def log_in(self) -> None:
        self.go("/login")
        self.page.get_by_label("用户名").fill(self.username)
        self.page.get_by_label("密码").fill("demo")
        self.page.get_by_label("密码").press("Enter")  # Enter submits
        expect(self.page.get_by_test_id("who")).to_be_visible()

    def shot(self, name: str, docs_name: str | None = None) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.shots / f"{name}.png")
        if self.docs and docs_name:
            DOCS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=DOCS / f"{docs_name}.png")

    def close(self) -> None:
        assert self.outside_requests == [], "pages must not call anything but the service itself"
        self.context.close()


@pytest.fixture
def people(server: Server, request: pytest.FixtureRequest) -> Iterator[object]:
    """Log people in, each in a browser context of their own; the browser closes before the server stops
    (an idle connection it keeps open would hold a gunicorn worker through the graceful timeout)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: `make install` installs chromium and fonts-noto-cjk")
    shots = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    docs = bool(os.environ.get("DOCS_SCREENSHOTS")) and "sqlite" in request.node.name
    opened: list[Person] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def person(username: str) -> Person:
            staff = Person(browser, server, username, shots, docs)
            staff.log_in()
            opened.append(staff)
            return staff

        yield person
        for staff in opened:
            staff.close()
        browser.close()


def json_field(page: Page, name: str) -> object:
    """A field of a form drawn by json-editor from the task's JSON Schema."""
    return page.locator(f'[name="root[{name}]"]')
