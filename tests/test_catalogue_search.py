"""The clerk's catalogue search by the pinyin initials of an item's name, and what a worker loads for it.

The initials are worked out when a name is written (catalogue load, an analyst's change) and stored
with the item; the pages only read them, so the web workers never load pypinyin's dictionaries.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from flask import Flask

from tests.support.api import SERVICE, ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.config import PROJECT_ROOT


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


def _found(browser: Browser, query: str) -> str:
    response = browser.get(f"/services?q={query}")
    assert response.status_code == 200
    return page_text(response)


def test_the_catalogue_finds_items_by_the_initials_of_their_names(browser: Browser) -> None:
    browser.log_in("clerk")
    assert "个体工商户设立登记" in _found(browser, "gtgsh")
    assert "老年人优待证" not in _found(browser, "gtgsh")
    # Initials as the words are read: 调整 is tiáozhěng (t), not diào (d).
    assert "派驻人员调整征求乡镇意见" in _found(browser, "PZRYTZ")
    assert "派驻人员调整征求乡镇意见" not in _found(browser, "pzrydz")
    assert "老年人优待证" in _found(browser, "lnrydz")


def test_a_renamed_item_is_found_by_its_new_initials(app: Flask, browser: Browser) -> None:
    analyst = ApiClient(app.test_client())
    renamed = analyst.http.patch(
        f"/api/v1/services/{SERVICE}", json={"name": "个体户开业登记"}, headers=analyst.headers("analyst")
    )
    assert renamed.status_code == 200, renamed.json
    browser.log_in("clerk")
    assert "个体户开业登记" in _found(browser, "gthkydj")
    assert "个体户开业登记" not in _found(browser, "gtgsh")


def test_a_worker_answers_searches_and_cases_without_the_heavy_libraries(live_database_url: str) -> None:
    """pypinyin (~55 MiB), openpyxl and pypdf stay out of a process serving the pages and the API
    until something needs them (a rename, an export, a bound print)."""
    script = textwrap.dedent(
        f"""
        import sys
        from tests.conftest import make_app
        from tests.support.api import ApiClient
        from tests.support.pages import Browser
        app = make_app({live_database_url!r})
        browser = Browser(app)
        browser.log_in("clerk")
        assert "个体工商户设立登记" in browser.get("/services?q=gtgsh").get_data(as_text=True)
        api = ApiClient(app.test_client())
        case = api.start_case()
        assert api.case(case)["number"]
        heavy = [name for name in ("pypinyin", "openpyxl", "pypdf") if name in sys.modules]
        print(heavy)
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip().splitlines()[-1] == "[]"
