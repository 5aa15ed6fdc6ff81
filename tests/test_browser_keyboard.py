"""Keyboard use in a real browser: every control on the main pages is named, focus shows where it is,
Tab follows the form, Enter submits the intake and claims a task in the inbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import json_field, people
from tests.support.live import Server
from tests.support.steps import accepted, only_task

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live

INTAKE = "/services/individual_business_registration/apply"

# Shared by the snippets below: what a control is called, whether it is drawn, how to name it in a message.
HELPERS = """
/* Drawn on the page: not display:none, not hidden, not inside a closed <details>. */
const rendered = (el) => el.checkVisibility({visibilityProperty: true});
const isControl = (el) => el.matches("input, select, textarea, button");
const describe = (el) => {
  if (!el || el === document.body) return "body";
  const tag = el.tagName.toLowerCase();
  if (el.id) return tag + "#" + el.id;
  const name = el.getAttribute("name");
  const text = (el.textContent || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 30);
  return tag + (name ? "[name=" + name + "]" : "") + (text ? " “" + text + "”" : "");
};
/* A label's own words: its text without the controls inside it or parts not shown. */
const ownText = (node) => Array.from(node.childNodes).map((child) => {
  if (child.nodeType === Node.TEXT_NODE) return child.textContent;
  if (child.nodeType !== Node.ELEMENT_NODE || isControl(child) || !rendered(child)) return "";
  return ownText(child);
}).join("");
const byIds = (ids) => ids.split(/\\s+/).filter(Boolean).map((id) => document.getElementById(id));
/* The accessible name, by the ways the pages use: aria-labelledby, aria-label, label, button text. */
const nameOf = (el) => {
  const labelledBy = el.getAttribute("aria-labelledby");
  if (labelledBy) return byIds(labelledBy).map((node) => (node ? node.textContent : "")).join(" ").trim();
  const label = (el.getAttribute("aria-label") || "").trim();
  if (label) return label;
  const labels = Array.from(el.labels || []).map(ownText).join(" ").trim();
  if (labels) return labels;
  if (el.tagName === "BUTTON") return ownText(el).trim();
  if (["submit", "button", "reset"].includes(el.type)) return (el.value || "").trim();
  if (el.tagName === "A") {
    const images = Array.from(el.querySelectorAll("img[alt]")).map((img) => img.alt).join("");
    return (el.textContent + images).trim() || (el.getAttribute("title") || "").trim();
  }
  return "";
};
"""

# Returns every problem found on the page, as readable lines; none is the pass.
AUDIT = (
    "() => {"
    + HELPERS
    + """
  const problems = [];
  const controls = Array.from(document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button, a[href]")).filter(rendered);
  controls.forEach((el) => { if (!nameOf(el)) problems.push("no accessible name: " + describe(el) + " " + el.outerHTML.slice(0, 160)); });
  /* A set of checkboxes or radios (one name, or one field of a json-editor form) is named as a group:
     fieldset/legend, or role=group/radiogroup with a name. */
  const sets = {};
  document.querySelectorAll("input[type=checkbox], input[type=radio]").forEach((el) => {
    const field = el.closest("[data-schemapath]");
    const key = el.name || (field && field.dataset.schemapath);
    if (rendered(el) && key) (sets[key] = sets[key] || []).push(el);
  });
  /* A json-editor list is a group even with one box: the box names the material, the group what it is for. */
  Object.entries(sets).filter(([key, members]) => members.length > 1 || key.startsWith("root.")).forEach(([name, members]) => {
    const group = members[0].closest("fieldset, [role=group], [role=radiogroup]");
    const named = group && (group.tagName === "FIELDSET"
      ? (group.querySelector(":scope > legend") || {textContent: ""}).textContent.trim() || nameOf(group)
      : nameOf(group));
    if (!named) problems.push("checkbox or radio set without a group name: " + name);
  });
  document.querySelectorAll("fieldset, [role=group], [role=radiogroup]").forEach((group) => {
    if (!rendered(group)) return;
    const legend = group.tagName === "FIELDSET" && group.querySelector(":scope > legend");
    if (!(legend && legend.textContent.trim()) && !nameOf(group)) problems.push("group without a name: " + describe(group));
  });
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  Object.entries(seen).filter(([, n]) => n > 1).forEach(([id, n]) => problems.push("id used " + n + " times: " + id));
  document.querySelectorAll("[aria-labelledby], [aria-describedby], label[for], input[list]").forEach((el) => {
    ["aria-labelledby", "aria-describedby", "for", "list"].forEach((attribute) => {
      const ids = el.getAttribute(attribute);
      if (ids) byIds(ids).forEach((node, i) => {
        if (!node) problems.push(attribute + " points at a missing id " + ids.split(/\\s+/)[i] + ": " + describe(el));
      });
    });
  });
  const headings = document.querySelectorAll("h1").length;
  if (headings !== 1) problems.push(headings + " h1 headings");
  document.querySelectorAll("[tabindex]").forEach((el) => {
    if (parseInt(el.getAttribute("tabindex"), 10) > 0) problems.push("positive tabindex: " + describe(el));
  });
  return problems;
}"""
)

# The focused element: how it is called, where it stands in the document, and whether focus shows on it
# (a ring of at least 2px, 3:1 against what is behind it, on something drawn on the screen).
FOCUSED = (
    "() => {"
    + HELPERS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return {at: "body", order: -1, ring: null};
  /* The file input is unseen: its label's button shows the focus. */
  const shown = el.matches(".file-pick input") ? el.closest(".file-pick").querySelector(".btn") : el;
  const style = getComputedStyle(shown);
  const rgb = (value) => (value.match(/[\\d.]+/g) || [255, 255, 255]).slice(0, 3).map(Number);
  const luminance = (colour) => {
    const [r, g, b] = colour.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let behind = shown.parentElement, background = [255, 255, 255];
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (colour && colour !== "transparent" && !/rgba\\(.*, 0\\)$/.test(colour)) { background = rgb(colour); break; }
    behind = behind.parentElement;
  }
  const [hi, lo] = [luminance(rgb(style.outlineColor)), luminance(background)].sort((a, b) => b - a);
  const contrast = (hi + 0.05) / (lo + 0.05);
  const box = shown.getBoundingClientRect();
  let ring = null;
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) ring = "no focus ring";
  else if (contrast < 3) ring = "focus ring contrast " + contrast.toFixed(2) + ":1";
  else if (box.width < 2 || box.height < 2 || box.right < 0 || box.left > innerWidth) ring = "focused but not on screen";
  return {at: describe(el), order: Array.prototype.indexOf.call(document.getElementsByTagName("*"), el), ring: ring};
}"""
)


def problems_on(page: Page) -> list[str]:
    """What the audit finds, plus every stop of a Tab walk through the page where focus does not show."""
    found: list[str] = page.evaluate(AUDIT)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(1, 300)  # start the walk from the page itself (not a field the page focuses)
    visited: list[int] = []
    for _ in range(300):
        page.keyboard.press("Tab")
        focused: dict[str, Any] = page.evaluate(FOCUSED)
        if focused["at"] == "body" and visited:
            break
        if focused["ring"]:
            found.append(f"{focused['ring']}: {focused['at']}")
        if focused["order"] in visited:
            found.append(f"Tab comes back to {focused['at']}")
            break
        visited.append(focused["order"])
    return found


def test_every_main_page_names_its_controls_and_shows_where_focus_is(people: object, server: Server) -> None:
    api = server.api()
    to_accept = api.start_case()
    acceptance_task = only_task(api, to_accept, "受理")["id"]
    to_review = accepted(api)
    review_task = only_task(api, to_review, "审核")["id"]
    claimed_task = only_task(api, accepted(api), "审核")["id"]
    claim = api.post(f"/api/v1/tasks/{claimed_task}/claim", "approver")
    assert claim.status_code == 200, claim.json
    clerk = people("clerk")  # type: ignore[operator]
    approver = people("approver")  # type: ignore[operator]
    admin = people("admin")  # type: ignore[operator]

    found: dict[str, list[str]] = {}

    def check(person: Any, path: str, ready: str | None = None, *, then: Any = None) -> None:
        page = person.go(path)
        if ready:
            expect(page.locator(ready)).to_be_attached()
        if then:
            then(page)
        problems = problems_on(page)
        if problems:
            found[f"{person.username} {path}{' (' + then.__doc__ + ')' if then else ''}"] = problems

    def choose_supplement(page: Page) -> None:
        """补正 chosen: the list of materials to bring shows"""
        json_field(page, "acceptance_decision").select_option(label="补正（一次性告知所缺材料）")
        expect(page.get_by_role("group", name="需补正的材料").get_by_role("checkbox").first).to_be_visible()

    def return_for_supplement(page: Page) -> None:
        """退回窗口补正 chosen"""
        json_field(page, "review_decision").select_option(label="退回窗口补正")
        expect(page.get_by_role("group", name="需补正的材料").get_by_role("checkbox").first).to_be_visible()

    def open_agent(page: Page) -> None:
        """代办人 opened, 法人 chosen"""
        page.get_by_label("法人或其他组织").check()
        expect(page.locator("details.agent")).to_have_attribute("open", "")

    check(clerk, "/window")
    check(clerk, "/services")
    check(clerk, INTAKE, "#application[data-ready='1']")
    check(clerk, INTAKE, "#application[data-ready='1']", then=open_agent)
    check(approver, "/inbox?tab=mine")
    check(approver, "/inbox?tab=unclaimed")
    check(clerk, f"/tasks/{acceptance_task}", "#task-form[data-ready='1']")
    check(clerk, f"/tasks/{acceptance_task}", "#task-form[data-ready='1']", then=choose_supplement)
    check(approver, f"/tasks/{review_task}", "#task-form[data-ready='1']")
    check(approver, f"/tasks/{review_task}", "#task-form[data-ready='1']", then=return_for_supplement)
    check(clerk, f"/cases/{to_review}", "#diagram[data-ready='1']")
    check(clerk, f"/search?q={to_accept}")
    check(admin, "/admin/users")
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_intake_is_walked_by_tab_in_form_order_and_enter_submits(people: object) -> None:
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.go(INTAKE)
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    register = page.get_by_role("button", name="登记", exact=True)

    # What Tab should reach, in the form's order: each field shown, one stop per radio set.
    expected: list[str] = page.evaluate(
        "() => {"
        + HELPERS
        + """
      const form = document.getElementById("intake");
      const end = Array.from(form.querySelectorAll("button")).find((b) => b.textContent.trim() === "登记");
      const radios = new Set();
      return Array.from(form.querySelectorAll("input:not([type=hidden]), select, textarea, button, a[href], summary"))
        .filter((el) => rendered(el) && !el.disabled && el.tabIndex >= 0)
        .filter((el) => el === end || (el.compareDocumentPosition(end) & Node.DOCUMENT_POSITION_FOLLOWING))
        .filter((el) => {
          if (el.type !== "radio") return true;
          if (radios.has(el.name)) return false;
          radios.add(el.name);
          return true;
        })
        .map((el) => (el.type === "radio" ? "radio:" + el.name : describe(el)));
    }"""
    )
    page.locator("input[name=applicant_kind]:checked").focus()
    walked: list[str] = ["radio:applicant_kind"]
    orders: list[int] = [page.evaluate(FOCUSED)["order"]]
    for _ in range(len(expected) + 5):
        if page.evaluate("() => document.activeElement.textContent.trim() === '登记'"):
            break
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        walked.append(focused["at"])
        orders.append(focused["order"])
    assert walked == expected  # every field once, in the form's order, ending at 登记
    assert orders == sorted(set(orders))  # never back up the page: no trap, no jump
    expect(register).to_be_focused()

    # Enter in a text field submits the form; the server answers with the errors at their fields.
    page.locator("#applicant_name").fill("张三")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.locator("#applicant_name").press("Enter")
    assert answer.value.status == 422
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.locator("#err-applicant-id_number")).to_be_visible()
    expect(page.locator("#applicant_name")).to_have_value("张三")
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    assert problems_on(page) == []  # the page with its errors is as usable as before

    # In a field of the form drawn from the JSON Schema too.
    json_field(page, "business_name").fill("东阳市吴宁张三小吃店")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        json_field(page, "business_name").press("Enter")
    assert answer.value.status == 422
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    expect(json_field(page, "business_name")).to_have_value("东阳市吴宁张三小吃店")
    clerk.shot("intake-submitted-by-enter")


def test_a_task_is_claimed_in_the_inbox_by_tab_and_enter(people: object, server: Server) -> None:
    number = accepted(server.api())
    approver = people("approver")  # type: ignore[operator]
    page = approver.go("/inbox?tab=unclaimed")
    row = page.get_by_test_id("task-row").filter(has_text=number)
    claim = row.get_by_role("button", name="签收")
    page.evaluate("window.notReloaded = true")

    page.mouse.click(1, 300)
    for _ in range(120):
        page.keyboard.press("Tab")
        if claim.evaluate("(button) => button === document.activeElement"):
            break
    expect(claim).to_be_focused()
    assert page.evaluate(FOCUSED)["ring"] is None  # and the focus shows on it
    page.keyboard.press("Enter")
    expect(row).to_contain_text("已签收")
    assert page.evaluate("window.notReloaded") is True
    # Focus stays in the row, on the next thing to do, rather than falling back to the top of the page.
    expect(row.get_by_role("link", name="办理")).to_be_focused()
    approver.shot("inbox-claimed-by-keyboard")
