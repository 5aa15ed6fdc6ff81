"""Resident IDs and unified social credit codes at intake: each part checked on its own, named when wrong.

The demo counties' residents of every age register (the code table a library ships refuses 东阳市's
330783 before 1989, though IDs issued later carry it whatever the birth year); an unknown region
code is a warning for the clerk, never a refusal.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from flask import Flask

from tests.support.api import SERVICE, ApiClient, case_body
from tests.support.clock import Clock
from tests.support.identity import credit_code, resident_id
from tests.support.pages import Browser, intake_form, page_text
from workflow_service.errors import InvalidInput
from workflow_service.services.directory.identity_numbers import (
    credit_code_check_character,
    resident_id_check_character,
)
from workflow_service.services.intake.applicants import checked_applicant

DIRECTORY = Path(__file__).resolve().parent.parent / "catalog" / "directory.yaml"
DEMO_COUNTIES = [
    region["code"]
    for region in yaml.safe_load(DIRECTORY.read_text(encoding="utf-8"))["regions"]
    if region["level"] == "county"
]
UNKNOWN_REGION = "990783"


def births() -> list[date]:
    """Every year from 1930 to 2020, on a day that moves through the months, and each leap day."""
    days = [date(year, year % 12 + 1, year % 28 + 1) for year in range(1930, 2021)]
    return days + [date(year, 2, 29) for year in range(1932, 2021, 4)]


def test_the_check_characters_are_those_of_the_standards() -> None:
    # Published examples: GB 11643's own, and a real enterprise's code.
    assert resident_id_check_character("11010519491231002") == "X"
    assert resident_id_check_character("33078319500101039") == "X"
    assert credit_code_check_character("91110000600037341") == "L"


@pytest.mark.parametrize("county", DEMO_COUNTIES)
def test_residents_of_every_demo_county_born_1930_to_2020_are_accepted(
    app: Flask, clock: Clock, county: str
) -> None:
    with app.test_request_context():
        for born in births():
            number = resident_id(county, born)
            applicant = checked_applicant({"kind": "person", "name": "张三", "id_number": number})
            assert applicant.id_number == number
            assert applicant.warnings == (), number


def test_the_older_dongyang_resident_of_the_issue_registers_without_warning(
    client: ApiClient, clock: Clock
) -> None:
    body = case_body()
    body["applicant"]["id_number"] = "33078319500101039X"
    body["data"]["operator_id_number"] = "33078319500101039X"
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 201, response.json
    assert response.json["warnings"] == {}
    assert client.case(response.json["number"])["applicant"]["id_number"] == "33078319500101039X"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("3307831950010103", "居民身份证号码应为 18 位，现为 16 位"),
        ("33078319500101039XX", "居民身份证号码应为 18 位，现为 19 位"),
        ("3307831950010103AX", "居民身份证号码前 17 位须为数字，第 18 位为数字或 X"),
        (
            resident_id("330783", date(1950, 1, 1))[:-1] + "1",
            "校验位（第 18 位）与前 17 位不符，请逐位核对号码",
        ),
        ("330783" + "19500230" + "0391", "出生日期（第 7–14 位）19500230 不是有效的日期"),
        (resident_id("330783", date(2026, 11, 24)), "出生日期（第 7–14 位）2026-11-24 晚于今天"),
        (resident_id("330783", date(1899, 12, 31)), "出生日期（第 7–14 位）1899-12-31 早于 1900 年"),
    ],
)
def test_each_refused_part_of_a_resident_id_is_named(
    client: ApiClient, clock: Clock, number: str, message: str
) -> None:
    body = case_body()
    body["applicant"]["id_number"] = number
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert message in response.json["errors"]["applicant.id_number"]
    # The same check, with the same message, in a form field of the process.
    body = case_body()
    body["data"]["operator_id_number"] = number
    answer = client.post("/api/v1/cases", "clerk", json=body).json
    assert message in answer["errors"]["data.operator_id_number"][0]


def test_a_wrong_date_and_a_wrong_check_digit_are_both_named(app: Flask, clock: Clock) -> None:
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        checked_applicant({"name": "张三", "id_number": "330783195013010391"})
    assert refused.value.errors["applicant.id_number"] == [
        "出生日期（第 7–14 位）19501301 不是有效的日期",
        "校验位（第 18 位）与前 17 位不符，请逐位核对号码",
    ]


def test_an_unknown_region_code_registers_with_a_warning_for_the_clerk(
    client: ApiClient, clock: Clock
) -> None:
    number = resident_id(UNKNOWN_REGION, date(1950, 1, 1))
    body = case_body()
    body["applicant"]["id_number"] = number
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 201, response.json
    assert response.json["warnings"] == {
        "applicant.id_number": [
            f"地区码（前 6 位）{UNKNOWN_REGION} 不在行政区划代码表中（可能已调整或新设），请与证件原件核对"
        ]
    }


def demo_credit_codes() -> list[str]:
    # 工商 企业 and 个体工商户, 民政 社会团体, 农业 村级集体经济组织, registered in each demo county.
    return [
        credit_code(f"{kind}{county}MA2D{index:04d}X")
        for county in DEMO_COUNTIES
        for index, kind in enumerate(("91", "92", "51", "N2"))
    ]


def test_credit_codes_of_every_demo_county_are_accepted(app: Flask, clock: Clock) -> None:
    with app.test_request_context():
        for code in [*demo_credit_codes(), "91110000600037341L", credit_code("11100000MB0143912")]:
            applicant = checked_applicant({"kind": "legal_entity", "name": "东阳市某公司", "id_number": code})
            assert applicant.id_number == code and applicant.warnings == (), code


GOOD_CODE = credit_code("91330783MA2D0001X")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (GOOD_CODE[:-1], "统一社会信用代码应为 18 位，现为 17 位"),
        (
            GOOD_CODE[:10] + "O" + GOOD_CODE[11:],
            "统一社会信用代码含不使用的字符 O（只用数字和除 I、O、Z、S、V 外的大写字母）",
        ),
        (credit_code("B1330783MA2D0001X"), "登记管理部门代码（第 1 位）B 不存在"),
        (credit_code("94330783MA2D0001X"), "机构类别代码（第 2 位）4 不是工商登记的机构类别"),
        (credit_code("9133A783MA2D0001X"), "登记管理机关行政区划码（第 3–8 位）33A783 须为 6 位数字"),
        (
            GOOD_CODE[:-1] + ("1" if GOOD_CODE[-1] != "1" else "2"),
            "校验码（第 18 位）与前 17 位不符，请逐位核对代码",
        ),
    ],
)
def test_each_refused_part_of_a_credit_code_is_named(
    client: ApiClient, clock: Clock, code: str, message: str
) -> None:
    body = case_body()
    body["applicant"] = {"kind": "legal_entity", "name": "东阳市吴宁餐饮管理有限公司", "id_number": code}
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.json["errors"]["applicant.id_number"] == [message]


def test_a_credit_code_of_an_unknown_region_is_a_warning(client: ApiClient, clock: Clock) -> None:
    body = case_body()
    code = credit_code(f"91{UNKNOWN_REGION}MA2D0001X")
    body["applicant"] = {"kind": "legal_entity", "name": "东阳市吴宁餐饮管理有限公司", "id_number": code}
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 201, response.json
    assert UNKNOWN_REGION in response.json["warnings"]["applicant.id_number"][0]


def test_the_intake_page_names_the_wrong_part_and_shows_the_region_warning(live_app: Flask) -> None:
    browser = Browser(live_app)
    browser.log_in("clerk")
    intake = f"/services/{SERVICE}/apply"
    browser.get(intake)
    wrong_date = browser.post(intake, intake_form("330783" + "19500230" + "0391"))
    assert wrong_date.status_code == 422
    assert re.search(
        r'id="err-applicant-id_number">出生日期（第 7–14 位）19500230 不是有效的日期', page_text(wrong_date)
    )

    unknown = resident_id(UNKNOWN_REGION, date(1950, 1, 1))
    kept = browser.post(intake, intake_form(unknown, premises=""))  # another field is wrong
    assert kept.status_code == 422
    assert re.search(r'data-testid="id-number-warning">地区码（前 6 位）990783 不在', page_text(kept))

    registered = browser.post(intake, intake_form(unknown))
    assert registered.status_code == 302
    case_page = page_text(browser.get(registered.headers["Location"]))
    assert "登记已完成，但请核对申请人证件：地区码（前 6 位）990783 不在行政区划代码表中" in case_page
