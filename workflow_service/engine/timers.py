"""BPMN timer events on the service's clock, firing only when the worker says so.

SpiffWorkflow's timer event definitions read ``datetime.now()`` (the wall clock) both to compute
when a timer fires and to decide whether it has fired, and any engine step fires every timer that
is due. Here the runtime opens a :func:`step_clock` around each step instead: the subclasses below
take "now" from it, and only a step opened with ``fire_due_timers=True`` (the worker's) lets a due
timer fire. Request threads therefore compute fire times but never fire timers.

They are registered under SpiffWorkflow's own type names, so stored specs stay plain SpiffWorkflow
JSON and restore as these classes.

Timer expressions are evaluated by the restricted script engine, like conditions (``"P7D"``, with
quotes, or an expression over the case's data). A bare ISO 8601 value (``P7D``, ``2026-10-08``),
as Camunda Modeler and bpmn.io write them, is taken literally. A date or date-time without a zone
is business time in Asia/Shanghai, not the server's zone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")

# An ISO 8601 duration, date, date-time or repeating interval written without quotes.
_BARE_ISO_VALUE = re.compile(r"^(R\d*/)?[0-9P][0-9A-Z:.,+\-/]*$")


@dataclass(frozen=True)
class _StepClock:
    now: datetime
    fire_due_timers: bool


_STEP_CLOCK: ContextVar[_StepClock | None] = ContextVar("step_clock", default=None)


@contextmanager
def step_clock(now: datetime, *, fire_due_timers: bool) -> Iterator[None]:
    """Run one engine step at ``now``; only with ``fire_due_timers`` may a due timer fire."""
    token = _STEP_CLOCK.set(_StepClock(now.astimezone(UTC), fire_due_timers))
    try:
        yield
    finally:
        _STEP_CLOCK.reset(token)


def _now() -> datetime:
    clock = _STEP_CLOCK.get()
    return clock.now if clock else datetime.now(UTC)


def _may_fire() -> bool:
    clock = _STEP_CLOCK.get()
    # Outside any step (SpiffWorkflow's own tools) timers behave as SpiffWorkflow's do.
    return clock is None or clock.fire_due_timers


def _expression_value(definition: TimerEventDefinition, my_task: Any) -> Any:
    expression = (definition.expression or "").strip()
    if _BARE_ISO_VALUE.match(expression):
        return expression
    return my_task.workflow.script_engine.evaluate(my_task, expression)


@contextmanager
def _timer_value(definition: TimerEventDefinition, my_task: Any) -> Iterator[None]:
    """Turn a value that is no ISO 8601 time into an engine error, which becomes an incident."""
    try:
        yield
    except SpiffWorkflowException:
        raise
    except Exception as error:
        raise WorkflowTaskException(
            f"定时器时间无效: {definition.expression}", task=my_task, exception=error
        ) from error


def parse_moment(value: Any) -> datetime:
    """A timer's date or date-time value as an aware UTC datetime (naive = Asia/Shanghai)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        text = str(value).strip()
        if "W" in text.upper():
            # An ISO week date; SpiffWorkflow's parser knows it.
            return TimerEventDefinition.parse_iso_week(text)
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUSINESS_TIMEZONE)
    return moment.astimezone(UTC)


def duration_after(start: datetime, value: Any) -> datetime:
    """``start`` plus an ISO 8601 duration (months and years by the calendar)."""
    if isinstance(value, timedelta):
        return start + value
    parsed = TimerEventDefinition.parse_iso_duration(str(value).strip())
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


class _Clocked:
    """What our timer classes share: the SpiffWorkflow type name they stand in for, their fire time."""

    spiff_typename: str

    def fires_at(self, my_task: Any) -> datetime | None:
        value = my_task._get_internal_data("event_value")
        return None if value is None else datetime.fromisoformat(value)


class ClockedTimeDate(_Clocked, TimeDateEventDefinition):
    """A timer at a date or date-time (``timeDate``)."""

    spiff_typename = TimeDateEventDefinition.__name__

    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            with _timer_value(self, my_task):
                moment = parse_moment(_expression_value(self, my_task))
            my_task._set_internal_data(event_value=moment.isoformat())
        return _fired(self, my_task)


class ClockedDuration(_Clocked, DurationTimerEventDefinition):
    """A timer a duration after it is reached (``timeDuration``, e.g. ``P7D``)."""

    spiff_typename = DurationTimerEventDefinition.__name__

    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            with _timer_value(self, my_task):
                moment = duration_after(_now(), _expression_value(self, my_task))
            my_task._set_internal_data(event_value=moment.isoformat())
        return _fired(self, my_task)


def _fired(definition: _Clocked, my_task: Any) -> bool:
    fires_at = definition.fires_at(my_task)
    if fires_at is not None and fires_at <= _now() and _may_fire():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


class ClockedCycle(_Clocked, CycleTimerEventDefinition):
    """A repeating timer (``timeCycle``, e.g. ``R3/PT24H``): each due repetition fires once."""

    spiff_typename = CycleTimerEventDefinition.__name__

    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            with _timer_value(self, my_task):
                cycles, start, interval = _repeating_interval(str(_expression_value(self, my_task)))
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": interval.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= _now() and _may_fire():
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task._set_internal_data(event_fired=True)
        my_task._set_internal_data(event_value=event_value)
        return ready

    def fires_at(self, my_task: Any) -> datetime | None:
        event_value = my_task._get_internal_data("event_value")
        if not event_value or event_value.get("cycles") == 0:
            return None
        return datetime.fromisoformat(event_value["next"])


def _repeating_interval(expression: str) -> tuple[int, datetime, timedelta]:
    """``R[n]/start/duration``, ``R[n]/duration/end`` or ``R[n]/duration``: repetitions, first, interval."""
    parts = expression.strip().upper().replace("--", "/").split("/")
    repetitions = parts[0].removeprefix("R")
    cycles = int(repetitions) if repetitions else -1
    if len(parts) == 3 and not parts[1].startswith("P"):
        start = parse_moment(parts[1])
        return cycles, start, duration_after(start, parts[2]) - start
    interval = duration_after(_now(), parts[1]) - _now()
    if len(parts) == 3:
        return cycles, parse_moment(parts[2]) - interval, interval
    return cycles, _now() + interval, interval


def timer_literal(expression: str) -> str | None:
    """The value of a timer expression that does not depend on case data (a bare ISO 8601 value or a
    quoted string), else None: such a value can be checked before any case reaches the timer."""
    text = expression.strip()
    if _BARE_ISO_VALUE.match(text):
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def timer_value_problem(kind: str, value: str) -> str | None:
    """Why ``value`` is no time the timer ``kind`` (timeDuration, timeDate, timeCycle) can wait for."""
    reference = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        if kind == "timeDuration":
            duration_after(reference, value)
        elif kind == "timeDate":
            parse_moment(value)
        else:
            if not value.strip().upper().startswith("R"):
                return f"{value!r} 不是 ISO 8601 重复时间（如 R3/P1D）"
            token = _STEP_CLOCK.set(_StepClock(reference, fire_due_timers=False))
            try:
                _repeating_interval(value)
            finally:
                _STEP_CLOCK.reset(token)
    except Exception as error:
        return f"{value!r} 不是有效的 ISO 8601 时间（{type(error).__name__}）"
    return None


class _SpiffNamedConverter(TimerConditionalEventDefinitionConverter):
    """Serializes one of the classes above under the type name of the SpiffWorkflow class it replaces."""

    def __init__(self, target_class: type[_Clocked], registry: Any) -> None:
        super().__init__(target_class, registry, target_class.spiff_typename)


def configure_clocked_timers(config: dict) -> None:
    """Replace SpiffWorkflow's timer classes by ours in a serializer configuration."""
    for spiff_class, clocked_class in (
        (TimeDateEventDefinition, ClockedTimeDate),
        (DurationTimerEventDefinition, ClockedDuration),
        (CycleTimerEventDefinition, ClockedCycle),
    ):
        config.pop(spiff_class, None)
        config[clocked_class] = _SpiffNamedConverter


def pending_timer_tasks(workflow: Any) -> list[Any]:
    """The workflow's waiting tasks whose event is one of our timers."""
    return [
        task
        for task in workflow.event_manager.tasks.values()
        if isinstance(getattr(task.task_spec, "event_definition", None), _Clocked)
    ]
