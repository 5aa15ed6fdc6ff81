"""The API describes itself: OpenAPI 3 at /api/openapi.json and browsable docs at /api/docs, no CDN."""

from __future__ import annotations

import re

from tests.support.api import ApiClient


def test_openapi_document_lists_the_staff_api_with_bearer_auth(client: ApiClient) -> None:
    response = client.http.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert {
        "/api/v1/cases",
        "/api/v1/cases/{number}",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/complete",
    } <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def test_api_docs_page_and_its_assets_are_served_locally(client: ApiClient) -> None:
    page = client.http.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith(("/static/vendor/", "/static/web/")), asset
        with client.http.get(asset) as served:
            assert served.status_code == 200
