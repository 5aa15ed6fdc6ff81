"""The audit trail is a hash chain anyone can check: tampering with the table is named row by row,
concurrent writers keep one chain, PostgreSQL refuses edits, reads of personal data leave rows, and
supervisors search their region's rows and export them as CSV."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.test_attachments import pdf_bytes, upload
from workflow_service.extensions import db
from workflow_service.models import AuditChainHead, AuditEvent
from workflow_service.models.audit import HEAD_ID, chain_hash, event_content
from workflow_service.services import audit
from workflow_service.worker import Worker


def is_postgresql(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def tamper(app: Flask, *statements: str) -> None:
    """Change the audit table behind the service's back, as someone with the database could (on
    PostgreSQL the owner switches the append-only trigger off first)."""
    postgres = is_postgresql(app)
    with app.app_context():
        if postgres:
            db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        for statement in statements:
            db.session.execute(text(statement))
        if postgres:
            db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        db.session.commit()


def verify(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit-verify", *args])


def row_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def forged_row(app: Flask, row_id: int, prev_hash: str, action: str = "task.completed") -> str:
    """An INSERT of a row that looks like the service's, its hash computed over ``prev_hash``."""
    with app.app_context():
        template = db.session.get(AuditEvent, row_ids(app)[0])
        assert template is not None
        forged = AuditEvent(
            at=template.at,
            actor_id=None,
            actor_username="intruder",
            organisation_id=None,
            action=action,
            case_id=None,
            task_id=None,
            summary={"note": "forged"},
        )
        digest = chain_hash(prev_hash, event_content(forged))
        at = template.at.isoformat(sep=" ")
    return (
        "INSERT INTO audit_event (id, at, actor_username, action, summary, prev_hash, hash) VALUES "
        f"({row_id}, '{at}', 'intruder', '{action}', '{{\"note\": \"forged\"}}', '{prev_hash}', '{digest}')"
    )


def hash_of(app: Flask, row_id: int) -> str:
    with app.app_context():
        return db.session.execute(select(AuditEvent.hash).where(AuditEvent.id == row_id)).scalar_one()


@pytest.fixture
def trail(app: Flask, client: ApiClient) -> list[int]:
    """A few cases' worth of audit rows: their ids, oldest first."""
    for _ in range(2):
        number = client.start_case()
        client.case(number)
    ids = row_ids(app)
    assert len(ids) > 6
    return ids


def test_an_untouched_trail_verifies_intact(app: Flask, trail: list[int]) -> None:
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"intact: {len(trail)} rows, head id={trail[-1]} hash={hash_of(app, trail[-1])}" in result.stdout
    assert "verifying" in result.stderr  # the progress bar goes to stderr, the verdict to stdout


def test_an_edited_summary_is_named(app: Flask, trail: list[int]) -> None:
    edited = trail[len(trail) // 2]
    tamper(app, f'UPDATE audit_event SET summary = \'{{"decision": "approve"}}\' WHERE id = {edited}')
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken: edited row {edited}" in result.stderr


def test_a_deleted_row_is_named_by_the_row_after_the_gap(app: Flask, trail: list[int]) -> None:
    gone = trail[len(trail) // 2]
    tamper(app, f"DELETE FROM audit_event WHERE id = {gone}")
    result = verify(app)
    assert result.exit_code == 1
    assert (
        f"broken: deleted row {trail[trail.index(gone) + 1]} (after row {trail[trail.index(gone) - 1]})"
        in (result.stderr)
    )


def test_a_deleted_tail_is_seen_by_the_head(app: Flask, trail: list[int]) -> None:
    tamper(app, f"DELETE FROM audit_event WHERE id >= {trail[-2]}")
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken: deleted row {trail[-1]} (after row {trail[-3]})" in result.stderr


def test_a_row_inserted_in_the_middle_is_named(app: Flask, trail: list[int]) -> None:
    # Make room (ids are not hashed, so moving the later rows up keeps the chain intact) ...
    middle = trail[len(trail) // 2]
    tamper(
        app,
        f"UPDATE audit_event SET id = id + 1000 WHERE id > {middle}",
        f"UPDATE audit_chain_head SET last_id = last_id + 1000 WHERE id = {HEAD_ID}",
    )
    assert verify(app).exit_code == 0
    # ... and put a forged row there. (Chained onto its predecessor it cannot be: the row after that
    # one names it already, and no two rows may name the same predecessor.)
    tamper(app, forged_row(app, middle + 1, "f" * 64))
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken: inserted row {middle + 1} (after row {middle})" in result.stderr


def test_rows_appended_behind_the_services_back_are_named(app: Flask, trail: list[int]) -> None:
    last = trail[-1]
    tamper(app, forged_row(app, last + 1, hash_of(app, last)))
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken: inserted row {last + 1}" in result.stderr


def test_a_tail_cut_together_with_its_head_is_seen_by_the_logged_head(app: Flask, trail: list[int]) -> None:
    logged = f"{trail[-1]}:{hash_of(app, trail[-1])}"
    # Someone cuts the last rows and sets the head back to match: the chain itself is consistent ...
    tamper(
        app,
        f"DELETE FROM audit_event WHERE id > {trail[-3]}",
        f"UPDATE audit_chain_head SET last_id = {trail[-3]}, last_hash = '{hash_of(app, trail[-3])}'",
    )
    assert verify(app).exit_code == 0
    # ... but not with the head the worker wrote out before.
    result = verify(app, "--expect-head", logged)
    assert result.exit_code == 1
    assert f"broken: truncated row {trail[-1]}" in result.stderr


def test_the_worker_logs_the_head_verify_can_expect(
    app: Flask, trail: list[int], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The migrations' logging config (alembic.ini, applied when the template was built) disabled the
    # loggers that existed then; the worker's own command never runs it.
    monkeypatch.setattr(logging.getLogger("workflow_service.worker"), "disabled", False)
    with caplog.at_level(logging.INFO, logger="workflow_service.worker"):
        Worker(app).log_audit_head()
    line = next(record.getMessage() for record in caplog.records if "audit-head" in record.getMessage())
    assert line == f"audit-head id={trail[-1]} hash={hash_of(app, trail[-1])}"
    head_id, head_hash = line.removeprefix("audit-head id=").split(" hash=")
    assert verify(app, "--expect-head", f"{head_id}:{head_hash}").exit_code == 0


def test_verify_over_the_api_is_for_supervisors_and_admins(
    app: Flask, client: ApiClient, trail: list[int]
) -> None:
    for user in ("supervisor", "admin"):
        answer = client.get("/api/v1/audit/verify", user)
        assert answer.status_code == 200, answer.json
        assert answer.json["intact"] is True
        assert answer.json["broken"] is None
    assert client.get("/api/v1/audit/verify", "clerk").status_code == 403
    edited = trail[2]
    tamper(app, f"UPDATE audit_event SET actor_username = 'someone' WHERE id = {edited}")
    answer = client.get("/api/v1/audit/verify", "supervisor")
    assert answer.json["intact"] is False
    assert answer.json["broken"]["kind"] == "edited"
    assert answer.json["broken"]["row_id"] == edited
    assert client.get("/api/v1/audit/verify?expect_head=12", "supervisor").status_code == 422


def test_existing_rows_are_chained_by_the_migration(live_app: Flask, client: ApiClient) -> None:
    live = ApiClient(live_app.test_client())
    live.case(live.start_case())
    with live_app.app_context():
        before = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
        db.session.remove()  # its transaction would hold SQLite's write lock
        downgrade(revision="d1a2c3e4f506")
        upgrade()
        db.session.remove()
    result = verify(live_app)
    assert result.exit_code == 0, result.output
    assert f"intact: {before} rows" in result.stdout


def test_postgresql_refuses_to_update_or_delete_audit_rows(app: Flask, trail: list[int]) -> None:
    if not is_postgresql(app):
        pytest.skip("the append-only trigger is PostgreSQL's")
    for statement in (
        f"UPDATE audit_event SET summary = '{{}}' WHERE id = {trail[0]}",
        f"DELETE FROM audit_event WHERE id = {trail[0]}",
        "TRUNCATE audit_event",
    ):
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
    assert row_ids(app) == trail


@pytest.mark.live
def test_concurrent_appends_keep_one_chain(live_app: Flask) -> None:
    if not is_postgresql(live_app):
        pytest.skip("SQLite serialises its writers: PostgreSQL is where appends race")
    threads, appends = 8, 15
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait()
            for serial in range(appends):
                with live_app.app_context():
                    audit.record("bench.append", None, summary={"worker": worker, "serial": serial})
                    db.session.commit()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    before = len(row_ids(live_app))
    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert failures == []
    assert len(row_ids(live_app)) == before + threads * appends
    result = verify(live_app)
    assert result.exit_code == 0, result.output
    with live_app.app_context():
        head = db.session.get(AuditChainHead, HEAD_ID)
        assert head is not None and head.last_id == row_ids(live_app)[-1]


def actions_of(app: Flask, prefix: str) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        ).scalars()
        return [{"action": row.action, "actor": row.actor_username, **row.summary} for row in rows]


@pytest.fixture
def attachment_folder(app: Flask, tmp_path: Any) -> Iterator[None]:
    saved = app.config["ATTACHMENT_FOLDER"]
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    yield
    app.config["ATTACHMENT_FOLDER"] = saved


def test_reading_a_case_and_its_material_is_audited(
    app: Flask, client: ApiClient, attachment_folder: None
) -> None:
    number = client.start_case()
    uploaded = upload(client, number, pdf_bytes(), "身份证明.pdf")
    assert uploaded.status_code == 201, uploaded.json
    client.case(number, "clerk-wuning")
    download = client.get(f"/api/v1/cases/{number}/attachments/{uploaded.json['id']}", "clerk")
    assert download.status_code == 200
    reads = actions_of(app, audit.READ_PREFIX)
    assert reads[:2] == [
        {"action": "read.case", "actor": "clerk-wuning", "number": number},
        {
            "action": "read.attachment",
            "actor": "clerk",
            "attachment_id": uploaded.json["id"],
            "material": "经营者身份证明",
        },
    ]
    # What was done to the case is its record; who looked at it is the audit search's.
    assert not [event for event in client.case(number)["audit"] if event["action"].startswith("read.")]
    assert verify(app).exit_code == 0


def test_the_case_page_is_an_audited_read(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    browser = Browser(app)
    browser.log_in("clerk")
    assert browser.get(f"/cases/{number}").status_code == 200
    assert actions_of(app, "read.case")[-1] == {"action": "read.case", "actor": "clerk", "number": number}


def search(client: ApiClient, user: str, **query: str) -> Any:
    answer = client.http.get("/api/v1/audit", query_string=query, headers=client.headers(user))
    assert answer.status_code == 200, answer.json
    return answer


def test_search_filters_pages_and_keeps_to_the_region(app: Flask, client: ApiClient) -> None:
    wuning = client.start_case()  # accepted in 吴宁街道
    nanshi = client.start_case("clerk-nanshi")  # accepted in 南市街道
    # The county's supervisor sees both townships' cases; 吴宁's command room only its own.
    assert {row["case"] for row in search(client, "supervisor", action="case.*").json} >= {wuning, nanshi}
    township = {row["case"] for row in search(client, "command", action="case.*").json}
    assert wuning in township and nanshi not in township
    assert search(client, "command", case=nanshi).json == []
    # Filters: case, actor, organisation, action, time.
    rows = search(client, "supervisor", case=wuning).json
    assert rows and {row["case"] for row in rows} == {wuning}
    assert [row["id"] for row in rows] == sorted((row["id"] for row in rows), reverse=True)
    assert {row["actor"] for row in search(client, "supervisor", actor="clerk-nanshi").json} == {
        "clerk-nanshi"
    }
    by_organisation = search(client, "supervisor", organisation="330783002-bmfwzx").json
    assert by_organisation and {row["organisation"] for row in by_organisation} == {"330783002-bmfwzx"}
    assert (
        search(
            client, "supervisor", since="2000-01-01T00:00:00+08:00", until="2000-01-02T00:00:00+08:00"
        ).json
        == []
    )
    # Keyset pages: two rows at a time, no row twice, the same rows as one long page.
    seen: list[int] = []
    cursor = None
    while True:
        page = search(client, "supervisor", case=wuning, limit="2", **({"cursor": cursor} if cursor else {}))
        seen += [row["id"] for row in page.json]
        cursor = page.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert seen == [row["id"] for row in rows]
    assert client.get("/api/v1/audit", "clerk").status_code == 403


def test_csv_export_is_scoped_and_itself_audited(app: Flask, client: ApiClient) -> None:
    wuning = client.start_case()
    nanshi = client.start_case("clerk-nanshi")
    exported = client.http.get("/api/v1/audit.csv", headers=client.headers("command"))
    assert exported.status_code == 200
    assert exported.content_type.startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).removeprefix("\ufeff"))))
    cases = {line["case"] for line in lines}
    assert wuning in cases and nanshi not in cases
    assert set(lines[0]) == {
        "id",
        "at",
        "actor",
        "organisation",
        "action",
        "case",
        "task_id",
        "summary",
        "prev_hash",
        "hash",
    }
    negotiated = client.http.get(
        "/api/v1/audit",
        query_string={"case": wuning},
        headers={**client.headers("command"), "Accept": "text/csv"},
    )
    assert negotiated.content_type.startswith("text/csv")
    assert {
        line["case"]
        for line in csv.DictReader(io.StringIO(negotiated.get_data(as_text=True).removeprefix("\ufeff")))
    } == {wuning}
    assert [row["actor"] for row in actions_of(app, "read.audit_export")] == ["command", "command"]


def test_supervisors_search_the_trail_on_a_page_and_download_it(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    browser = Browser(app)
    browser.log_in("command")
    page = browser.get("/audit", query_string={"case": number})
    assert page.status_code == 200
    text = page_text(page)
    assert number in text and "clerk" in text
    assert browser.get("/audit", query_string={"since": "yesterday"}).status_code == 200
    download = browser.get("/audit.csv", query_string={"case": number})
    assert download.content_type.startswith("text/csv")
    assert number in download.get_data(as_text=True)
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert clerk.get("/audit").status_code == 403
