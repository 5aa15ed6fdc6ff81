"""The analyst's catalogue pages over the test client: the list and its search, the edit form (the
API's check, errors at their fields with the input kept, a stale save refused), the version history
with its field-by-field comparison, and who may use them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.support.api import SERVICE, ApiClient
from tests.support.pages import Browser, page_text

EDIT = f"/catalogue/{SERVICE}/edit"
VERSIONS = f"/catalogue/{SERVICE}/versions"
ITEM = f"/api/v1/services/{SERVICE}"
SCALARS = (
    "name", "short_code", "basic_code", "implementation_code", "item_type", "department_type", "process_key",
    "acceptance_mode", "legal_limit_days", "legal_limit_unit", "promised_limit_days", "promised_limit_unit",
    "warning_days", "acceptance_limit_days", "visits_required", "fee_basis", "fee_amount", "licence_name",
    "licence_valid_years", "body_name", "body_code", "body_nature", "exercise_level", "legal_basis",
    "acceptance_conditions", "service_objects", "service_location", "service_hours", "consultation",
    "complaint", "joint_organisations",
)  # fmt: skip
FLAGS = ("instant", "joint_handling", "fee_required", "in_service_hall")
MATERIAL = ("name", "form", "copies", "note", "source_channel", "blank_form", "sample_form")


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


@pytest.fixture
def analyst(app: Flask) -> Browser:
    browser = Browser(app)
    browser.log_in("analyst")
    return browser


def item(client: ApiClient) -> dict[str, Any]:
    return client.get(ITEM, "analyst").json["item"]


def item_form(current: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it in from ``current``, with ``changes`` typed over it."""
    current = {**current, **changes}
    form: dict[str, Any] = {name: "" if current.get(name) is None else str(current[name]) for name in SCALARS}
    form.update({name: "1" for name in FLAGS if current.get(name)})
    form["version"] = str(current["version"])
    form["applicant_kinds"] = current.get("applicant_kinds") or []
    form["pre_review"] = current.get("pre_review") or []
    materials = current["materials"]
    for name in MATERIAL:
        form[f"material_{name}"] = ["" if m.get(name) is None else str(m[name]) for m in materials] + [""]
    form["material_required"] = ["1" if m.get("required", True) else "0" for m in materials] + ["1"]
    form["material_deferrable"] = ["1" if m.get("deferrable") else "0" for m in materials] + ["0"]
    rules = current.get("eligibility") or []
    form["rule_kind"] = [rule["kind"] for rule in rules] + [""]
    form["rule_years"] = [str(rule.get("years", "")) for rule in rules] + [""]
    form["rule_id_field"] = [rule.get("id_field", "") for rule in rules] + [""]
    form["rule_declared_field"] = [rule.get("declared_field", "") for rule in rules] + [""]
    form["rule_declared_values"] = ["，".join(rule.get("declared_values", [])) for rule in rules] + [""]
    return form


def test_the_analyst_finds_items_by_name_code_and_department(analyst: Browser) -> None:
    home = page_text(analyst.get("/processes"))
    assert 'data-testid="nav-catalogue"' in home and 'href="/catalogue"' in home
    listed = page_text(analyst.get("/catalogue"))
    assert listed.count('data-testid="catalogue-item"') == 6
    searches = {
        "个体": [SERVICE],
        "gtgsh": [SERVICE],
        "senior_citizen": ["senior_citizen_card"],
        "民政": ["minimum_living_allowance", "senior_citizen_card"],  # the department's name
        "civil_affairs": ["minimum_living_allowance", "senior_citizen_card"],
    }
    for query, codes in searches.items():
        found = page_text(analyst.get(f"/catalogue?q={query}"))
        assert re.findall(r'data-testid="catalogue-item" data-code="([a-z_]+)"', found) == codes, query
    assert "没有找到" in page_text(analyst.get("/catalogue?q=不存在的事项"))


@pytest.mark.parametrize("username", ["clerk", "approver", "supervisor"])
def test_only_analysts_and_admins_open_the_catalogue_pages(app: Flask, username: str) -> None:
    browser = Browser(app)
    browser.log_in(username)
    assert 'data-testid="nav-catalogue"' not in page_text(browser.get("/inbox"))
    for path in ("/catalogue", EDIT, VERSIONS):
        assert browser.get(path).status_code == 403, path
    assert browser.post(EDIT, {"name": "改名"}).status_code == 403


def test_an_admin_may_edit_as_the_api_allows(app: Flask) -> None:
    admin = Browser(app)
    admin.log_in("admin")
    assert admin.get(EDIT).status_code == 200
    assert admin.get("/catalogue/no_such_item/edit").status_code == 404


def test_the_form_shows_the_item_and_a_save_makes_a_version_with_materials_reordered(
    analyst: Browser, client: ApiClient
) -> None:
    page = page_text(analyst.get(EDIT))
    assert 'name="version" value="1"' in page and 'value="个体工商户设立登记"' in page
    assert '<option value="individual_business_registration" selected>' in page  # the deployed processes
    current = item(client)
    materials = current["materials"]
    reordered = [
        {**materials[1], "deferrable": True, "source_channel": "申请人自备"},
        materials[0],
        *materials[2:],
        {
            "name": "食品经营许可证明",
            "form": "copy",
            "copies": 2,
            "required": True,
            "sample_form": "食品经营许可证明-样表.pdf",
        },
    ]
    form = item_form(
        current, materials=reordered, promised_limit_days=2, fee_required=True, fee_basis="浙价费〔2026〕1号",
        fee_amount="20.00", acceptance_mode="cross_region", service_hours="工作日 8:30–17:00",
    )  # fmt: skip
    saved = analyst.post(EDIT, form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(VERSIONS)
    after = item(client)
    assert (
        after["version"] == 2
        and after["promised_limit_days"] == 2
        and after["acceptance_mode"] == "cross_region"
    )
    assert (after["fee_required"], after["fee_amount"]) == (True, "20.00")
    names = [m["name"] for m in after["materials"]]
    assert names[:2] == [materials[1]["name"], materials[0]["name"]] and names[-1] == "食品经营许可证明"
    assert after["materials"][0]["deferrable"] and after["materials"][0]["source_channel"] == "申请人自备"
    assert after["materials"][-1]["sample_form"] == "食品经营许可证明-样表.pdf"

    history = page_text(analyst.get(VERSIONS))
    row = re.search(r'data-testid="item-version" data-version="2">(.*?)</tr>', history, re.S)
    assert row and "流程管理员 李明" in row.group(1)  # who saved it
    assert "承诺时限" in row.group(1) and "申请材料" in row.group(1)
    diff = history.split('data-testid="item-diff"')[1]
    assert re.search(r'data-field="promised_limit_days">.*?<td[^>]*>3</td><td[^>]*>2</td>', diff, re.S)
    assert re.search(r'data-field="acceptance_mode">.*?同城通办.*?异地可办', diff, re.S)
    assert re.search(r'data-change="added"><strong>食品经营许可证明</strong>：新增（第 5 项）', diff)
    assert re.search(rf"<strong>{materials[0]['name']}</strong>：由第 1 项移到第 2 项", diff)
    assert "可容缺 否 → 是" in diff


def test_a_save_keeps_the_pre_review_channels_and_changes_them_when_ticked(
    analyst: Browser, client: ApiClient
) -> None:
    page = page_text(analyst.get(EDIT))
    assert re.search(r'name="pre_review" value="portal" checked> 网上申请', page)
    assert re.search(r'name="pre_review" value="window" > 窗口申请', page)

    # Saving another field keeps 预审 for online applications.
    kept = analyst.post(EDIT, item_form(item(client), service_hours="工作日 8:30–17:00"))
    assert kept.status_code == 302
    assert (item(client)["version"], item(client)["pre_review"]) == (2, ["portal"])

    both = analyst.post(EDIT, item_form(item(client), pre_review=["portal", "window"]))
    assert both.status_code == 302 and item(client)["pre_review"] == ["portal", "window"]
    # A walk-in case now waits in 预审 too.
    assert client.case(client.start_case())["status"]["code"] == "pre_review"
    history = page_text(analyst.get(VERSIONS))
    diff = history.split('data-testid="item-diff"')[1]
    assert re.search(r'data-field="pre_review">.*?网上申请</td><td[^>]*>网上申请、窗口申请</td>', diff, re.S)

    none = analyst.post(EDIT, item_form(item(client), pre_review=[]))
    assert none.status_code == 302 and item(client)["pre_review"] is None
    assert client.case(client.start_case())["status"]["code"] == "submitted"


def test_errors_are_shown_at_their_fields_with_the_input_kept_and_nothing_saved(
    analyst: Browser, client: ApiClient
) -> None:
    analyst.get(EDIT)
    current = item(client)
    materials = [
        {**current["materials"][0], "required": False, "deferrable": True},
        *current["materials"][1:],
    ]
    form = item_form(
        current, name="个体工商户设立登记（新）", promised_limit_days=30, legal_limit_days=20,
        warning_days="两天", materials=materials, process_key="no_such_process",
        eligibility=[{"kind": "minimum_age", "years": 200}], fee_amount="二十元",
    )  # fmt: skip
    wrong = analyst.post(EDIT, form)
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert re.search(r'id="err-promised_limit_days">承诺时限不能长于法定时限', html)
    assert re.search(r'id="err-warning_days">须为非负整数', html)
    assert re.search(r'id="err-materials-0-deferrable">可容缺只适用于必需材料', html)
    assert re.search(r'id="err-process_key">流程 no_such_process 尚未部署', html)
    assert re.search(r'id="err-eligibility-0-years">须为 0–150 的整数', html)
    assert re.search(r'id="err-fee_amount">须为金额（元）', html) and 'value="二十元"' in html
    assert "第 1 项材料·可容缺" in html  # the summary names the row
    assert 'value="个体工商户设立登记（新）"' in html and 'value="两天"' in html and 'value="200"' in html
    assert item(client)["version"] == 1


def test_a_stale_save_says_so_and_overwrites_nothing(analyst: Browser, client: ApiClient) -> None:
    analyst.get(EDIT)
    read = item(client)
    other = client.http.patch(
        ITEM, json={"version": 1, "service_hours": "周一至周五"}, headers=client.headers("admin")
    )
    assert other.status_code == 200 and other.json["version"] == 2
    stale = analyst.post(
        EDIT, item_form(read, promised_limit_days=1, service_location="吴宁街道便民服务中心")
    )
    assert stale.status_code == 409
    html = page_text(stale)
    assert 'data-testid="stale"' in html and "您编辑的是第 1 版，现为第 2 版" in html
    assert "吴宁街道便民服务中心" in html  # the analyst's input is still there
    after = item(client)
    assert (after["version"], after["service_hours"], after["promised_limit_days"]) == (2, "周一至周五", 3)


def test_the_api_refuses_a_stale_version_too(client: ApiClient) -> None:
    headers = client.headers("analyst")
    assert (
        client.http.patch(ITEM, json={"version": 1, "promised_limit_days": 2}, headers=headers).status_code
        == 200
    )
    stale = client.http.patch(ITEM, json={"version": 1, "promised_limit_days": 1}, headers=headers)
    assert stale.status_code == 409 and stale.json["current_version"] == 2
    assert item(client)["promised_limit_days"] == 2


def test_any_two_versions_are_compared(analyst: Browser, client: ApiClient) -> None:
    headers = client.headers("analyst")
    client.http.patch(ITEM, json={"promised_limit_days": 2}, headers=headers)
    client.http.patch(ITEM, json={"service_hours": "全天"}, headers=headers)
    page = page_text(analyst.get(f"{VERSIONS}?from=1&to=3"))
    diff = page.split('data-testid="item-diff"')[1]
    assert 'data-field="promised_limit_days"' in diff and 'data-field="service_hours"' in diff
    only_last = page_text(analyst.get(VERSIONS)).split('data-testid="item-diff"')[1]
    assert 'data-field="service_hours"' in only_last and 'data-field="promised_limit_days"' not in only_last
    assert analyst.get(f"{VERSIONS}?from=9").status_code == 422
