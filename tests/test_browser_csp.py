"""The pages' scripts under the Content-Security-Policy, in a real browser: htmx, bpmn-js, json-editor and
swagger-ui all run with no inline script and no eval, and the browser reports no violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import people
from tests.support.live import Server
from tests.support.steps import accepted

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live

# Installed before any page script: every violation the browser reports, as text.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " +
    (event.sourceFile || "") + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""


def watched(person: Any) -> list[str]:
    """Violations on the person's pages: from the page itself and from the console."""
    console: list[str] = []
    person.context.add_init_script(WATCH_VIOLATIONS)
    person.page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return console


def violations(page: Page, console: list[str]) -> list[str]:
    return list(page.evaluate("window.__violations || []")) + console


def script_policy(person: Any, path: str) -> str:
    """Open the page; its policy's script-src (default-src where script-src is not given)."""
    response = person.page.goto(person.server.base + path)
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, _, sources = part.strip().partition(" ")
        directives[name] = sources
    return directives.get("script-src", directives["default-src"])


def test_the_pages_scripts_run_under_the_policy_without_a_violation(people: object, server: Server) -> None:
    number = accepted(server.api())
    clerk = people("clerk")  # type: ignore[operator]
    console = watched(clerk)
    page = clerk.page

    # json-editor draws the intake form.
    assert script_policy(clerk, "/services/individual_business_registration/apply") == "'self'"
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    # bpmn-js draws the case's diagram.
    assert script_policy(clerk, f"/cases/{number}") == "'self'"
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(page.locator(".djs-element.current[data-element-id='review']")).to_have_count(1)
    # swagger-ui lists the API.
    assert script_policy(clerk, "/api/docs") == "'self'"
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    # The public status page.
    assert script_policy(clerk, f"/track/{number}") == "'none'"  # no script at all
    expect(page.get_by_role("button")).to_be_visible()
    assert violations(page, console) == []

    # htmx claims the review task in the inbox (the row is swapped in place, no page load).
    approver = people("approver")  # type: ignore[operator]
    console = watched(approver)
    assert script_policy(approver, "/inbox?tab=unclaimed") == "'self'"
    page = approver.page
    row = page.locator("tr", has_text=number)
    page.evaluate("window.__loaded = true")
    row.get_by_role("button", name="签收").click()
    expect(page.locator("tr", has_text=number).get_by_role("button", name="退回")).to_be_visible()
    assert page.evaluate("window.__loaded") is True  # the same page: htmx swapped the row
    assert violations(page, console) == []
