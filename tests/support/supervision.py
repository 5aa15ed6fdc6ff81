"""A hand-built set of supervised cases with known outcomes, for the dashboard and case list tests.

Eight 个体工商户设立登记 cases (promised limit 3 working days, legal 15), each moved through the real
steps on the service clock, then read on Wednesday 2 December 2026:

=====  ==========  ========  =========  ============================================  ==============
case   registered  accepted  decided    how                                           outcome
=====  ==========  ========  =========  ============================================  ==============
A      11-23       11-23     11-25      吴宁 window, 吴宁 station; 满意                 on time, 2 wd
B      11-23       11-23     12-01      吴宁; 非常不满意 (open rectification)            late, 6 wd
C      11-23       11-24     11-26      补正 twice before acceptance                   on time, 2 wd
D      11-23       11-23     11-24      accepted at 横店 for a 吴宁 matter (同城通办)     on time, 1 wd
E      11-23       11-23     11-27      reassigned to the county bureau (not local)   late, 4 wd
F      11-30       11-30     —          under review, due 12-03                       due soon
G      11-24       11-24     —          under review, due 11-27                       overdue
H      12-01       12-01     —          横店 window and matter                         on time
=====  ==========  ========  =========  ============================================  ==============
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.steps import ACCEPT, APPROVE, MAIL, only_task

WUNING, HENGDIAN = "330783001", "330783111"
BAD = {"rating": "very_dissatisfied", "comment": "审核时间长，电话无人接听"}


class Cases:
    """The API on a moving clock, with the moves the table above needs."""

    def __init__(self, app: Flask) -> None:
        self.clocked = ClockedApi(app, "2026-11-23")

    def on(self, day: str) -> ApiClient:
        return self.clocked.move_to(day)

    def register(self, day: str, clerk: str = "clerk", township: str = WUNING) -> str:
        return self.on(day).start_case(clerk, matter_township=township)

    def complete(self, day: str, number: str, user: str, data: dict[str, Any], name: str) -> None:
        api = self.on(day)
        task = only_task(api, number, name, "supervisor")
        response = api.complete(task["id"], user, data)
        assert response.status_code == 200, response.json

    def accepted(self, day: str, clerk: str = "clerk", township: str = WUNING) -> str:
        number = self.register(day, clerk, township)
        self.complete(day, number, clerk, ACCEPT, "受理")
        return number

    def decide(self, day: str, number: str, approver: str = "approver") -> None:
        self.complete(day, number, approver, APPROVE, "审核")

    def issue(self, day: str, number: str) -> None:
        self.complete(day, number, "clerk", MAIL, "出件")


def build(app: Flask) -> dict[str, str]:
    cases = Cases(app)
    numbers: dict[str, str] = {}
    numbers["A"] = cases.accepted("2026-11-23")
    cases.decide("2026-11-25", numbers["A"])
    cases.issue("2026-11-25", numbers["A"])
    api = cases.on("2026-11-25")
    evaluated = api.post(f"/api/v1/cases/{numbers['A']}/evaluation", "clerk", json={"rating": "satisfied"})
    assert evaluated.status_code == 201, evaluated.json

    numbers["B"] = cases.accepted("2026-11-23")
    cases.decide("2026-12-01", numbers["B"])
    cases.issue("2026-12-01", numbers["B"])
    evaluated = cases.on("2026-12-01").post(f"/api/v1/cases/{numbers['B']}/evaluation", "clerk", json=BAD)
    assert evaluated.status_code == 201, evaluated.json

    numbers["C"] = cases.register("2026-11-23")
    for _ in range(2):
        supplement = {"acceptance_decision": "supplement", "missing_materials": ["经营场所使用证明"]}
        cases.complete("2026-11-23", numbers["C"], "clerk", supplement, "受理")
        receipt = {"supplement_receipt_note": "申请人已送来补正材料"}
        cases.complete("2026-11-23", numbers["C"], "clerk", receipt, "补正材料收取")
    cases.complete("2026-11-24", numbers["C"], "clerk", ACCEPT, "受理")
    cases.decide("2026-11-26", numbers["C"])

    numbers["D"] = cases.accepted("2026-11-23", clerk="clerk-hengdian")
    cases.decide("2026-11-24", numbers["D"])

    numbers["E"] = cases.accepted("2026-11-23")
    api = cases.on("2026-11-23")
    review = only_task(api, numbers["E"], "审核", "supervisor")
    moved = api.post(
        f"/api/v1/tasks/{review['id']}/reassign",
        "supervisor",
        json={"organisation": "330783-scjgj", "reason": "涉及跨所经营范围，由市局审核"},
    )
    assert moved.status_code == 200, moved.json
    cases.decide("2026-11-27", numbers["E"], "approver-county")

    numbers["F"] = cases.accepted("2026-11-30")
    numbers["G"] = cases.accepted("2026-11-24")
    numbers["H"] = cases.accepted("2026-12-01", clerk="clerk-hengdian", township=HENGDIAN)
    cases.on("2026-12-02")
    return numbers
