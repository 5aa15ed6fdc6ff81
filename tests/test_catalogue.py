"""The service catalogue (实施清单): loaded with line errors, changed by analysts, every version kept."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.support.api import SERVICE, ApiClient
from workflow_service.extensions import db
from workflow_service.models import ServiceItem


def test_item_shows_implementation_list_fields_and_materials(client: ApiClient) -> None:
    item = client.get(f"/api/v1/services/{SERVICE}", "clerk").json["item"]
    assert item["name"] == "个体工商户设立登记"
    assert (item["item_type"], item["acceptance_mode"], item["visits_required"]) == ("licensing", "city", 1)
    assert (item["promised_limit_days"], item["promised_limit_unit"]) == (3, "working_day")
    materials = {m["name"]: m for m in item["materials"]}
    assert materials["经营场所使用证明"]["deferrable"] is True
    assert materials["委托代理人身份证明及委托书"]["required"] is False


def test_analyst_change_makes_a_version_and_cases_keep_theirs(client: ApiClient) -> None:
    before = client.start_case()
    change = {"promised_limit_days": 2, "materials": [{"name": "个体工商户登记（备案）申请书"}]}
    response = client.http.patch(
        f"/api/v1/services/{SERVICE}", json=change, headers=client.headers("analyst")
    )
    assert response.status_code == 200, response.json
    assert (response.json["version"], response.json["promised_limit_days"]) == (2, 2)
    after = client.start_case()
    assert client.case(before)["service_item"]["promised_limit_days"] == 3
    assert len(client.case(before)["service_item"]["materials"]) == 4
    assert client.case(after)["service_item"]["promised_limit_days"] == 2
    versions = client.get(f"/api/v1/services/{SERVICE}/versions", "analyst").json
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["snapshot"]["promised_limit_days"] == 3


def test_unchanged_patch_makes_no_version(client: ApiClient) -> None:
    response = client.http.patch(
        f"/api/v1/services/{SERVICE}", json={"promised_limit_days": 3}, headers=client.headers("analyst")
    )
    assert response.json["version"] == 1


def test_only_analysts_change_items_and_bad_changes_name_the_field(client: ApiClient) -> None:
    forbidden = client.http.patch(
        f"/api/v1/services/{SERVICE}", json={"name": "x"}, headers=client.headers("clerk")
    )
    assert forbidden.status_code == 403
    bad = client.http.patch(
        f"/api/v1/services/{SERVICE}",
        json={"promised_limit_days": 30, "acceptance_mode": "anywhere", "fee_required": True},
        headers=client.headers("analyst"),
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"promised_limit_days", "acceptance_mode", "fee_basis", "fee_amount"}
    assert client.get(f"/api/v1/services/{SERVICE}", "analyst").json["item"]["version"] == 1
    missing = client.http.patch(
        "/api/v1/services/nothing", json={"name": "x"}, headers=client.headers("analyst")
    )
    assert missing.status_code == 404


def test_bad_catalogue_file_reports_every_line_and_loads_nothing(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "items.yaml"
    source.write_text(
        "service_items:\n"
        "  - {code: fine_item, short_code: FINE, name: 好事项, department_type: civil_affairs, process_key: x, legal_limit_days: 10, promised_limit_days: 5}\n"
        "  - {code: Bad-Code, short_code: b, name: 坏事项, department_type: civil_affairs, process_key: x, legal_limit_days: 10, promised_limit_days: 5}\n"
        "  - {code: slow_item, short_code: SLOW, name: 慢事项, department_type: civil_affairs, process_key: x, legal_limit_days: 5, promised_limit_days: 10, materials: [{form: paper}]}\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["load-catalogue", str(source)])
    assert result.exit_code == 1
    by_line = dict(
        line.strip().split(": ", 1) for line in result.output.splitlines() if line.startswith("  line ")
    )
    assert set(by_line) == {"line 3", "line 4"}
    assert "code: 须为小写英文标识" in by_line["line 3"]
    assert "short_code: 须为 2–8 个大写字母" in by_line["line 3"]
    assert "promised_limit_days: 承诺时限不能长于法定时限" in by_line["line 4"]
    assert "materials.0.name: 必填" in by_line["line 4"]
    with app.app_context():
        assert (
            db.session.execute(
                select(ServiceItem).where(ServiceItem.code == "fine_item")
            ).scalar_one_or_none()
            is None
        )


def test_reloading_the_catalogue_changes_nothing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["load-catalogue"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 changed (new version)" in result.output


def test_item_carries_the_rest_of_the_implementation_list(client: ApiClient) -> None:
    item = client.get(f"/api/v1/services/{SERVICE}", "clerk").json["item"]
    assert (item["body_name"], item["body_code"], item["body_nature"]) == (
        "东阳市市场监督管理局",
        "11330783MB1234567X",
        "statutory",
    )
    assert item["exercise_level"] == "县级"
    assert "促进个体工商户发展条例" in item["legal_basis"]
    assert "有经营能力的公民" in item["acceptance_conditions"]
    assert item["service_objects"] == "自然人"
    assert "东阳市民服务中心" in item["service_location"]
    assert "周一至周五" in item["service_hours"]
    assert "0579-86650110" in item["consultation"]
    assert "12345" in item["complaint"]
    assert item["in_service_hall"] is True
    assert item["joint_organisations"] is None
    materials = {m["name"]: m for m in item["materials"]}
    form = materials["个体工商户登记（备案）申请书"]
    assert form["source_channel"] == "申请人自备"
    assert form["blank_form"] == "forms/blank/个体工商户登记（备案）申请书.pdf"
    assert form["sample_form"].endswith("（示例）.pdf")
    assert materials["经营者身份证明"]["source_channel"] == "政府部门核发"
    housing = client.get("/api/v1/services/rural_housing_construction", "clerk").json["item"]
    assert "东阳市农业农村局" in housing["joint_organisations"]


def test_implementation_list_fields_are_changed_versioned_and_checked(client: ApiClient) -> None:
    headers = client.headers("analyst")
    bad = client.http.patch(f"/api/v1/services/{SERVICE}", json={"body_nature": "private"}, headers=headers)
    assert bad.status_code == 422
    assert list(bad.json["errors"]) == ["body_nature"]
    change = {"service_hours": "周一至周日 8:30—17:30", "joint_organisations": "东阳市税务局"}
    response = client.http.patch(f"/api/v1/services/{SERVICE}", json=change, headers=headers)
    assert response.status_code == 200, response.json
    item = client.get(f"/api/v1/services/{SERVICE}", "clerk").json["item"]
    assert (item["service_hours"], item["joint_organisations"], item["version"]) == (
        "周一至周日 8:30—17:30",
        "东阳市税务局",
        2,
    )
    versions = client.get(f"/api/v1/services/{SERVICE}/versions", "analyst").json
    assert versions[-1]["snapshot"]["joint_organisations"] == "东阳市税务局"
