"""``flask seed-demo`` registers the demo cases of catalog/demo_cases.yaml once, as the demo users, so
every inbox and window queue a demo user opens has work in it."""

from __future__ import annotations

import re
from typing import Any

import yaml
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.models import AuditEvent, Case, ServiceItem

CASES: list[dict[str, Any]] = yaml.safe_load(
    (PROJECT_ROOT / "catalog" / "demo_cases.yaml").read_text(encoding="utf-8")
)["cases"]


def seed(app: Flask, *options: str) -> Result:
    result = app.test_cli_runner().invoke(args=["seed-demo", *options])
    assert result.exit_code == 0, result.output
    return result


def number_of(app: Flask, about: str) -> str:
    [entry] = [entry for entry in CASES if entry["about"] == about]
    with app.app_context():
        query = select(Case.number).where(Case.applicant_id_number == entry["applicant"]["id_number"])
        return db.session.execute(query).scalar_one()


def queue(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</table>', page, re.S)
    assert found, testid
    return found.group(1)


def test_seed_demo_without_demo_users_touches_no_account_and_registers_no_case(live_app: Flask) -> None:
    result = seed(live_app)
    assert "users 0 new / 0 updated" in result.output
    assert "demo users and cases: skipped (add --demo-users for a demonstration service)" in result.output
    with live_app.app_context():
        assert db.session.execute(select(Case.id)).first() is None


def test_seed_demo_registers_cases_in_every_state_once(live_app: Flask) -> None:
    skipped = seed(live_app, "--demo-users", "--no-cases")
    assert "demo users: every demo account logs in with the password demo2026" in skipped.output
    assert "demo cases: skipped (--no-cases)" in skipped.output
    result = seed(live_app, "--demo-users")
    assert f"demo cases: {len(CASES)} registered and worked as the demo users" in result.output

    with live_app.app_context():
        cases = {case.applicant_id_number: case for case in db.session.execute(select(Case)).scalars()}
        assert len(cases) == len(CASES)
        # Each case is in the state the file promises, registered by the user it names.
        assert {entry["about"]: cases[entry["applicant"]["id_number"]].status.value for entry in CASES} == {
            entry["about"]: entry["status"] for entry in CASES
        }
        for entry in CASES:
            case = cases[entry["applicant"]["id_number"]]
            first = db.session.execute(
                select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id).limit(1)
            ).scalar_one()
            assert (first.action, first.actor_username) == ("case.started", entry["by"]), entry["about"]
        assert {case.service_item.code for case in cases.values()} == set(
            db.session.execute(select(ServiceItem.code)).scalars()
        )
        assert len({case.accepting_organisation_id for case in cases.values()}) >= 5
        assert len({entry["status"] for entry in CASES}) >= 7

    api = ApiClient(live_app.test_client())
    assert {"受理", "补正材料收取", "出件"} <= {task["name"] for task in api.inbox("clerk")}
    assert {"受理并发证", "出件"} <= {task["name"] for task in api.inbox("clerk-hengdian")}
    reviews = api.inbox("approver")
    assert any(task["assignee"] is None for task in reviews)
    assert any(task["assignee"] and task["assignee"]["username"] == "approver" for task in reviews)
    assert "red" in {task["due_state"] for task in reviews}  # the 同城通办 case from 横店, overdue
    assert [task["name"] for task in api.inbox("cooperator")] == ["入户调查"]
    assert [task["name"] for task in api.inbox("approver-zhifa")] == ["部门处置"]
    assert [task["name"] for task in api.inbox("party-wuning")] == ["乡镇党委意见"]

    supplement = api.case(
        number_of(live_app, "奶茶店，租赁协议缺出租方签字，一次性告知补正，等待申请人送来材料")
    )
    assert supplement["supplement_notices"][0]["materials"][0]["name"] == "经营场所使用证明"
    publicity = api.case(number_of(live_app, "低保：入户调查符合条件，正在民主评议公示（7天）"))
    assert [timer["name"] for timer in publicity["waiting_timers"]] == ["民主评议公示（7天）"]
    housing = api.case(
        number_of(live_app, "农村建房：三个部门并联审查——规划已同意，宅基地已签收，建设待签收")
    )
    assert sorted(task["name"] for task in housing["current_tasks"]) == ["宅基地审查", "建设审查"]
    assert "规划和用地审查" in [step["name"] for step in housing["history"]]
    waiting = number_of(live_app, "面馆开业，刚在吴宁窗口登记，等待受理")
    uploads = api.get(f"/api/v1/cases/{waiting}/attachments", "clerk").json
    assert {(item["material_name"], item["content_type"]) for item in uploads} == {
        ("个体工商户登记（备案）申请书", "application/pdf"),
        ("经营者身份证明", "application/pdf"),
    }

    browser = Browser(live_app)
    browser.log_in("clerk")
    window = page_text(browser.get("/window"))
    assert waiting in queue(window, "to-accept")
    assert number_of(live_app, "花店，吴宁所准予登记（电子营业执照已生成），等待吴宁窗口出件") in queue(
        window, "to-issue"
    )

    again = seed(live_app, "--demo-users")
    assert f"demo cases: none added, the database already has {len(CASES)} case(s)" in again.output
    with live_app.app_context():
        assert db.session.execute(select(func.count(Case.id))).scalar_one() == len(CASES)
