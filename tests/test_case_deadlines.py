"""A case's deadline clock over the API, on real dates: acceptance starts it, tasks follow it,
yellow and red against the injected clock, and 2027 (unknown to the package) until its table is entered."""

from __future__ import annotations

from flask import Flask

from tests.support.clock import ClockedApi
from tests.support.steps import accepted

ITEM = "/api/v1/services/individual_business_registration"


def states(desk: ClockedApi, number: str) -> tuple[str | None, str | None]:
    """The case's colour and its review task's, as the approver sees them."""
    case = desk.api.case(number, "approver")
    return case["due_state"], desk.review_task(number)["due_state"]


def test_accepted_on_the_friday_before_national_day_with_three_working_days(app: Flask) -> None:
    # 2026-09-25 is a Friday and itself a holiday (中秋节); the acceptance day is not counted anyway.
    desk = ClockedApi(app, "2026-09-25")
    number = accepted(desk.api)
    case = desk.api.case(number)
    assert case["due_date"] == "2026-09-30"
    assert case["clock"]["started_on"] == "2026-09-25"
    assert case["clock"]["limit"] == {"amount": 3, "unit": "working_day", "instant": False}
    review = desk.review_task(number)
    assert review["due_date"] == "2026-09-30"
    assert desk.api.inbox("approver")[0]["due_state"] == "normal"

    desk.move_to("2026-09-28")  # two working days left
    assert states(desk, number) == ("normal", "normal")
    desk.move_to("2026-09-29")  # one working day left
    assert states(desk, number) == ("yellow", "yellow")
    desk.move_to("2026-09-30", hour=17)  # the last day
    assert states(desk, number) == ("yellow", "yellow")
    desk.move_to("2026-10-08")  # the day after the holiday week
    assert states(desk, number) == ("red", "red")
    assert desk.api.inbox("approver")[0]["due_state"] == "red"


def test_a_make_up_saturday_counts_as_a_working_day(app: Flask) -> None:
    desk = ClockedApi(app, "2026-09-30")
    number = accepted(desk.api)
    # 10-08 (Thu), 10-09 (Fri), 10-10 (Saturday, 国庆节调休上班).
    assert desk.api.case(number)["due_date"] == "2026-10-10"
    assert desk.review_task(number)["due_date"] == "2026-10-10"
    desk.move_to("2026-10-09")
    assert states(desk, number) == ("yellow", "yellow")
    desk.move_to("2026-10-11")
    assert states(desk, number) == ("red", "red")


def test_before_acceptance_the_window_has_the_items_acceptance_limit(app: Flask) -> None:
    # 行政许可法 Art. 32: 受理, 补正告知 or 不予受理 within five (working) days of the application.
    desk = ClockedApi(app, "2026-11-25")  # a Wednesday
    number = desk.api.start_case()
    case = desk.api.case(number)
    assert (case["due_date"], case["due_state"], case["clock"]["started_on"]) == (None, None, None)
    acceptance = desk.api.open_task(number)
    assert (acceptance["due_date"], acceptance["due_state"]) == ("2026-12-02", "normal")
    assert desk.api.inbox("clerk")[0]["due_state"] == "normal"
    desk.move_to("2026-12-01")  # one working day left: the item's warning_days
    assert desk.api.open_task(number)["due_state"] == "yellow"
    desk.move_to("2026-12-03")
    assert desk.api.open_task(number)["due_state"] == "red"


def test_the_acceptance_limit_is_the_items_and_a_same_day_item_is_due_the_day_it_arrives(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    changed = desk.patch(ITEM, "analyst", {"acceptance_limit_days": 2})
    assert changed.status_code == 200, changed.json
    assert changed.json["acceptance_limit_days"] == 2
    assert desk.api.open_task(desk.api.start_case())["due_date"] == "2026-11-27"
    changed = desk.patch(ITEM, "analyst", {"instant": True, "promised_limit_days": 0})
    assert changed.status_code == 200, changed.json
    acceptance = desk.api.open_task(desk.api.start_case())
    assert (acceptance["due_date"], acceptance["due_state"]) == ("2026-11-25", "yellow")
    refused = desk.patch(ITEM, "analyst", {"acceptance_limit_days": -1})
    assert refused.status_code == 422 and "acceptance_limit_days" in refused.json["errors"], refused.json


def test_an_item_promising_zero_days_is_due_the_day_it_is_accepted(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    changed = desk.patch(ITEM, "analyst", {"promised_limit_days": 0})
    assert changed.status_code == 200, changed.json
    number = accepted(desk.api)
    assert desk.api.case(number)["due_date"] == "2026-11-25"
    assert states(desk, number) == ("yellow", "yellow")


def test_a_decided_case_keeps_its_due_date_and_has_no_colour(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    review = desk.review_task(number)
    decision = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
    assert desk.api.complete(review["id"], "approver", decision).status_code == 200
    desk.move_to("2026-12-10")
    case = desk.api.case(number)
    assert (case["status"]["code"], case["due_date"], case["due_state"]) == ("approved", "2026-11-30", None)
    assert case["clock"]["stopped_on"] == "2026-11-25"
    # The window's 出件 task follows the case's due date, and is late now.
    (issuance,) = case["current_tasks"]
    assert (issuance["name"], issuance["due_date"], issuance["due_state"]) == ("出件", "2026-11-30", "red")


def test_a_case_running_into_2027_counts_monday_to_friday_until_the_2027_table_is_entered(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    assert desk.patch(ITEM, "analyst", {"promised_limit_days": 5}).status_code == 200
    desk.move_to("2026-12-28")
    number = accepted(desk.api)
    # 12-29, 12-30, 12-31, then 2027-01-01 (a Friday: unknown year, so a working day) and 01-04.
    assert desk.api.case(number)["due_date"] == "2027-01-04"
    assert desk.review_task(number)["due_date"] == "2027-01-04"
    desk.move_to("2026-12-31")
    later = accepted(desk.api)
    assert desk.api.case(later)["due_date"] == "2027-01-07"
    desk.move_to("2027-01-01")
    assert states(desk, number) == ("yellow", "yellow")

    entered = desk.put(
        "/api/v1/admin/calendar/2027",
        "admin",
        {
            "source": "测试用：2027 年元旦放假安排",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        },
    )
    assert entered.status_code == 200, entered.json
    assert entered.json["cases_recomputed"] == 2
    case = desk.api.case(number)
    assert case["due_date"] == "2027-01-05"
    assert desk.review_task(number)["due_date"] == "2027-01-05"
    assert states(desk, number) == ("normal", "normal")
    (recomputed,) = [event for event in case["audit"] if event["action"] == "case.due_date_recomputed"]
    assert recomputed["actor"] == "admin"
    assert (recomputed["summary"]["before"], recomputed["summary"]["after"]) == ("2027-01-04", "2027-01-05")
    # 2027-01-04 … 01-08, now that 01-01 is a holiday.
    assert desk.api.case(later)["due_date"] == "2027-01-08"
