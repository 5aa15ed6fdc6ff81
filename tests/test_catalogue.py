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
