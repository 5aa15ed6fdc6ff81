"""Workers racing on committed data: however many run at once, each timer fires exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask

from tests.support.allowance import REGISTERED_AT, VISITED_AT, publicity_jobs, visited_households
from tests.support.clock import ClockedApi
from tests.support.steps import actions
from workflow_service.models import JobState
from workflow_service.services.process.job_runner import Outcome
from workflow_service.worker import Worker

pytestmark = pytest.mark.live


def race(workers: list[Worker]) -> list[Counter[Outcome]]:
    """Run one pass of each worker in its own thread, all released together."""
    barrier = threading.Barrier(len(workers))
    results: list[Counter[Outcome]] = [Counter() for _ in workers]

    def run(index: int) -> None:
        barrier.wait()
        results[index] = workers[index].run_once()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_workers_racing_for_due_timers_fire_each_exactly_once(live_app: Flask) -> None:
    clock = ClockedApi(live_app, REGISTERED_AT)
    numbers = visited_households(clock, 4)
    for round_ in range(2):
        # Round one: the four publicity timers; round two: nothing is due any more.
        api = clock.move_to(VISITED_AT + timedelta(days=7 + round_))
        results = race([Worker(live_app, name=f"worker-{i}") for i in range(3)])
        assert not any(result[Outcome.FAILED] or result[Outcome.RETRY] for result in results), results
    for number in numbers:
        case = api.case(number)
        assert actions(case).count("timer.fired") == 1, number
        assert [task["name"] for task in case["current_tasks"]] == ["审核确认"]
    jobs = publicity_jobs(live_app)  # each 审核确认's overdue timer is not due yet
    assert [(job.state, job.attempts) for job in jobs] == [(JobState.DONE, 1)] * 4
