"""A small process deployed in two versions, and cases of it, for the version diff and migration tests.

v1: 登记 → 核对 (window) → 确认 (window) → end. v2 adds 复审 (department) after 核对 and drops 确认,
and 核对's form gains a field.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from tests.support.api import ApiClient, case_body
from tests.support.bpmn import Process
from workflow_service.extensions import db
from workflow_service.models import AcceptanceMode, ServiceItem
from workflow_service.services.process.deployment import deploy_process

KEY = "migration_test"
CHECK_FORM = f"{KEY}/check.json"
REVIEW_FORM = f"{KEY}/review.json"


def version_one() -> str:
    return (
        Process(KEY, "迁移测试", lane="window")
        .start(status="submitted")
        .user_task("check", "核对", form=CHECK_FORM)
        .user_task("confirm", "确认", form=CHECK_FORM)
        .end()
        .xml()
    )


def version_two() -> str:
    return (
        Process(KEY, "迁移测试", lane="window")
        .start(status="submitted")
        .user_task("check", "核对材料", form=CHECK_FORM)
        .user_task("review", "复审", lane="department", form=REVIEW_FORM)
        .end()
        .xml()
    )


def _forms(folder: Path, *, check_fields: dict[str, dict]) -> Path:
    (folder / KEY).mkdir(parents=True, exist_ok=True)
    (folder / CHECK_FORM).write_text(
        json.dumps({"type": "object", "properties": check_fields}), encoding="utf-8"
    )
    review = {"type": "object", "properties": {"opinion": {"type": "string"}}}
    (folder / REVIEW_FORM).write_text(json.dumps(review), encoding="utf-8")
    return folder


def install_version_one(app: Flask, tmp_path: Path, bpmn: str | None = None) -> None:
    """Deploy v1 (or ``bpmn`` as v1) and offer it as a service item at the demo window."""
    with app.app_context():
        forms = _forms(tmp_path / "v1", check_fields={"note": {"type": "string"}})
        deploy_process(bpmn or version_one(), f"{KEY}.bpmn", forms)
        db.session.add(
            ServiceItem(
                code=KEY,
                short_code="MIGR",
                name="迁移测试",
                department_type="market_regulation",
                process_key=KEY,
                acceptance_mode=AcceptanceMode.LOCAL,
                legal_limit_days=5,
                promised_limit_days=5,
            )
        )
        db.session.commit()
        db.session.remove()


def install_version_two(app: Flask, tmp_path: Path, bpmn: str | None = None) -> None:
    """Deploy v2 (or ``bpmn`` as the next version), with 核对's form gaining ``checked``."""
    with app.app_context():
        fields = {"note": {"type": "string"}, "checked": {"type": "boolean"}}
        deploy_process(
            bpmn or version_two(),
            f"{KEY}.bpmn",
            _forms(tmp_path / "v2", check_fields=fields),
            comment="增加复审",
        )
        db.session.remove()


def start(client: ApiClient) -> str:
    """A case of the test process, waiting at 核对: its number."""
    return client.register(case_body(service_code=KEY, data={}))["number"]
