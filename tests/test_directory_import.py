"""Importing the directory and the responsibility list: every bad line reported, nothing half-imported."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from workflow_service.extensions import db
from workflow_service.models import AuditEvent, Organisation, Region, ResponsibilityItem, User
from workflow_service.services.directory.routing import competent_back_office

BAD_YAML = """\
regions:
  - {code: '330783999', name: 测试镇, level: township, parent: '330783', function_type: economic}
  - {code: '12', name: 坏代码, level: township, parent: '330783'}
  - {code: '330783998', name: 无上级, level: township, parent: '999999'}
organisations:
  - {code: t-centre, name: 测试镇便民服务中心, kind: service_centre, region: '330783999'}
  - {code: t-station, name: 测试所, kind: station, department_type: market_regulation, parent: 330783-scjgj, region: '330783', covers: ['330681102']}
  - {code: t-office, name: 测试办公室, kind: office, region: '330783999'}
  - {code: t-bureau, name: 第二个市场监管局, kind: department, department_type: market_regulation, region: '330783'}
users:
  - {username: New-User, full_name: 测试, organisation: t-centre, roles: [clerk]}
  - {username: tester, full_name: 测试, organisation: nowhere, roles: [wizard]}
  - {username: weak, full_name: 弱密码, organisation: t-centre, roles: [clerk], password: short}
"""


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Region, Organisation, User)
        )


def test_bad_yaml_reports_every_bad_line_and_imports_nothing(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(BAD_YAML, encoding="utf-8")
    before = counts(app)
    result = app.test_cli_runner().invoke(
        args=["import-directory", str(source), "--default-password", "Passw0rd!"]
    )
    assert result.exit_code == 1
    assert "8 行有误" in result.output
    for line, message in (
        (3, "区划代码 12 须为 6 位"),
        (4, "上级区划 999999 不存在"),
        (7, "覆盖的乡镇 330681102 不在本县"),
        (8, "乡镇办公室须有 office_type"),
        (9, "330783 已有同类机构 330783-scjgj"),
        (11, "用户名 New-User 只能用小写字母"),
        (12, "所属机构 nowhere 不存在"),
        (13, "密码至少 8 个字符"),
    ):
        assert f"line {line}: " in result.output and message in result.output, (line, result.output)
    assert "未知角色 wizard" in result.output
    assert counts(app) == before


def test_bad_csv_lines_are_reported_by_line_number(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_text(
        "username,full_name,organisation,roles\n"
        "ok-user,好用户,330783001-bmfwzx,clerk\n"
        "no-org,无机构,330783999-bmfwzx,clerk\n"
        "no-role,无角色,330783001-bmfwzx,\n",
        encoding="utf-8",
    )
    before = counts(app)
    result = app.test_cli_runner().invoke(
        args=["import-directory", str(source), "--kind", "users", "--default-password", "x1y2z3w4"]
    )
    assert result.exit_code == 1
    assert "line 3: 所属机构 330783999-bmfwzx 不存在" in result.output
    assert "line 4: 至少须有一个角色" in result.output
    assert "line 2" not in result.output
    assert counts(app) == before


def test_csv_import_adds_a_station_that_routing_then_uses(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "organisations.csv"
    source.write_text(
        "code,name,kind,department_type,parent,region,covers\n"
        "330783-mzj-south,东阳市民政局南部民政服务站,station,civil_affairs,330783-mzj,330783,330783111;330783109\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["import-directory", str(source), "--kind", "organisations"])
    assert result.exit_code == 0, result.output
    assert "importing 1 rows" in result.output
    assert "organisations: 1 created, 0 updated" in result.output
    with app.app_context():
        hengdian = db.session.execute(select(Region).where(Region.code == "330783111")).scalar_one()
        wuning = db.session.execute(select(Region).where(Region.code == "330783001")).scalar_one()
        assert competent_back_office("civil_affairs", hengdian).name == "东阳市民政局南部民政服务站"
        assert competent_back_office("civil_affairs", wuning).name == "东阳市民政局"
        imported = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "directory.imported"))
            .scalars()
            .all()
        )
        assert imported[-1].summary["source"] == "organisations.csv"


def test_reimporting_the_demo_directory_updates_and_creates_nothing(app: Flask) -> None:
    before = counts(app)
    result = app.test_cli_runner().invoke(args=["import-directory", "catalog/directory.yaml"])
    assert result.exit_code == 0, result.output
    assert f"users: 0 created, {before[2]} updated" in result.output
    assert counts(app) == before


def test_bad_responsibility_list_reports_every_line_and_imports_nothing(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "list.yaml"
    source.write_text(
        "responsibilities:\n"
        "  - {code: SP-900, matter: 测试事项, category: 审批服务, lead_department_type: civil_affairs, township_duty: 入户调查}\n"
        "  - {code: bad, matter: 坏编码, category: 审批服务, lead_department_type: civil_affairs, township_duty: 无}\n"
        "  - {code: SP-901, matter: 坏类别, category: 其他, lead_department_type: civil_affairs, township_duty: 无}\n"
        "  - {code: SP-902, matter: '', category: 社会管理, lead_department_type: Civil, township_duty: 无, cooperating_office_type: nowhere}\n",
        encoding="utf-8",
    )
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(ResponsibilityItem)).scalar_one()
    result = app.test_cli_runner().invoke(args=["import-responsibilities", str(source)])
    assert result.exit_code == 1
    assert "line 3: code 须形如 SP-001" in result.output
    assert "line 4: category 须为 审批服务 / 行政执法 / 社会管理" in result.output
    assert "line 5: 缺少 matter" in result.output
    assert "lead_department_type 须为小写英文标识" in result.output
    assert "cooperating_office_type 须为" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ResponsibilityItem)).scalar_one() == before


def test_responsibility_list_is_readable_over_the_api(client) -> None:
    listed = client.get("/api/v1/responsibilities?category=行政执法", "cooperator")
    assert listed.status_code == 200
    assert {item["category"] for item in listed.json} == {"行政执法"}
    assert len(listed.json) == 8
    one = client.get("/api/v1/responsibilities/SP-002", "cooperator").json
    assert one["matter"] == "最低生活保障审核确认"
    assert client.get("/api/v1/responsibilities/SP-999", "cooperator").status_code == 404
