"""No raw code on the pages of the demo cases: every code a person reads has its label, lists read as lists.

The demo data (``flask seed-demo --demo-users``) has cases of every item in every state; each demo
role opens its pages, in Chinese and in English, and the text they read is scanned for what
only a program should see: identifiers like ``market_regulation`` or ``licence.issued``, Python's
``True``/``False``/``None``, and the repr of a list or dict. Identifiers meant to be read as such
(case numbers, resident IDs, item codes) sit in ``class="mono"`` elements and are not scanned.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.pages import Browser, page_text
from workflow_service.extensions import db
from workflow_service.models import Case, Task, TaskState

DEMO_PASSWORD = "demo"  # the test database's accounts exist before seed-demo, with this password
USERS = (
    "clerk",
    "clerk-hengdian",
    "approver",
    "approver-zrzy",
    "approver-minzheng",
    "command",
    "supervisor",
    "admin",
)
PAGES = ("/window", "/inbox", "/services", "/admin/organisations", "/admin/users")
HIDDEN = re.compile(r"<(script|style|textarea|select)\b.*?</\1>", re.S)
MONO = re.compile(r'<(\w+)[^>]*class="[^"]*\bmono\b[^"]*"[^>]*>.*?</\1>', re.S)
TAG = re.compile(r"<[^>]+>")
RAW = re.compile(
    r"\b[a-z]+(?:_[a-z]+)+\b"  # snake_case codes: market_regulation, work_ability
    r"|\b[a-z]{3,}\.[a-z_]{3,}\b"  # dotted codes: licence.issued
    r"|\b(?:True|False|None)\b"
    r"|\[['\"]|\{['\"]"  # a Python list or dict printed as it is
)


def readable_text(response: object) -> str:
    """What a reader sees: no scripts, no identifiers set in mono, no tags; entities decoded."""
    text = MONO.sub(" ", HIDDEN.sub(" ", page_text(response)))
    return html.unescape(TAG.sub(" ", text))


def raw_codes(text: str) -> Iterator[str]:
    for found in RAW.finditer(text):
        yield re.sub(r"\s+", " ", text[max(0, found.start() - 30) : found.end() + 30])


@pytest.fixture
def demo(live_app: Flask) -> Flask:
    result = live_app.test_cli_runner().invoke(args=["seed-demo", "--demo-users"])
    assert result.exit_code == 0, result.output
    return live_app


def demo_pages(app: Flask) -> list[str]:
    with app.app_context():
        cases = db.session.execute(select(Case.number)).scalars().all()
        tasks = db.session.execute(select(Task.id).where(Task.state == TaskState.OPEN)).scalars().all()
    return [*PAGES, *(f"/cases/{number}" for number in cases), *(f"/tasks/{task}" for task in tasks)]


@pytest.mark.parametrize(
    ("language", "users"), [("zh_CN", USERS), ("en", ("clerk", "approver-minzheng", "admin"))]
)
def test_the_demo_pages_show_no_raw_code(demo: Flask, language: str, users: tuple[str, ...]) -> None:
    pages = demo_pages(demo)
    found: dict[str, list[str]] = {}
    read = 0
    for user in users:
        browser = Browser(demo)
        browser.log_in(user, DEMO_PASSWORD)
        browser.post("/language", {"language": language, "next": "/"})
        for path in pages:
            response = browser.get(path)
            if response.status_code != 200:
                continue  # outside this user's scope or role
            read += 1
            for context in raw_codes(readable_text(response)):
                found.setdefault(context, []).append(f"{user} {path}")
    assert read > 40  # the demo cases' pages were read, not only error pages
    assert found == {}


def test_lists_and_yes_no_read_as_such_on_a_case(demo: Flask) -> None:
    with demo.app_context():
        # 赵桂芳's case, at the clerk's own window: a bare "first allowance case" is whichever row the
        # database returns first, on PostgreSQL sometimes 南市街道's, which this clerk may not open.
        case = db.session.execute(
            select(Case).where(
                Case.service_item.has(code="minimum_living_allowance"),
                Case.applicant_id_number == "332525196208150228",
            )
        ).scalar_one()
        number = case.number
    browser = Browser(demo)
    browser.log_in("clerk", DEMO_PASSWORD)
    page = page_text(browser.get(f"/cases/{number}"))
    # The household members: one list item each, with titled, labelled values.
    assert re.search(
        r'<ul class="values"><li>姓名：[^<]+，居民身份证号码：\d{17}[\dX]，与申请人关系：本人', page
    )
    assert "同意授权核对家庭经济状况</dt><dd>是</dd>" in page
