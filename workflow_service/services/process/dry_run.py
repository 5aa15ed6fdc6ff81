"""Try a process before it runs cases: walk it through the real engine and router for one township
with sample data, writing nothing.

The walk starts the workflow with the start form's data, then completes each ready user task with
the data the analyst gave for it, or data built from its form (services.process.sample_data) with
the choice the analyst made at that step (``decisions``: one choice, or one per visit, the last
repeated). When nothing is ready and the workflow waits at a timer, the walk's own clock moves to
the moment it fires. Every task that opens is routed as a case's would be (directory.routing: lane
→ organisation of that township, 条抓块统), on a stand-in of a case that is never stored.

What goes wrong is a finding on the step where it happened, never an error of the request: no
organisation for a lane in that township, data the form refuses, a failing script (the engine's
incident), a status the machine forbids, a workflow waiting for a message, and a walk that has not
ended after ``MAX_STEPS`` engine steps (a loop the choices keep going round).

Nothing is added to the session and nothing is committed: the only statements are reads (the
version or draft, the township, its organisations, the service item, responsibility items).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from workflow_service.engine.definitions import ParsedProcess, parse_process
from workflow_service.engine.runtime import PendingTimer, ProcessRuntime, ReadyTask, StepResult
from workflow_service.errors import InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    CaseStatus,
    OfficeType,
    Organisation,
    OrganisationKind,
    ProcessDefinition,
    ProcessDraft,
    Region,
    RegionLevel,
    Role,
    ServiceItem,
    User,
)
from workflow_service.services.calendar.case_clock import PAUSING, RUNNING
from workflow_service.services.clock import now
from workflow_service.services.directory.responsibilities import responsibility_by_code
from workflow_service.services.directory.routing import (
    KNOWN_LANES,
    RoutingError,
    county_department,
    county_of,
    resolve_lane,
)
from workflow_service.services.process import drafts
from workflow_service.services.process.case_status import (
    STATUS_LABELS,
    case_status_label,
    transition_allowed,
)
from workflow_service.services.process.form_fields import PRE_REVIEW_VARIABLE
from workflow_service.services.process.forms import form_errors
from workflow_service.services.process.progress import process_runtime
from workflow_service.services.process.sample_data import (
    SAMPLE_APPLICANT,
    DecisionField,
    decision_field,
    sample_data,
)

# The channel of the application a walk starts: a walk-in one, at the window.
WALK_IN = "window"
# Engine steps a walk may take before it is stopped as a loop.
MAX_STEPS = 60
# The clock as people read it while a step waits.
CLOCK_LABELS = {"not_started": "未起算", "running": "计时", "paused": "暂停计时", "stopped": "停止计时"}


@dataclass(frozen=True)
class DryRunRequest:
    """The township (region code), the start form's data (None: built from the form), each task's
    data by BPMN id, and the choices at decisions by BPMN id (one per visit, the last repeated)."""

    township: str
    start_data: Mapping[str, Any] | None = None
    task_data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    decisions: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TimerMet:
    bpmn_id: str
    name: str
    fires_at: datetime
    pauses_clock: bool
    # Working on: the walk waited for it and let it fire (else it ran beside an open task).
    fired: bool = False


@dataclass(frozen=True)
class DryRunStep:
    """One step of the walk: the start, a user task (from when it opened to its completion), a timer
    the process waited at, or the end."""

    number: int
    kind: str  # start | task | timer | end
    bpmn_id: str
    name: str
    lane: str | None = None
    organisation: Organisation | None = None
    role: str | None = None
    # The statuses the step entered (the marks reached on the way to it), and the one it waits in.
    statuses_entered: tuple[str, ...] = ()
    status: str | None = None
    status_label: str = ""
    clock: str = "not_started"
    timers: tuple[TimerMet, ...] = ()
    decision: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    findings: tuple[str, ...] = ()

    @property
    def clock_label(self) -> str:
        return CLOCK_LABELS[self.clock]

    @property
    def statuses_entered_labels(self) -> tuple[str, ...]:
        return tuple(STATUS_LABELS[CaseStatus(value)] for value in self.statuses_entered)


@dataclass(frozen=True)
class DryRunReport:
    key: str
    name: str
    version: int | None
    draft_id: int | None
    township: Region
    service_item: ServiceItem | None
    steps: tuple[DryRunStep, ...]
    # The elements passed, in order, and those it stopped at (open tasks, waiting events).
    path: tuple[str, ...]
    current: tuple[str, ...]
    ended: bool
    end_element: str | None
    end_status: str | None
    end_label: str | None
    result_label: str | None
    # Why the walk stopped before an end (an incident, a loop, a message it cannot send), or None.
    stopped: str | None
    # What deploy would refuse in a draft's conventions (lanes, forms, properties), by element.
    definition_problems: dict[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> list[tuple[DryRunStep, str]]:
        return [(step, finding) for step in self.steps for finding in step.findings]


@dataclass(frozen=True)
class _Item:
    department_type: str


@dataclass(frozen=True)
class _StandInCase:
    """What routing reads of a case (directory.routing.RoutedCase), for a case that never exists."""

    accepting_organisation: Organisation
    matter_region: Region
    service_item: _Item


@dataclass(frozen=True)
class _NoRegistrar:
    """The registering organisation a township lacks, for the lanes that do not route to it."""

    name: str = ""
    kind: OrganisationKind = OrganisationKind.SERVICE_CENTRE
    active: bool = False


class _WalkClock:
    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment


def _require_analyst(actor: User) -> None:
    if not actor.has_role(Role.ANALYST):
        raise PermissionDenied("只有流程管理员可以试运行流程")


def _township(code: str) -> Region:
    region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None or region.level != RegionLevel.TOWNSHIP:
        raise InvalidInput("乡镇（街道）有误", errors={"township": [f"没有编码为 {code} 的乡镇（街道）"]})
    return region


def townships() -> list[Region]:
    """Every township and street of the directory, with its county loaded, by code (two statements)."""
    regions = list(
        db.session.execute(select(Region).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code))
        .scalars()
        .all()
    )
    parent_ids = {region.parent_id for region in regions if region.parent_id is not None}
    if parent_ids:
        db.session.execute(select(Region).where(Region.id.in_(parent_ids))).scalars().all()
    return regions


def _township_organisation(township: Region, kind: OrganisationKind, office_type: str | None = None) -> Any:
    query = select(Organisation).where(
        Organisation.region_id == township.id, Organisation.kind == kind, Organisation.active.is_(True)
    )
    if office_type is not None:
        query = query.where(Organisation.office_type == office_type)
    return db.session.execute(query.order_by(Organisation.code).limit(1)).scalar_one_or_none()


def _service_item(key: str) -> ServiceItem | None:
    return db.session.execute(
        select(ServiceItem).where(ServiceItem.process_key == key).order_by(ServiceItem.code).limit(1)
    ).scalar_one_or_none()


class _Walk:
    """The state of one dry run as it goes: the simulated case's status, the steps so far."""

    def __init__(
        self,
        parsed: ParsedProcess,
        forms: Mapping[str, Any],
        request: DryRunRequest,
        township: Region,
        item: ServiceItem | None,
    ) -> None:
        self.parsed = parsed
        self.forms = forms
        self.request = request
        self.township = township
        self.item = item
        self.clock = _WalkClock(now())
        self.runtime = ProcessRuntime(clock=self.clock, limits=process_runtime().limits)
        self.cache_key = "dry-run:" + hashlib.sha256(parsed.spec_json.encode()).hexdigest()
        self.status: CaseStatus | None = None
        self.accepted = False
        self.steps: list[DryRunStep] = []
        self.visits: Counter[str] = Counter()
        self.accepting, self.accepting_problem = self._accepting_organisation()

    # --- routing -----------------------------------------------------------------------------

    def _accepting_organisation(self) -> tuple[Organisation | None, str | None]:
        """Who registers the case: the township's window, its command room, or (a department's own
        proposal) the county department of the item's type."""
        lane = self.parsed.start_lane or "window"
        if lane == "command":
            found = _township_organisation(
                self.township, OrganisationKind.OFFICE, OfficeType.COMMAND_CENTRE.value
            )
            missing = f"{self.township.name}没有综合信息指挥室"
        elif lane == "department":
            if self.item is None:
                return None, "没有事项使用此流程，无法确定立项的县级部门"
            found = county_department(self.item.department_type, county_of(self.township))
            missing = f"{county_of(self.township).name}没有主管部门（{self.item.department_type}）"
        else:
            found = _township_organisation(self.township, OrganisationKind.SERVICE_CENTRE)
            missing = f"{self.township.name}没有便民服务中心（受理窗口）"
        return found, (None if found is not None else missing)

    def route(self, ready: ReadyTask) -> tuple[Organisation | None, str | None, str | None]:
        """The organisation and role a task would reach, or the finding why none."""
        if ready.lane == "window" and self.accepting is None:
            return None, None, self.accepting_problem
        needs_item = (
            ready.lane == "department" and not ready.department_type and not ready.department_type_field
        )
        if needs_item and self.item is None and self.parsed.start_lane != "department":
            return None, None, f"没有事项使用流程 {self.parsed.key}：department 泳道按事项的主管部门类型分派"
        if ready.lane == "department" and self.accepting is None and self.parsed.start_lane == "department":
            return None, None, self.accepting_problem
        # Without a registering organisation only the lanes that never read it are left here.
        accepting: Any = self.accepting or _NoRegistrar()
        stand_in = _StandInCase(
            accepting, self.township, _Item(self.item.department_type if self.item else "")
        )
        try:
            responsibility = (
                responsibility_by_code(ready.responsibility_item) if ready.responsibility_item else None
            )
            assignment = resolve_lane(
                stand_in, ready.lane, responsibility, ready.department_type, ready.department_type_field
            )
        except (RoutingError, NotFound) as error:
            return None, None, f"无法分派（{ready.lane}）：{error.detail}"
        return assignment.organisation, assignment.role.value, None

    def definition_problem(self, bpmn_id: str) -> str | None:
        problem = self.parsed.problems.get(bpmn_id)
        return f"部署时会被拒绝：{problem}" if problem else None

    # --- statuses and clock -------------------------------------------------------------------

    def enter(self, statuses: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
        """Move the simulated case through the statuses reached; the ones entered and a finding."""
        entered: list[str] = []
        for value in statuses:
            target = CaseStatus(value)
            if not transition_allowed(self.status, target, accepted=self.accepted):
                before = STATUS_LABELS[self.status] if self.status else "（开始）"
                return tuple(entered), f"办件状态不能从 {before} 变为 {STATUS_LABELS[target]}"
            if target != self.status:
                entered.append(value)
            self.status = target
            self.accepted = self.accepted or target == CaseStatus.ACCEPTED
        return tuple(entered), None

    def clock_state(self, timers: Sequence[PendingTimer]) -> str:
        if not self.accepted:
            return "not_started"
        if self.status in PAUSING or any(timer.pauses_clock for timer in timers):
            return "paused"
        return "running" if self.status in RUNNING else "stopped"

    def status_fields(self, result_label: str | None = None) -> dict[str, Any]:
        if self.status is None:
            return {"status": None, "status_label": ""}
        return {"status": self.status.value, "status_label": case_status_label(self.status, result_label)}

    # --- data ---------------------------------------------------------------------------------

    def task_input(self, ready: ReadyTask) -> tuple[dict[str, Any], str | None, list[str]]:
        """The data a task is completed with, the choice made, and findings about either."""
        schema = self.forms.get(ready.form_key or "") if ready.form_key else None
        findings: list[str] = []
        if ready.form_key and schema is None:
            findings.append(f"表单 {ready.form_key} 不存在")
        visit = self.visits[ready.bpmn_id]
        self.visits[ready.bpmn_id] += 1
        given = self.request.decisions.get(ready.bpmn_id) or ()
        choices = [given] if isinstance(given, str) else list(given)
        wanted = choices[min(visit, len(choices) - 1)] if choices else None
        fixed: dict[str, Any] = {}
        decision = decision_field(schema)
        chosen_label = None
        if wanted is not None:
            choice = decision.find(wanted) if decision else None
            if decision is None:
                findings.append(f"此环节的表单没有可选的结论，“{wanted}”未使用")
            elif choice is None:
                labels = "、".join(choice.label for choice in decision.choices)
                findings.append(f"{decision.title}没有选项“{wanted}”（可选：{labels}），按缺省选项办理")
            else:
                fixed[decision.name] = choice.value
                chosen_label = choice.label
        supplied = self.request.task_data.get(ready.bpmn_id)
        data = {**dict(supplied), **fixed} if supplied is not None else sample_data(schema, fixed)
        if decision is not None and chosen_label is None and decision.name in data:
            found = decision.find(str(data[decision.name]))
            chosen_label = found.label if found else str(data[decision.name])
        if schema is not None:
            errors = form_errors(schema, data)
            if errors:
                listed = "；".join(
                    f"{name}: {'，'.join(messages)}" for name, messages in sorted(errors.items())
                )
                findings.append(f"数据不符合表单（真实办件会被拒绝）：{listed}")
        return data, chosen_label, findings

    def start_input(self) -> tuple[dict[str, Any], list[str]]:
        key = self.parsed.start_form_key
        schema = self.forms.get(key) if key else None
        given = self.request.start_data
        data = dict(given) if given is not None else sample_data(schema)
        findings = []
        if key and schema is None:
            findings.append(f"表单 {key} 不存在")
        if schema is not None:
            errors = form_errors(schema, data)
            if errors:
                listed = "；".join(
                    f"{name}: {'，'.join(messages)}" for name, messages in sorted(errors.items())
                )
                findings.append(f"申请数据不符合申请表（真实办件会被拒绝）：{listed}")
        return data, findings


def _timers(result: StepResult) -> tuple[TimerMet, ...]:
    """The timers waiting after a step: beside an open task (a boundary timer) or in another branch."""
    return tuple(
        TimerMet(timer.bpmn_id, timer.name, timer.fires_at, timer.pauses_clock) for timer in result.timers
    )


def _walk(
    parsed: ParsedProcess,
    forms: Mapping[str, Any],
    request: DryRunRequest,
    *,
    version: int | None = None,
    draft_id: int | None = None,
) -> DryRunReport:
    township = _township(request.township)
    item = _service_item(parsed.key)
    walk = _Walk(parsed, forms, request, township, item)
    runtime, key, spec = walk.runtime, walk.cache_key, parsed.spec_json

    start_data, findings = walk.start_input()
    start_id = parsed.start_ids[0] if parsed.start_ids else "start"
    if (problem := walk.definition_problem(start_id)) is not None:
        findings.append(problem)
    if walk.accepting_problem:
        findings.append(walk.accepting_problem)
    result = runtime.start(
        key,
        spec,
        {
            **start_data,
            "applicant": SAMPLE_APPLICANT,
            "service_code": item.code if item else None,
            # What registration sets for the process's 预审 branch: the walk is a walk-in application,
            # which waits in 预审 only where the item names the window's channel.
            PRE_REVIEW_VARIABLE: bool(item and WALK_IN in (item.pre_review or ())),
        },
    )
    entered, problem = walk.enter(result.statuses_reached)
    stopped = problem
    if result.incident:
        stopped = f"流程异常：{result.incident}"
    walk.steps.append(
        DryRunStep(
            number=0,
            kind="start",
            bpmn_id=start_id,
            name="提交申请",
            lane=parsed.start_lane or "window",
            organisation=walk.accepting,
            role=None,
            statuses_entered=entered,
            clock=walk.clock_state(result.timers),
            timers=_timers(result),
            data=start_data,
            findings=tuple([*findings, *([stopped] if stopped else [])]),
            **walk.status_fields(),
        )
    )
    # The open tasks, each with the row it will be reported in (its step number in walk.steps).
    rows: dict[str, int] = {}

    def open_tasks(result: StepResult, entered: tuple[str, ...]) -> None:
        first = True
        for ready in result.ready_tasks:
            if ready.id in rows:
                continue
            organisation, role, problem = walk.route(ready)
            findings = tuple(
                found for found in (walk.definition_problem(ready.bpmn_id), problem) if found is not None
            )
            rows[ready.id] = len(walk.steps)
            walk.steps.append(
                DryRunStep(
                    number=len(walk.steps),
                    kind="task",
                    bpmn_id=ready.bpmn_id,
                    name=ready.name,
                    lane=ready.lane,
                    organisation=organisation,
                    role=role,
                    statuses_entered=entered if first else (),
                    clock=walk.clock_state(result.timers),
                    timers=_timers(result),
                    findings=findings,
                    **walk.status_fields(),
                )
            )
            first = False

    if stopped is None:
        open_tasks(result, ())
    steps_taken = 0
    last_labels: tuple[str, ...] = result.result_labels_reached
    while stopped is None and not result.completed:
        if steps_taken >= MAX_STEPS:
            repeated = [
                name
                for name, count in Counter(s.name for s in walk.steps if s.kind == "task").items()
                if count > 1
            ]
            loop = f"，反复经过：{'、'.join(repeated)}" if repeated else ""
            stopped = f"已运行 {MAX_STEPS} 步仍未结束，流程可能在循环{loop}（可为每次经过分别选择结论）"
            walk.steps[-1] = replace(walk.steps[-1], findings=(*walk.steps[-1].findings, stopped))
            break
        steps_taken += 1
        if result.ready_tasks:
            ready = result.ready_tasks[0]
            row = rows.pop(ready.id, None)
            data, chosen, findings = walk.task_input(ready)
            result = runtime.complete_task(key, spec, result.state, ready.id, data)
            entered, problem = walk.enter(result.statuses_reached)
            if result.incident:
                stopped = f"流程异常：{result.incident}"
            elif problem:
                stopped = problem
            if row is not None:
                step = walk.steps[row]
                walk.steps[row] = replace(
                    step,
                    decision=chosen,
                    data=data,
                    findings=(*step.findings, *findings, *([stopped] if stopped else [])),
                )
            if stopped is None:
                open_tasks(result, entered)
        elif result.timers:
            before = result
            waited_clock = walk.clock_state(before.timers)
            walk.clock.moment = max(walk.clock.moment, before.timers[0].fires_at) + timedelta(seconds=1)
            result = runtime.fire_due_timers(key, spec, result.state)
            fired = {timer.task_id for timer in result.fired_timers}
            status_while_waiting = walk.status_fields()
            entered, problem = walk.enter(result.statuses_reached)
            if result.incident:
                stopped = f"流程异常：{result.incident}"
            elif problem:
                stopped = problem
            for timer in before.timers:
                if timer.task_id not in fired:
                    continue
                walk.steps.append(
                    DryRunStep(
                        number=len(walk.steps),
                        kind="timer",
                        bpmn_id=timer.bpmn_id,
                        name=timer.name,
                        timers=(
                            TimerMet(timer.bpmn_id, timer.name, timer.fires_at, timer.pauses_clock, True),
                        ),
                        clock=waited_clock,
                        findings=(stopped,) if stopped else (),
                        **status_while_waiting,
                    )
                )
            if stopped is None:
                open_tasks(result, entered)
        else:
            stopped = "流程在等待消息或信号事件，试运行无法继续（真实办件由外部系统触发）"
            walk.steps[-1] = replace(walk.steps[-1], findings=(*walk.steps[-1].findings, stopped))
        last_labels = result.result_labels_reached or last_labels

    path = runtime.completed_elements(key, spec, result.state)
    current = tuple(task.bpmn_id for task in result.ready_tasks) + tuple(
        timer.bpmn_id for timer in result.timers
    )
    ends = [element for element in path if not parsed.successors.get(element)]
    end_element = ends[-1] if result.completed and ends else None
    result_label = last_labels[-1] if last_labels else None
    end_status = end_label = None
    if result.completed and walk.status is not None:
        end_status = walk.status.value
        end_label = case_status_label(walk.status, result_label)
        last_entered = () if len(walk.steps) > 1 and walk.steps[-1].kind == "start" else entered
        walk.steps.append(
            DryRunStep(
                number=len(walk.steps),
                kind="end",
                bpmn_id=end_element or "",
                name=end_label,
                statuses_entered=last_entered,
                clock=walk.clock_state(()),
                **walk.status_fields(result_label),
            )
        )
    return DryRunReport(
        key=parsed.key,
        name=parsed.name,
        version=version,
        draft_id=draft_id,
        township=township,
        service_item=item,
        steps=tuple(walk.steps),
        path=path,
        current=current if not result.completed else (),
        ended=result.completed,
        end_element=end_element,
        end_status=end_status,
        end_label=end_label,
        result_label=result_label,
        stopped=stopped,
        definition_problems=dict(parsed.problems),
    )


@dataclass(frozen=True)
class DecisionPoint:
    """A user task whose form has a decision field: the choices the try page offers for it."""

    bpmn_id: str
    name: str
    field: DecisionField


@dataclass(frozen=True)
class DryRunSetup:
    """What the try page is prefilled with: the townships to pick from, the sample data built from
    the forms (start and each task), and the decisions with their choices."""

    key: str
    name: str
    version: int | None
    draft_id: int | None
    townships: list[Region]
    sample: dict[str, Any]
    decisions: tuple[DecisionPoint, ...]


def _definition(key: str, version: int) -> ProcessDefinition:
    definition = db.session.execute(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"流程 {key} 没有第 {version} 版")
    return definition


def _parsed(bpmn_xml: str, filename: str, *, lenient: bool = False) -> ParsedProcess:
    return parse_process(bpmn_xml, filename, KNOWN_LANES, lenient=lenient)


def _setup(
    parsed: ParsedProcess,
    forms: Mapping[str, Any],
    *,
    version: int | None = None,
    draft_id: int | None = None,
) -> DryRunSetup:
    start = sample_data(forms.get(parsed.start_form_key or "")) if parsed.start_form_key else {}
    points, seen = [], set()
    for task in parsed.user_tasks:
        decision = decision_field(forms.get(task.form_key or ""))
        if decision is not None and task.bpmn_id not in seen:
            seen.add(task.bpmn_id)
            points.append(DecisionPoint(task.bpmn_id, task.name, decision))
    return DryRunSetup(
        key=parsed.key,
        name=parsed.name,
        version=version,
        draft_id=draft_id,
        townships=townships(),
        # Each task's data is built from its form for the choice made there, unless given here.
        sample={"start": start, "tasks": {}},
        decisions=tuple(points),
    )


def version_setup(actor: User, key: str, version: int) -> DryRunSetup:
    """The try page of a deployed version, prefilled (analysts only; 404 when there is no such version)."""
    definition = _definition(key, version)  # before the role: what does not exist is 404 for anyone
    _require_analyst(actor)
    return _setup(_parsed(definition.bpmn_xml, f"{key}.bpmn"), definition.forms, version=version)


def dry_run_version(actor: User, key: str, version: int, request: DryRunRequest) -> DryRunReport:
    """Walk a deployed version (analysts only; 404 when there is no such version)."""
    definition = _definition(key, version)
    _require_analyst(actor)
    parsed = _parsed(definition.bpmn_xml, f"{key}.bpmn")
    return _walk(parsed, definition.forms, request, version=version)


def _draft(actor: User, draft_id: int) -> tuple[ParsedProcess, dict[str, Any], ProcessDraft]:
    """A draft's process, parsed leniently (its problems become findings), and the forms it may use:
    its own, then those deployed (as its validation reads them). Only its analyst finds it (404)."""
    draft = drafts.draft_for(actor, draft_id)
    parsed = _parsed(draft.bpmn_xml, f"{draft.process_key}.bpmn", lenient=True)
    return parsed, {**drafts.deployed_forms(), **draft.forms}, draft


def draft_setup(actor: User, draft_id: int) -> DryRunSetup:
    """The try page of one of the caller's drafts, prefilled (404 for anyone else's)."""
    parsed, forms, draft = _draft(actor, draft_id)
    return _setup(parsed, forms, draft_id=draft.id)


def dry_run_draft(actor: User, draft_id: int, request: DryRunRequest) -> DryRunReport:
    """Walk one of the caller's drafts as saved (404 for anyone else's); what its validation would
    refuse about an element it reaches is a finding there, not a refusal of the dry run."""
    parsed, forms, draft = _draft(actor, draft_id)
    return _walk(parsed, forms, request, draft_id=draft.id)
