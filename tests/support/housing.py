"""Moves the 农村村民住房建设审批 tests make: the householder's application, 受理 and the township's
survey, and the three department reviews."""

from __future__ import annotations

from typing import Any

from tests.support.api import ApiClient
from tests.support.steps import accept, inbox_task, township_task

SERVICE = "rural_housing_construction"
HOUSEHOLDER = {"kind": "person", "name": "陈丽芳", "id_number": "330783199006200043", "phone": "13905791234"}
APPLICATION = {
    "householder_name": "陈丽芳",
    "householder_id_number": "330783199006200043",
    "household_size": 4,
    "village": "吴宁街道西街村",
    "site_location": "西街村后塘自然村，东至村道，南至陈某宅，西至空地，北至水渠",
    "construction_type": "rebuild",
    "land_type": "homestead",
    "site_area_sqm": 110,
    "building_area_sqm": 280,
    "floors": 3,
    "has_other_homestead": False,
}
SURVEY = {
    "site_survey_date": "2026-03-10",
    "site_surveyors": "街道村镇建设办 王力、西街村 陈村委",
    "site_survey_findings": "原址翻建，四至清楚，无权属争议，村级审查和公示无异议",
}
REVIEWS = {
    # (task name, who works it, their organisation, the form)
    "planning": (
        "规划和用地审查",
        "approver-zrzy",
        "东阳市自然资源和规划局城区自然资源和规划所",
        {"planning_review_decision": "agree", "planning_review_opinion": "符合村庄规划，不占用永久基本农田"},
    ),
    "homestead": (
        "宅基地审查",
        "approver-nongye",
        "东阳市农业农村局",
        {"homestead_review_decision": "agree", "homestead_review_opinion": "符合一户一宅，面积未超标准"},
    ),
    "construction": (
        "建设审查",
        "approver-zhujian",
        "东阳市住房和城乡建设局",
        {"construction_review_decision": "agree", "construction_review_opinion": "选用省通用图集，三层"},
    ),
}


def application(**changes: Any) -> dict[str, Any]:
    """The body that registers the householder's application, with ``changes`` (``data=``,
    ``matter_township=`` …)."""
    return {"service_code": SERVICE, "applicant": HOUSEHOLDER, "data": APPLICATION, **changes}


def register(client: ApiClient) -> str:
    return client.register(application())["number"]


def accept_and_survey(client: ApiClient, number: str) -> None:
    """受理 at the window, then the township's 初审及选址踏勘 (responsibility item SP-001)."""
    accept(client, number)
    survey = township_task(client, "cooperator", number, "初审及选址踏勘", "吴宁街道党政综合办公室", "SP-001")
    assert client.complete(survey["id"], "cooperator", SURVEY).status_code == 200


def department_review(client: ApiClient, number: str, which: str, **changes: str) -> None:
    """One of the three parallel reviews (``REVIEWS``), agreeing unless ``changes`` say otherwise."""
    name, user, organisation, form = REVIEWS[which]
    task = inbox_task(client, user, number)
    assert (task["name"], task["lane"], task["role"]) == (name, "department", "approver")
    assert task["organisation"]["name"] == organisation
    assert client.complete(task["id"], user, {**form, **changes}).status_code == 200
