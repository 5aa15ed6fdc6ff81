"""The OpenAPI document as a reader and a generator take it: valid OpenAPI 3.0, every operation described
in Chinese and English, its security as the server checks it, and every example valid against its schema.

The bilingual convention (docs/decisions.md): the summary is ``中文 / English``, the description a Chinese
paragraph and an English one. Security is checked against the server, not the document alone: without
a token every operation that states a bearer scheme is 401 and every other is not; a client token
lacking the scope an operation names is 403 and one holding it gets past authentication; a client token
at a staff operation, and a staff token at a client-only one, is 401.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft7Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from tests.support.api import ApiClient
from tests.support.portal import client_headers, register_client
from tests.test_openapi_errors import (
    PLAUSIBLE,
    TOKEN_ENDPOINT,
    Spec,
    call,
    document,
    operations,
)
from workflow_service.services.portal.clients import SCOPES

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]+(?:[ ,'-]+[A-Za-z]+){3,}")  # four English words in a row


def test_the_document_is_valid_openapi_3(app: Flask) -> None:
    spec = document(app)
    assert spec["openapi"].startswith("3.0")
    errors = [f"{list(error.path)}: {error.message}" for error in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []


def _bilingual(text: str) -> bool:
    """``中文 / English``: Chinese before the first " / ", English words after it."""
    chinese, _, english = text.partition(" / ")
    return bool(HAN.search(chinese) and re.search(r"[A-Za-z]{2,}", english))


def test_every_operation_is_described_in_chinese_and_english(app: Flask) -> None:
    wrong = []
    for (method, path), operation in operations(document(app)):
        summary = operation.get("summary", "")
        if not _bilingual(summary):
            wrong.append(f"{method} {path}: summary {summary!r} is not 中文 / English")
        paragraphs = [part for part in operation.get("description", "").split("\n\n") if part.strip()]
        if not any(len(HAN.findall(part)) >= 4 for part in paragraphs):
            wrong.append(f"{method} {path}: no Chinese paragraph in the description")
        if not any(ENGLISH.search(part) and len(HAN.findall(part)) < len(part) / 8 for part in paragraphs):
            wrong.append(f"{method} {path}: no English paragraph in the description")
    assert wrong == [], "\n".join(wrong)


def test_every_tag_and_scope_is_described_in_both_languages(app: Flask) -> None:
    spec = document(app)
    texts = {f"tag {tag['name']}": tag.get("description", "") for tag in spec["tags"]}
    schemes = spec["components"]["securitySchemes"]
    texts |= {f"scheme {name}": scheme["description"] for name, scheme in schemes.items()}
    scopes = schemes["clientCredentials"]["flows"]["clientCredentials"]["scopes"]
    assert sorted(scopes) == sorted(SCOPES)
    texts |= {f"scope {name}": text for name, text in scopes.items()}
    wrong = [
        name for name, text in texts.items() if not (HAN.search(text) and re.search(r"[A-Za-z]{3}", text))
    ]
    assert wrong == [], "\n".join(wrong)


def _bearer_schemes(operation: dict[str, Any]) -> set[str]:
    return {scheme for requirement in operation["security"] for scheme in requirement} & {
        "bearerAuth",
        "clientCredentials",
    }


def _scopes(operation: dict[str, Any]) -> list[str]:
    return [
        scope for requirement in operation["security"] for scope in requirement.get("clientCredentials", [])
    ]


def test_every_operation_states_its_security_as_the_server_checks_it(app: Flask, client: ApiClient) -> None:
    spec = document(app)
    everything = client_headers(client.http, register_client(app, "全权门户", scopes=list(SCOPES)))
    names = itertools.count()
    wrong = []
    for key, operation in operations(spec):
        if "security" not in operation:
            wrong.append(f"{key}: no security of its own")
            continue
        if key == TOKEN_ENDPOINT:
            continue  # client credentials in the request itself: tests/test_api_clients.py
        schemes = _bearer_schemes(operation)
        anonymous = call(app, spec, key, PLAUSIBLE).status_code
        if schemes and anonymous != 401:
            wrong.append(f"{key}: states {sorted(schemes)} but answers {anonymous} without a token")
        if not schemes and anonymous == 401:
            wrong.append(f"{key}: states no token but answers 401 without one")
        if "clientCredentials" not in schemes:
            if schemes and call(app, spec, key, PLAUSIBLE, everything).status_code != 401:
                wrong.append(f"{key}: a staff operation takes a client token")
            continue
        if (
            "bearerAuth" not in schemes
            and call(app, spec, key, PLAUSIBLE, client.headers("admin")).status_code != 401
        ):
            wrong.append(f"{key}: a client-only operation takes a staff token")
        needed = _scopes(operation)
        assert len(needed) == 1, key  # one scope per operation: the refusal below is for it
        others = [scope for scope in SCOPES if scope not in needed]
        lacking = client_headers(
            client.http, register_client(app, f"缺少范围的门户{next(names)}", scopes=others)
        )
        refused = call(app, spec, key, PLAUSIBLE, lacking)
        if refused.status_code != 403 or needed[0] not in refused.json["detail"]:
            wrong.append(f"{key}: without {needed[0]} answers {refused.status_code}")
        holding = client_headers(
            client.http, register_client(app, f"持有范围的门户{next(names)}", scopes=needed)
        )
        granted = call(app, spec, key, PLAUSIBLE, holding).status_code
        if granted in (401, 403):
            wrong.append(f"{key}: with {needed[0]} still answers {granted}")
    assert wrong == [], "\n".join(wrong)


def _json_schema(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as JSON Schema, with the document's components beside it for its $refs, and
    objects closed to properties they do not name (an example's misspelt field is an error)."""

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        converted = {key: convert(value) for key, value in node.items() if key != "example"}
        if converted.pop("nullable", False):
            if "type" in converted:
                converted["type"] = [converted["type"], "null"]
            elif "$ref" in converted or "allOf" in converted:
                converted = {"anyOf": [converted, {"type": "null"}]}
        if "properties" in converted and "additionalProperties" not in converted:
            converted["additionalProperties"] = False
        return converted

    return {**convert(copy.deepcopy(schema)), "components": convert(spec["components"])}


def _examples(spec: Spec) -> list[tuple[str, dict[str, Any], Any]]:
    """Every example of the document's operations: (where, its schema, the example)."""
    found = []
    for (method, path), operation in operations(spec):
        where = f"{method} {path}"
        contents = [("request", operation.get("requestBody", {}).get("content", {}))]
        for status, response in operation["responses"].items():
            if "$ref" not in response:
                contents.append((status, response.get("content", {})))
        for part, content in contents:
            for media_type, media in content.items():
                if "schema" not in media:
                    continue
                if "example" in media:
                    found.append((f"{where} {part} {media_type}", media["schema"], media["example"]))
                for name, example in media.get("examples", {}).items():
                    found.append((f"{where} {part} {media_type} {name}", media["schema"], example["value"]))
        for parameter in operation.get("parameters", []):
            if "example" in parameter.get("schema", {}):
                found.append(
                    (f"{where} {parameter['name']}", parameter["schema"], parameter["schema"]["example"])
                )
    return found


def test_every_example_is_valid_against_its_schema(app: Flask) -> None:
    spec = document(app)
    examples = _examples(spec)
    assert len(examples) >= 26  # the portal API's at least
    wrong = [
        f"{where}: {error.message} at {list(error.absolute_path)}"
        for where, schema, example in examples
        for error in Draft7Validator(_json_schema(spec, schema)).iter_errors(example)
    ]
    assert wrong == [], "\n".join(wrong)


def _portal(key: tuple[str, str], operation: dict[str, Any]) -> bool:
    """An operation of the portal API (DESIGN §6): a client token takes it, or it issues one."""
    return key == TOKEN_ENDPOINT or "clientCredentials" in _bearer_schemes(operation)


@pytest.mark.parametrize("part", ["request", "answer"])
def test_every_portal_operation_shows_an_example(app: Flask, part: str) -> None:
    spec = document(app)
    shown = {" ".join(where.split(" ")[:3]) for where, *_ in _examples(spec)}
    wrong = []
    for (method, path), operation in operations(spec):
        if not _portal((method, path), operation):
            continue
        if part == "request":
            body = operation.get("requestBody", {}).get("content", {})
            if body and f"{method} {path} request" not in shown:
                wrong.append(f"{method} {path}")
            continue
        success = [
            status
            for status, response in operation["responses"].items()
            if status.startswith("2") and "content" in response
        ]
        if success and not any(f"{method} {path} {status}" in shown for status in success):
            wrong.append(f"{method} {path}")
    assert wrong == [], "\n".join(wrong)
