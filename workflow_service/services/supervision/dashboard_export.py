"""The dashboard's figures as an XLSX workbook: one sheet per table the page draws."""

from __future__ import annotations

from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.supervision.case_list import FUNCTION_TYPE_LABELS, workbook_bytes
from workflow_service.services.supervision.dashboard import Dashboard

RATING_LABELS = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}


def dashboard_workbook(figures: Dashboard) -> bytes:
    from openpyxl import Workbook  # ~20 MiB: loaded by the first export, not by every worker

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("概况")
    timeliness, supplements = figures.timeliness, figures.supplements
    for row in (
        ("统计期间", f"{figures.date_from} 至 {figures.date_to}"),
        ("办件总数", figures.total),
        ("办结（准予/不予）", timeliness.decided),
        ("承诺时限内办结率", timeliness.promised_rate),
        ("法定时限内办结率", timeliness.legal_rate),
        ("受理至办结平均工作日", timeliness.average_working_days),
        ("受理至办结工作日（90%分位）", timeliness.p90_working_days),
        ("补正办件数", supplements.cases),
        ("补正率", supplements.rate),
        ("补正通知数", supplements.notices),
        ("多次补正办件数", supplements.repeated),
        ("乡镇内办结数", figures.local_resolution.local),
        ("乡镇内办结占比", figures.local_resolution.share),
        ("本乡镇受理", figures.acceptance.same_township),
        ("同城通办", figures.acceptance.same_city),
        ("异地可办", figures.acceptance.cross_region),
        ("评价总数", figures.evaluations.total),
        ("未完成差评整改", figures.evaluations.open_rectifications),
        ("督办发出", figures.urging.issued),
        ("督办已回复", figures.urging.answered),
        ("督办逾期回复", figures.urging.answered_late),
        ("督办待回复", figures.urging.open),
        ("督办逾期未回复", figures.urging.late),
        ("当前超期", len(figures.overdue)),
        ("即将到期", len(figures.due_soon)),
    ):
        summary.append(list(row))
    status = workbook.create_sheet("按状态")
    status.append(["状态", "办件数"])
    for code, total in figures.by_status.items():
        status.append([STATUS_LABELS.get(code, code), total])  # type: ignore[call-overload]
    for title, counts in (("按事项", figures.by_service), ("按乡镇", figures.by_township)):
        sheet = workbook.create_sheet(title)
        sheet.append(["编码", "名称", "办件数", "当前超期", "乡镇功能类型"])
        for count in counts:
            kind = FUNCTION_TYPE_LABELS.get(count.function_type or "", "")
            sheet.append([count.code, count.name, count.count, count.overdue, kind])
    department = workbook.create_sheet("按承办单位")
    department.append(["编码", "名称", "办件数", "当前超期"])
    for count in figures.by_department:
        department.append([count.code, count.name, count.count, count.overdue])
    kinds = workbook.create_sheet("按乡镇功能类型")
    kinds.append(["乡镇功能类型", "办件数"])
    for code, total in figures.by_function_type.items():
        kinds.append([FUNCTION_TYPE_LABELS.get(code, code), total])
    ratings = workbook.create_sheet("好差评")
    ratings.append(["评价", "件数"])
    for code, total in figures.evaluations.by_rating.items():
        ratings.append([RATING_LABELS.get(code, code), total])
    late = workbook.create_sheet("超期与即将到期")
    late.append(["办件编号", "事项", "乡镇", "承办单位", "办结期限", "到期状态"])
    for due in [*figures.overdue, *figures.due_soon]:
        case = due.case
        organisation = case.competent_organisation.name if case.competent_organisation else ""
        state = "超期" if due.due_state == "overdue" else "即将到期"
        late.append(
            [case.number, case.service_item.name, case.matter_region.name, organisation, case.due_date, state]
        )
    daily = workbook.create_sheet("每日登记量")
    daily.append(["日期", "登记数"])
    for day, total in figures.daily:
        daily.append([day, total])
    return workbook_bytes(workbook)
