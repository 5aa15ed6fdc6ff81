"""Moves the 最低生活保障申请 tests make: the application and each step over the API, on a moved clock."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from stdnum.cn import ric

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.steps import ACCEPT, complete_only_task
from workflow_service.extensions import db
from workflow_service.models import Job, JobKind

SERVICE = "minimum_living_allowance"
APPLICANT = {"kind": "person", "name": "王建华", "id_number": "330783199001010021", "phone": "13905790001"}
APPLICATION: dict[str, Any] = {
    "applicant_name": "王建华",
    "applicant_id_number": "330783199001010021",
    "applicant_phone": "13905790001",
    "household_address": "东阳市吴宁街道西街社区12号",
    "village": "西街社区",
    "household_members": [
        {
            "member_name": "王建华",
            "member_id_number": "330783199001010021",
            "relation": "self",
            "health": "serious_illness",
            "work_ability": "lost",
            "monthly_income_yuan": 0,
        },
        {
            "member_name": "李秀英",
            "member_id_number": "330783199212120044",
            "relation": "spouse",
            "health": "healthy",
            "work_ability": "able",
            "monthly_income_yuan": 1200,
        },
        {"member_name": "王小明", "member_id_number": "330783201506050037", "relation": "child"},
    ],
    "household_monthly_income_yuan": 1200,
    "income_sources": "配偶打零工收入",
    "assets_declaration": "自住房一套，无车辆，存款不足五千元",
    "application_reason": "本人患尿毒症长期透析，丧失劳动能力，家庭收入低于当地低保标准。",
    "verification_authorised": True,
}
VISIT = {
    "visit_date": "2026-12-03",
    "investigators": "林芳、陈刚",
    "verified_per_capita_income_yuan": 400,
    "visit_finding": "eligible",
    "visit_opinion": "家庭人均收入低于低保标准，财产状况符合规定，建议纳入。",
}
DECISION = {
    "allowance_decision": "approve",
    "publicity_result": "no_objection",
    "monthly_allowance_yuan": 2100,
    "effective_month": "2026-12",
    "review_opinion": "经审核，符合最低生活保障条件，准予纳入。",
}
# Registered on Tuesday 1 December 2026 at 9:30 in Shanghai, accepted at 10:00, visited two days later.
REGISTERED_AT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
ACCEPTED_AT = REGISTERED_AT + timedelta(minutes=30)
VISITED_AT = ACCEPTED_AT + timedelta(days=2)


def application(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(APPLICATION), **changes}


def household(serial: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Another household's applicant and application: one open 低保 case per applicant is the rule."""
    if serial == 0:
        return APPLICANT, application()
    base = f"33078319950615{serial:03d}"
    id_number = base + ric.calc_check_digit(base + "0")
    name = f"王{serial}号"
    data = application(applicant_name=name, applicant_id_number=id_number)
    data["household_members"] = [{"member_name": name, "member_id_number": id_number, "relation": "self"}]
    return {**APPLICANT, "name": name, "id_number": id_number}, data


def start_case(api: ApiClient, data: dict[str, Any] | None = None, serial: int = 0) -> Any:
    applicant, default_data = household(serial)
    return api.post(
        "/api/v1/cases",
        "clerk",
        json={"service_code": SERVICE, "applicant": applicant, "data": data or default_data},
    )


def register_and_visit(clock: ClockedApi, finding: str = "eligible", serial: int = 0) -> str:
    """Register a case (of household ``serial``), accept it and do the household visit."""
    response = start_case(clock.api, serial=serial)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    complete_only_task(clock.move_to(ACCEPTED_AT), number, "clerk", ACCEPT)
    visit = clock.api.open_task(number, "supervisor")
    assert (visit["name"], visit["lane"]) == ("入户调查", "township")
    assert visit["organisation"]["name"] == "吴宁街道党政综合办公室"
    assert [task["name"] for task in clock.api.inbox("cooperator")] == ["入户调查"]
    complete_only_task(clock.move_to(VISITED_AT), number, "cooperator", {**VISIT, "visit_finding": finding})
    return number


def visited_households(clock: ClockedApi, count: int) -> list[str]:
    """``count`` households' cases, each registered, accepted and visited on the same days."""
    numbers = []
    for serial in range(count):
        numbers.append(register_and_visit(clock, serial=serial))
        clock.move_to(REGISTERED_AT)
    return numbers


def timer_jobs(app: Flask) -> list[Job]:
    with app.app_context():
        jobs = (
            db.session.execute(select(Job).where(Job.kind == JobKind.TIMER).order_by(Job.id)).scalars().all()
        )
        db.session.expunge_all()
        return list(jobs)


PUBLICITY = "民主评议公示（7天）"


def publicity_jobs(app: Flask) -> list[Job]:
    """The timer jobs of the 7-day publicity (审核确认's overdue timer aside)."""
    return [job for job in timer_jobs(app) if job.payload["name"] == PUBLICITY]
