"""The 电子监察 feed: every step of a case as the provincial exchange tables shape it, exported by
``flask export-supervision`` after a cursor, each record once."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.support.clock import ClockedApi
from tests.support.steps import ACCEPT, PICKUP, only_task
from workflow_service.extensions import db
from workflow_service.models import SupervisionRecord

OPINION = "经现场核查，经营场所与申报一致，准予登记"


def last_record_id(app: Flask) -> int:
    """The cursor before the test: the PostgreSQL app is shared, earlier tests' records are not ours."""
    with app.app_context():
        return db.session.execute(select(func.coalesce(func.max(SupervisionRecord.id), 0))).scalar_one()


def export(app: Flask, out: Path, *args: str, fmt: str = "json") -> tuple[int, dict[str, Any]]:
    """Run the command; the cursor it printed and, by table, its JSON document (or its CSV file)."""
    result = app.test_cli_runner().invoke(
        args=["export-supervision", *args, "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    cursor = int(result.output.strip().splitlines()[-1].removeprefix("cursor="))
    lines = result.output.splitlines()
    written = [Path(line.removeprefix("wrote ")) for line in lines if line.startswith("wrote ")]
    if fmt == "csv":
        return cursor, {path.name.rsplit("-", 2)[0]: path for path in written}
    documents: dict[str, Any] = {}
    for path in written:
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["table"]] = document
    return cursor, documents


def complete(desk: ClockedApi, number: str, name: str, user: str, data: dict[str, Any], day: str) -> str:
    desk.move_to(day)
    task = only_task(desk.api, number, name, user)
    response = desk.api.complete(task["id"], user, data)
    assert response.status_code == 200, response.json
    return task["id"]


def records(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A table's records without their ids, once the ids are checked to grow (the PostgreSQL
    sequence is shared with other tests, so the numbers themselves are not ours to know)."""
    ids = [record["record_id"] for record in document["records"]]
    assert ids == sorted(set(ids)), ids
    return [
        {key: value for key, value in record.items() if key != "record_id"} for record in document["records"]
    ]


WINDOW = ("吴宁街道便民服务中心", "330783001-bmfwzx")
STATION = ("东阳市市场监督管理局吴宁市场监管所", "330783-scjgj-wuning")
CLERK = "吴宁街道窗口 陈晓燕"
APPROVER = "吴宁市场监管所审批员 王建国"
ITEM = "individual_business_registration"


def step(
    number: str,
    key: str,
    name: str,
    kind: str,
    state: str,
    handler: str | None,
    unit: tuple[str, str],
    opinion: str | None,
    limit: int | None,
    result: str | None,
    started: str,
    handled: str | None,
) -> dict[str, Any]:
    """A step record as the exchange table has it, times in UTC (10:00 in Shanghai is 02:00)."""
    return {
        "case_number": number,
        "item_code": ITEM,
        "step_key": key,
        "step_name": name,
        "step_type": kind,
        "handling_state": state,
        "handler": handler,
        "handling_unit": unit[0],
        "handling_unit_code": unit[1],
        "opinion": opinion,
        "promised_limit": limit,
        "promised_limit_unit": "工作日" if limit is not None else None,
        "step_result": result,
        "started_at": started,
        "handled_at": handled,
    }


def test_a_full_case_is_exported_field_by_field(app: Flask, tmp_path: Path) -> None:
    since = last_record_id(app)
    desk = ClockedApi(app, "2026-11-23", hour=9)
    number = desk.api.start_case()
    acceptance = complete(desk, number, "受理", "clerk", ACCEPT, "2026-11-23")
    review = only_task(desk.api, number, "审核", "approver")["id"]
    desk.move_to("2026-11-24")
    started = desk.api.post(
        f"/api/v1/cases/{number}/suspend",
        "approver",
        json={"kind": "inspection", "reason": "经营场所需现场核查", "expected_days": 2},
    )
    assert started.status_code == 200, started.json
    desk.move_to("2026-11-26")
    ended = desk.api.post(f"/api/v1/cases/{number}/resume", "approver", json={"result": "经营场所与申报一致"})
    assert ended.status_code == 200, ended.json
    assert desk.api.post(f"/api/v1/tasks/{review}/claim", "approver").status_code == 200
    decision = {"review_decision": "approve", "review_opinion": OPINION}
    complete(desk, number, "审核", "approver", decision, "2026-11-27")
    issuance = complete(desk, number, "出件", "clerk", PICKUP, "2026-11-30")

    cursor, tables = export(app, tmp_path, "--since", str(since))

    assert set(tables) == {"step", "special_procedure", "completion"}
    procedure = f"{number}-特别程序-20261124020000"
    assert records(tables["step"]) == [
        step(number, f"{number}-申请", "申请", "开始", "已办", CLERK, WINDOW, None, None, None,
             "2026-11-23T01:00:00+00:00", "2026-11-23T01:00:00+00:00"),
        # 受理 within the item's 受理时限 (5 working days), then the case's 承诺时限 (3).
        step(number, acceptance, "受理", "中间", "待办", None, WINDOW, None, 5, None,
             "2026-11-23T01:00:00+00:00", None),
        step(number, acceptance, "受理", "中间", "已办", CLERK, WINDOW, None, 5, "受理",
             "2026-11-23T01:00:00+00:00", "2026-11-23T02:00:00+00:00"),
        step(number, review, "审核", "中间", "待办", None, STATION, None, 3, None,
             "2026-11-23T02:00:00+00:00", None),
        step(number, procedure, "特别程序（现场核查）", "中间", "已办", APPROVER, STATION, "经营场所需现场核查", 2,
             "特别程序", "2026-11-24T02:00:00+00:00", "2026-11-24T02:00:00+00:00"),
        step(number, review, "审核", "中间", "已办", APPROVER, STATION, OPINION, 3, "同意",
             "2026-11-23T02:00:00+00:00", "2026-11-27T02:00:00+00:00"),
        step(number, issuance, "出件", "中间", "待办", None, WINDOW, None, 3, None,
             "2026-11-27T02:00:00+00:00", None),
        step(number, issuance, "出件", "结束", "已办", CLERK, WINDOW, None, 3, None,
             "2026-11-27T02:00:00+00:00", "2026-11-30T02:00:00+00:00"),
    ]  # fmt: skip
    started_procedure = {
        "case_number": number,
        "item_code": ITEM,
        "procedure_key": procedure,
        "procedure_kind": "现场核查",
        "procedure_kind_code": "inspection",
        "started_at": "2026-11-24T02:00:00+00:00",
        "reason": "经营场所需现场核查",
        "limit_days": 2,
        "handler": APPROVER,
        "handling_unit": STATION[0],
        "ended_at": None,
        "result": None,
        "applicant_told_at": None,
    }
    assert records(tables["special_procedure"]) == [
        started_procedure,
        {
            **started_procedure,
            "ended_at": "2026-11-26T02:00:00+00:00",
            "result": "经营场所与申报一致",
            "applicant_told_at": "2026-11-26T02:00:00+00:00",  # told as it ended, no other time given
        },
    ]
    assert records(tables["completion"]) == [
        {
            "case_number": number,
            "item_code": ITEM,
            "result_code": "granted",
            "result_name": "准予",
            "reason": OPINION,
            "handling_unit": STATION[0],
            "handler": APPROVER,
            "completed_at": "2026-11-27T02:00:00+00:00",
            # 承诺 3 working days from Monday's 受理, two more for the 现场核查; 法定 20.
            "promised_due_date": "2026-11-30",
            "legal_due_date": "2026-12-16",
        }
    ]
    # The step table in its exchange terms, then the stable keys.
    columns = tables["step"]["columns"]
    assert [column["name"] for column in columns][:8] == [
        "记录编号", "办件编号", "事项编码", "环节编号", "环节名称", "环节类型", "办理状态", "处理人",
    ]  # fmt: skip
    assert columns[4] == {"key": "step_name", "name": "环节名称"}
    all_ids = [r["record_id"] for table in tables.values() for r in table["records"]]
    assert cursor == max(all_ids) and len(all_ids) == len(set(all_ids)) == 11


def test_each_export_carries_only_the_records_after_the_last(app: Flask, tmp_path: Path) -> None:
    since = last_record_id(app)
    desk = ClockedApi(app, "2026-11-23")
    number = desk.api.start_case()
    first, tables = export(app, tmp_path / "one", "--since", str(since))
    assert [r["step_name"] for r in records(tables["step"])] == ["申请", "受理"]

    acceptance = complete(desk, number, "受理", "clerk", ACCEPT, "2026-11-24")
    second, tables = export(app, tmp_path / "two", "--from-last")
    # Only the new step: 受理 done, 审核 waiting; nothing of the registration again.
    assert [(r["step_key"], r["step_name"], r["handling_state"]) for r in records(tables["step"])] == [
        (acceptance, "受理", "已办"),
        (only_task(desk.api, number, "审核", "approver")["id"], "审核", "待办"),
    ]
    assert set(tables) == {"step"}
    assert min(r["record_id"] for r in tables["step"]["records"]) > first
    assert second == max(r["record_id"] for r in tables["step"]["records"])

    third, tables = export(app, tmp_path / "three", "--from-last")
    assert (third, tables) == (second, {})  # nothing new: no files, the cursor stays
    result = app.test_cli_runner().invoke(args=["export-supervision", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--from-last" in result.output


def test_a_refused_case_ends_at_acceptance_with_its_completion(app: Flask, tmp_path: Path) -> None:
    since = last_record_id(app)
    desk = ClockedApi(app, "2026-11-23")
    number = desk.api.start_case()
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "经营场所不在本辖区内"}
    acceptance = complete(desk, number, "受理", "clerk", refusal, "2026-11-23")

    _cursor, tables = export(app, tmp_path, "--since", str(since))
    *_, done = records(tables["step"])
    assert done == step(number, acceptance, "受理", "结束", "已办", CLERK, WINDOW, "经营场所不在本辖区内", 5,
                        "不予受理", "2026-11-23T02:00:00+00:00", "2026-11-23T02:00:00+00:00")  # fmt: skip
    (completion,) = records(tables["completion"])
    assert (completion["result_code"], completion["result_name"], completion["reason"]) == (
        "not_accepted",
        "不予受理",
        "经营场所不在本辖区内",
    )
    assert completion["completed_at"] == "2026-11-23T02:00:00+00:00"


def test_a_supplement_round_is_told_as_补齐补正_then_受理(app: Flask, tmp_path: Path) -> None:
    since = last_record_id(app)
    desk = ClockedApi(app, "2026-11-23")
    number = desk.api.start_case()
    ask = {"acceptance_decision": "supplement", "missing_materials": ["经营者身份证明"]}
    complete(desk, number, "受理", "clerk", ask, "2026-11-23")
    complete(desk, number, "补正材料收取", "clerk", {"supplement_receipt_note": "已送来"}, "2026-11-25")
    complete(desk, number, "受理", "clerk", ACCEPT, "2026-11-25")

    _cursor, path = export(app, tmp_path, "--since", str(since), fmt="csv")
    with path["step-records"].open(encoding="utf-8-sig", newline="") as table:
        terms, keys, *rows = list(csv.reader(table))
    assert terms[4:7] == ["环节名称", "环节类型", "办理状态"] and terms[13] == "环节处理结果"
    assert keys[4:7] == ["step_name", "step_type", "handling_state"] and keys[13] == "step_result"
    done = [(row[4], row[13]) for row in rows if row[6] == "已办"]
    assert done == [("申请", ""), ("受理", "补齐补正"), ("补正材料收取", ""), ("受理", "受理")]
    assert set(path) == {"step-records"}  # no 办结 yet


def test_a_case_withdrawn_in_a_special_procedure_ends_both(app: Flask, tmp_path: Path) -> None:
    desk = ClockedApi(app, "2026-11-23")
    number = desk.api.start_case()
    complete(desk, number, "受理", "clerk", ACCEPT, "2026-11-23")
    body = {"kind": "expert_review", "reason": "需专家评审", "expected_days": 5}
    assert desk.api.post(f"/api/v1/cases/{number}/suspend", "approver", json=body).status_code == 200
    since = last_record_id(app)
    desk.move_to("2026-11-25")
    withdrawn = desk.api.post(f"/api/v1/cases/{number}/withdraw", "clerk", json={"reason": "申请人不再办理"})
    assert withdrawn.status_code == 200, withdrawn.json

    _cursor, tables = export(app, tmp_path, "--since", str(since))
    (procedure,) = records(tables["special_procedure"])
    assert (procedure["procedure_kind"], procedure["ended_at"], procedure["result"]) == (
        "专家评审",
        "2026-11-25T02:00:00+00:00",
        "办件撤回",
    )
    (completion,) = records(tables["completion"])
    assert (completion["result_code"], completion["result_name"], completion["reason"]) == (
        "withdrawn",
        "撤回",
        "申请人不再办理",
    )
    assert completion["handling_unit"] is None  # nobody decided a withdrawal


def test_a_review_sending_the_case_back_is_退回_with_its_note(app: Flask, tmp_path: Path) -> None:
    desk = ClockedApi(app, "2026-11-23")
    number = desk.api.start_case()
    complete(desk, number, "受理", "clerk", ACCEPT, "2026-11-23")
    since = last_record_id(app)
    review = only_task(desk.api, number, "审核", "approver")["id"]
    assert desk.api.post(f"/api/v1/tasks/{review}/claim", "approver").status_code == 200
    back = {
        "review_decision": "return_for_supplement",
        "missing_materials": ["经营者身份证明"],
        "supplement_note": "身份证明已过有效期",
    }
    complete(desk, number, "审核", "approver", back, "2026-11-24")

    _cursor, tables = export(app, tmp_path, "--since", str(since))
    done = [r for r in records(tables["step"]) if r["handling_state"] == "已办"]
    assert [(r["step_key"], r["step_result"], r["opinion"], r["handler"]) for r in done] == [
        (review, "退回", "身份证明已过有效期", APPROVER)
    ]
