"""Scripts, conditions and engine steps run within budgets: each bomb ends as an incident, quickly."""

from __future__ import annotations

import time

import pytest

from tests.support.bpmn import Process, multi_instance, parsed, scripted, standard_loop
from workflow_service.engine.limits import EngineLimits
from workflow_service.engine.runtime import ProcessRuntime, StepResult

LIMITS = EngineLimits(cpu_seconds=0.3, memory_bytes=64 * 1024 * 1024, max_step_tasks=100, max_instances=50)

NESTED_GENERATORS = """g = (x for x in range(10000))
g = (y for x in g for y in range(10000))
g = (z for y in g for z in range(10000))
fee = sum(g)"""


def started(xml: str, data: dict | None = None, limits: EngineLimits = LIMITS) -> tuple[StepResult, float]:
    process = parsed(xml)
    began = time.perf_counter()
    step = ProcessRuntime(limits=limits).start(process.spec_json[:16], process.spec_json, data or {})
    return step, time.perf_counter() - began


def script_step(script: str, condition: str = "fee > 100") -> tuple[StepResult, float]:
    return started(scripted(script, condition), {"capital": 1})


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (NESTED_GENERATORS, "超出 CPU 时间预算（0.3 秒）"),
        ("fee = 9 ** 9 ** 9", "整数运算结果超过 100000 位"),
        ("fee = 2\nfor i in range(100):\n    fee = fee * fee", "整数运算结果超过 100000 位"),
        ("text = 'x' * 300_000_000\nfee = 1", "重复结果过大，超出脚本内存预算（64 MB）"),
        ("text = 'x'.ljust(300_000_000)\nfee = 1", "填充结果过大"),
        ("rows = [[0] * 100_000 for i in range(1000)]\nfee = 1", "超出内存预算（64 MB）"),
        ("a = [[0] * 1000] * 1000\nb = [a] * 1000\nfee = len(str(b))", "转为文本的数据超过 100000 项"),
        ("a = [[0] * 1000] * 1000\nb = [a] * 1000\nfee = len(f'{b}')", "转为文本的数据超过 100000 项"),
        ("fee = sum([[0] * 1000] * 10000, [])", "sum() 只能对数值求和"),
        ("fee = 1\ntry:\n    fee = 2\nexcept Exception:\n    pass", "脚本不允许 try 语句"),
    ],
)
def test_a_script_bomb_is_an_incident_within_its_budget(script: str, reason: str) -> None:
    step, seconds = script_step(script)
    assert step.incident is not None
    assert step.incident.startswith("计算: ")
    assert reason in step.incident
    assert not step.completed
    assert seconds < 3


def test_a_condition_bomb_is_an_incident_within_its_budget() -> None:
    condition = "sum(1 for a in range(10000) for b in range(10000)) > 0"
    step, seconds = script_step("fee = 1", condition=condition)
    assert step.incident is not None
    assert step.incident.startswith("gate: ")
    assert "超出 CPU 时间预算" in step.incident
    assert seconds < 3


def test_the_cpu_budget_is_shared_by_the_scripts_of_one_step() -> None:
    # Each evaluation alone stays within the budget; together they do not.
    quarter = "fee = sum(1 for a in range(300) for b in range(1000))"
    limits = EngineLimits(cpu_seconds=0.05)
    process = parsed(scripted(quarter, condition="sum(1 for a in range(300) for b in range(1000)) > 0"))
    step = ProcessRuntime(limits=limits).start("k", process.spec_json, {})
    assert step.incident is not None and "CPU" in step.incident


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        ("numbers = range(5)\nfee = 1", "range"),
        ("pending = (x for x in [1, 2])\nfee = 1", "generator"),
        ("day = date(2026, 1, 1)\nfee = 1", "date"),
        ("tags = {1, 2}\nfee = 1", "set"),
        ("table = {1: 'a'}\nfee = 1", "字典的键须为字符串"),
        ("big = ['x' * 1000] * 5000\nfee = 1", "超过 2000000 字节"),
    ],
)
def test_a_value_the_workflow_cannot_store_is_an_incident(script: str, kind: str) -> None:
    step, _ = script_step(script)
    assert step.incident is not None
    assert step.incident.startswith("计算: 变量 ")
    assert "无法保存" in step.incident
    assert kind in step.incident
    assert not step.completed


def looping(name: str, script: str, loop: str) -> str:
    """start → the script task ``work`` repeated by ``loop`` → end."""
    return Process("looping").start().script_task("work", name, script, loop=loop).end().xml()


STANDARD_LOOP = looping("循环计数", "rounds = 1", standard_loop("True"))
# 计数 and back again until rounds passes a million: a cycle of flows, not a loop marker.
CYCLE = (
    Process("looping")
    .start()
    .script_task("work", "计数", "rounds = rounds + 1")
    .gateway("gate", "再来一轮", default="work")
    .end(condition="rounds > 10 ** 6")
    .flow("gate", "work")
    .xml()
)


def multi_instance_of(sequential: bool) -> str:
    return looping("逐户核查", "checked = 1", multi_instance("10 ** 7", sequential=sequential))


@pytest.mark.parametrize(
    ("xml", "incident"),
    [
        (STANDARD_LOOP, "循环计数: 一次推进执行的任务超过 100 个"),
        (CYCLE, "一次推进执行的任务超过 100 个，流程可能陷入无终止的循环"),
        (multi_instance_of(sequential=False), "逐户核查: 多实例数量 10000000 超过上限 50"),
        (multi_instance_of(sequential=True), "逐户核查: 多实例数量 10000000 超过上限 50"),
    ],
)
def test_an_engine_step_without_end_is_an_incident(xml: str, incident: str) -> None:
    step, seconds = started(xml, {"rounds": 0})
    assert step.incident is not None
    assert incident in step.incident
    assert not step.completed
    assert seconds < 3
    # The state is still stored: the case keeps it, with its incident, for whoever fixes the process.
    assert step.state
