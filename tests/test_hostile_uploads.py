"""Hostile BPMN uploads: entity expansion, external entities, huge bodies and escaping scripts are
refused (400, 413, or an error in the report) before anything is stored, and only analysts and
admins may validate or deploy at all."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.bpmn import Process
from workflow_service.extensions import db
from workflow_service.models import AuditEvent, ProcessDefinition

VALIDATE = "/api/v1/process-definitions/validate"
DEPLOY = "/api/v1/process-definitions"
DEFINITIONS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t"'
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10)
    )
    + f']>\n<bpmn:definitions {DEFINITIONS}><bpmn:process id="p" name="&lol9;" isExecutable="true"/>'
    "</bpmn:definitions>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    f'<bpmn:definitions {DEFINITIONS}><bpmn:process id="p" name="&secret;" isExecutable="true"/>'
    "</bpmn:definitions>"
)
# An external DTD fetched over the network (or a parameter entity) would be as bad.
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://127.0.0.1:1/evil.dtd">\n'
    f'<bpmn:definitions {DEFINITIONS}><bpmn:process id="p" isExecutable="true"/></bpmn:definitions>'
)


@pytest.fixture
def nothing_stored(app: Flask) -> Iterator[None]:
    """The test's uploads leave no process definition and no deploy in the audit trail behind."""

    def counts() -> tuple[int, int]:
        with app.app_context():
            definitions = db.session.execute(select(func.count(ProcessDefinition.id))).scalar_one()
            deploys = db.session.execute(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "process.deployed")
            ).scalar_one()
            db.session.remove()
            return definitions, deploys

    before = counts()
    yield
    assert counts() == before


@pytest.mark.parametrize("path", [VALIDATE, DEPLOY])
@pytest.mark.parametrize(
    "xml",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_a_document_with_a_dtd_is_refused_with_400(
    client: ApiClient, nothing_stored: None, path: str, xml: str
) -> None:
    answer = client.post(path, "analyst", data=xml.encode(), content_type="application/xml")
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert "DOCTYPE" in answer.json["detail"]
    assert "root:" not in answer.get_data(as_text=True)  # /etc/passwd was never read


def test_the_same_inside_a_multipart_upload(client: ApiClient, nothing_stored: None) -> None:
    parts = {"bpmn": (io.BytesIO(EXTERNAL_ENTITY.encode()), "evil.bpmn")}
    answer = client.post(DEPLOY, "analyst", data=parts, content_type="multipart/form-data")
    assert answer.status_code == 400


@pytest.mark.parametrize("kind", ["xml", "multipart"])
def test_a_50_mb_body_is_refused_with_413(client: ApiClient, nothing_stored: None, kind: str) -> None:
    body = b"<bpmn:definitions>" + b" " * (50 * 1024 * 1024) + b"</bpmn:definitions>"
    if kind == "xml":
        answer = client.post(DEPLOY, "analyst", data=body, content_type="application/xml")
    else:
        # Written out by hand: the test client would spool a large multipart body to a temporary
        # file it never closes.
        envelope = (
            b'--x\r\nContent-Disposition: form-data; name="bpmn"; filename="big.bpmn"\r\n\r\n'
            + body
            + b"\r\n--x--\r\n"
        )
        answer = client.post(DEPLOY, "analyst", data=envelope, content_type="multipart/form-data; boundary=x")
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"


def test_the_cap_is_configurable(app: Flask, client: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "BPMN_MAX_BYTES", 1024)
    xml = Process("p", lane="window").start().end().xml() + " " * 2048
    assert (
        client.post(VALIDATE, "analyst", data=xml.encode(), content_type="application/xml").status_code == 413
    )


@pytest.mark.parametrize(
    "body",
    [b"not xml at all", "<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"), b"<a>" * 300 + b"x"],
    ids=["not-xml", "not-utf8", "unclosed"],
)
def test_what_is_no_xml_is_400(client: ApiClient, body: bytes) -> None:
    answer = client.post(VALIDATE, "analyst", data=body, content_type="application/xml")
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "script",
    [
        "import os\nos.system('id')",
        "x = [].__class__.__base__.__subclasses__()",
        "x = open('/etc/passwd').read()",
        "x = __import__('os')",
        "x = getattr(data, 'y')",
    ],
    ids=["import", "dunder-walk", "open", "__import__", "getattr"],
)
def test_scripts_escaping_the_sandbox_are_refused_at_validation(
    client: ApiClient, nothing_stored: None, script: str
) -> None:
    xml = Process("p", lane="window").start().script_task("compute", "计算", script).end().xml()
    report = client.post(VALIDATE, "analyst", data=xml.encode(), content_type="application/xml").json
    assert ("compute", "script-refused") in {(e["element_id"], e["rule"]) for e in report["errors"]}
    deployed = client.post(DEPLOY, "analyst", data=xml.encode(), content_type="application/xml")
    assert deployed.status_code == 422
    assert "compute" in deployed.json["errors"]


def test_a_condition_nested_past_the_parser_is_refused_not_a_crash(client: ApiClient) -> None:
    deep = "-" * 100_000 + "1 > 0"
    xml = (
        Process("p", lane="window")
        .start()
        .gateway("choice", default="no")
        .end("yes", condition=deep)
        .end("no", after="choice")
        .xml()
    )
    answer = client.post(VALIDATE, "analyst", data=xml.encode(), content_type="application/xml")
    assert answer.status_code == 200
    assert ("f2", "script-refused") in {(e["element_id"], e["rule"]) for e in answer.json["errors"]}


@pytest.mark.parametrize("user", ["clerk", "approver", "supervisor"])
@pytest.mark.parametrize("path", [VALIDATE, DEPLOY])
def test_only_analysts_and_admins_validate_or_deploy(
    client: ApiClient, nothing_stored: None, user: str, path: str
) -> None:
    xml = Process("p", lane="window").start().end().xml()
    answer = client.post(path, user, data=xml.encode(), content_type="application/xml")
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"


def test_admins_may_validate(client: ApiClient) -> None:
    xml = Process("p", lane="window").start().end().xml()
    assert (
        client.post(VALIDATE, "admin", data=xml.encode(), content_type="application/xml").status_code == 200
    )
