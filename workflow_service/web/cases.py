"""The case page (diagram, status, due date, timeline), its BPMN for the viewer, and the search box."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from workflow_service.models import Case, CaseStatus, Organisation, Role, Task, User
from workflow_service.services.intake.cases import case_diagram
from workflow_service.services.read.cases import case_rows, open_case, view_case
from workflow_service.services.read.tasks import TaskView
from workflow_service.services.review.extensions import may_decide_extension, may_request_extension
from workflow_service.services.review.reassignment import (
    may_reassign,
    may_reassign_task,
    reassignment_targets,
)
from workflow_service.services.review.suspensions import KIND_LABELS
from workflow_service.services.supervision.urging import notices_of_case
from workflow_service.services.work.case_lists import find_cases
from workflow_service.services.work.tasks import may_work
from workflow_service.web.checklist import case_files, fresh_papers, papers
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("case_pages", __name__)


def reassign_choices(open_tasks: list[TaskView]) -> dict[str, list[Organisation]]:
    """For a supervisor: the organisations each open task within their scope may be reassigned to (改派);
    tasks outside it get no form."""
    actor = staff()
    if not may_reassign(actor):
        return {}
    tasks: list[Task] = [view.task for view in open_tasks]
    return {task.id: reassignment_targets(actor, task) for task in tasks if may_reassign_task(actor, task)}


def _supervision_panel(actor: User, case: Case) -> dict[str, Any]:
    """The 督办 panel: the notices with reply and who and when; a supervisor's link to issue one."""
    notices = notices_of_case(case)
    supervisor = actor.has_role(Role.SUPERVISOR) or actor.has_role(Role.ADMIN)
    return {
        "notices": notices,
        "may_issue": supervisor and case.ended_at is None and not any(n.replied_at is None for n in notices),
        "mine": {n.task_id for n in notices if n.replied_at is None and may_work(actor, n.task)},
        "labels": {
            "open": _("待回复"),
            "late": _("逾期未回复"),
            "answered": _("已回复"),
            "answered_late": _("逾期回复"),
        },
    }


def render_case_page(
    number: str,
    status: int = 200,
    upload_errors: dict | None = None,
    reassigning: dict | None = None,
    *,
    opened: bool = False,
) -> tuple[str, int]:
    """The case page: next step (with the 改派 forms of a supervisor), papers to print, diagram,
    materials checklist, record. ``reassigning``: the task id, data and field errors of a refused 改派.
    ``opened``: a person opened the page (not a form answered on it), so the read is audited."""
    view = open_case(staff(), number) if opened else view_case(staff(), number)
    diagram = case_diagram(staff(), number)
    done = request.args.get("done")
    found = papers(view.case, view.licence)
    actor = staff()
    holder = may_request_extension(actor, view.case)
    return render_template(
        "case.html",
        view=view,
        completed=list(diagram.completed),
        current=list(diagram.current),
        registered=bool(request.args.get("registered")),
        done=done,
        papers=found,
        fresh_papers=fresh_papers(found, [step.task for step in view.completed_tasks]) if done else [],
        case_files=case_files(view.case, upload_errors),
        reassign_targets=reassign_choices(view.open_tasks),
        reassigning=reassigning,
        supervision=_supervision_panel(actor, view.case),
        # The time-limit panel's forms: the deciding organ's approver asks for 延期 and starts or ends a
        # special procedure; its head (负责人) decides the 延期.
        time_limit_actions={
            "ask": holder and not any(e.state.value == "requested" for e in view.extensions),
            "start": holder and view.case.status != CaseStatus.SUSPENDED,
            "end": holder and view.case.status == CaseStatus.SUSPENDED,
            "decide": {e.id for e in view.extensions if may_decide_extension(actor, e)},
            "kinds": KIND_LABELS,
        },
    ), status


@blp.get("/cases/<number>")
def case_page(number: str) -> tuple[str, int]:
    """Anyone who may see the case (404 for everyone else, as in the API)."""
    return render_case_page(number, opened=True)


@blp.get("/cases/<number>/diagram.bpmn")
def diagram(number: str) -> Response:
    """The BPMN XML of the process version the case runs on, for the case page's viewer."""
    xml = case_diagram(staff(), number).bpmn_xml
    response = Response(xml, mimetype="application/xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blp.get("/search")
def search() -> str | BaseResponse:
    """One box: case number, applicant name, resident ID / credit code or phone, within scope."""
    query = request.args.get("q", "").strip()
    cases = find_cases(staff(), query)
    if len(cases) == 1 and query.upper() == cases[0].number:
        return redirect(url_for("case_pages.case_page", number=cases[0].number))
    return render_template("search.html", query=query, cases=case_rows(cases))
