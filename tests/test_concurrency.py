"""Races on committed data: two completions of one task, two claims, many case numbers at once."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask

from tests.support.api import ApiClient, case_body
from tests.support.live import Server

pytestmark = pytest.mark.live


def race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; return their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        results[index] = action()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def clients(app: Flask, count: int) -> list[ApiClient]:
    return [ApiClient(app.test_client()) for _ in range(count)]


def test_two_completions_of_one_task_give_one_success_and_one_conflict(live_app: Flask) -> None:
    first, second = clients(live_app, 2)
    for _ in range(3):
        number = first.start_case()
        task = first.open_task(number)
        first.headers("clerk")
        second.headers("clerk-wuning")
        responses = race(
            [
                lambda c=first, t=task["id"]: c.complete(t, "clerk", {"acceptance_decision": "accept"}),
                lambda c=second, t=task["id"]: c.complete(
                    t, "clerk-wuning", {"acceptance_decision": "accept"}
                ),
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.content_type == "application/problem+json"
        case = first.case(number)
        assert [step["name"] for step in case["history"]] == ["受理"]
        assert [t["name"] for t in case["current_tasks"]] == ["审核"]
        assert [e["action"] for e in case["audit"]].count("task.completed") == 1


def test_two_claims_of_one_task_give_one_owner(live_app: Flask) -> None:
    first, second = clients(live_app, 2)
    number = first.start_case()
    task = first.open_task(number)
    first.headers("clerk")
    second.headers("clerk-wuning")
    responses = race(
        [
            lambda: first.post(f"/api/v1/tasks/{task['id']}/claim", "clerk"),
            lambda: second.post(f"/api/v1/tasks/{task['id']}/claim", "clerk-wuning"),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 403]
    winner = next(r for r in responses if r.status_code == 200).json["assignee"]["username"]
    assert first.open_task(number)["assignee"]["username"] == winner


def test_case_numbers_stay_unique_under_concurrent_starts(live_app: Flask) -> None:
    workers = clients(live_app, 6)
    for worker in workers:
        worker.headers("clerk")
    numbers = race([lambda w=w: w.start_case() for w in workers])
    assert len(set(numbers)) == 6
    serials = sorted(int(number[-4:]) for number in numbers)
    assert serials == list(range(serials[0], serials[0] + 6))


def test_whole_cases_from_four_clients_against_two_workers_all_go_through(server: Server) -> None:
    """Four clients work cases at once against two gunicorn workers: on SQLite they share one write
    lock. Every step succeeds, and each answer tells what the step just wrote (the answers are read
    after the work committed, outside the lock)."""
    api = [server.api() for _ in range(4)]

    def whole_cases(client: ApiClient) -> list[str]:
        numbers = []
        for _ in range(2):
            created = client.register(case_body())
            accept = next(t for t in created["next_tasks"] if t["name"] == "受理")
            accepted = client.complete(accept["id"], "clerk", {"acceptance_decision": "accept"})
            assert accepted.status_code == 200, accepted.json
            review = next(
                t["id"]
                for t in client.inbox("approver")
                if t["case_number"] == created["number"] and t["bpmn_id"] == "review"
            )
            claimed = client.post(f"/api/v1/tasks/{review}/claim", "approver")
            assert claimed.status_code == 200, claimed.json
            assert claimed.json["assignee"]["username"] == "approver"
            decided = client.complete(
                review, "approver", {"review_decision": "approve", "review_opinion": "材料齐全"}
            )
            assert decided.status_code == 200, decided.json
            assert decided.json["state"] == "completed"
            assert [t["name"] for t in decided.json["next_tasks"]] == ["出件"]
            numbers.append(created["number"])
        return numbers

    for client in api:
        client.headers("clerk")
        client.headers("approver")
    numbers = [number for batch in race([lambda c=c: whole_cases(c) for c in api]) for number in batch]
    assert len(set(numbers)) == 8
    for number in numbers:
        case = api[0].case(number)
        assert [step["name"] for step in case["history"]] == ["受理", "审核"]
        assert [t["name"] for t in case["current_tasks"]] == ["出件"]
    if server.env["DATABASE_URL"].startswith("sqlite"):
        metrics = requests.get(f"{server.base}/metrics", timeout=10).text
        assert re.search(r"workflow_sqlite_write_lock_wait_seconds_count\{[^}]*\} [1-9]", metrics)
