"""A wider read scope: an admin grants a client ``applications:read-all`` (API, CLI or page), and it reads
the online applications other clients submitted for townships in its regions — read only; elsewhere, and
for every client without the grant, another client's application stays 404."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.api import HENGDIAN, ApiClient
from tests.support.applications import PATH, headers_for, portal_client, submitted
from tests.support.pages import Browser, page_text
from tests.support.portal import PortalClient, client_headers

WIDE = ["applications:write", "applications:read", "applications:read-all"]


def read(client: ApiClient, headers: dict[str, str], number: str) -> Any:
    return client.http.get(f"{PATH}/{number}", headers=headers)


def grant(client: ApiClient, portal: PortalClient | str, scopes: list[str], user: str = "admin") -> Any:
    client_id = portal if isinstance(portal, str) else portal.client_id
    return client.http.patch(
        f"/api/v1/admin/clients/{client_id}", json={"scopes": scopes}, headers=client.headers(user)
    )


def test_a_client_granted_read_all_reads_other_clients_applications_in_its_regions(
    app: Flask, client: ApiClient
) -> None:
    zheliban = headers_for(client, portal_client(app))
    wuning_case = submitted(client, zheliban)
    hengdian_case = submitted(client, zheliban, matter_township=HENGDIAN)
    platform = portal_client(app, name="县政务服务平台", regions=(HENGDIAN,))
    before = client_headers(client.http, platform)
    assert read(client, before, hengdian_case).status_code == 404

    granted = grant(client, platform, WIDE)
    assert granted.status_code == 200
    assert granted.json["scopes"] == WIDE
    # The token taken before the grant carries only what it was issued with.
    assert read(client, before, hengdian_case).status_code == 404
    after = client_headers(client.http, platform)
    answer = read(client, after, hengdian_case)
    assert answer.status_code == 200
    assert answer.json["number"] == hengdian_case
    assert answer.json["status"]["code"] == "pre_review"  # waiting in 预审 at 横店镇's window
    # Outside its regions, as before.
    assert read(client, after, wuning_case).status_code == 404
    # Reading is all it may do with another's application; its list stays its own.
    for action, body in (("withdraw", {"reason": "不办了"}), ("rating", {"rating": "satisfied"})):
        assert (
            client.http.post(f"{PATH}/{hengdian_case}/{action}", json=body, headers=after).status_code == 404
        )
    assert client.http.get(PATH, headers=after).json == []
    # A client without the grant still sees nothing of another's.
    other = headers_for(client, portal_client(app, name="12345热线", regions=(HENGDIAN,)))
    assert read(client, other, hengdian_case).status_code == 404

    # Taken away again, the token issued with it stops reading at once.
    assert grant(client, platform, ["applications:write", "applications:read"]).status_code == 200
    assert read(client, after, hengdian_case).status_code == 404


def test_a_window_case_is_no_online_application_for_read_all(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    platform = portal_client(app, name="县政务服务平台")
    grant(client, platform, WIDE)
    assert read(client, client_headers(client.http, platform), number).status_code == 404


def test_only_an_admin_grants_scopes_and_only_known_ones(app: Flask, client: ApiClient) -> None:
    platform = portal_client(app, name="县政务服务平台")
    assert grant(client, platform, ["applications:read-everything"]).status_code == 422
    assert grant(client, platform, []).status_code == 422
    assert grant(client, platform, WIDE, user="clerk").status_code == 403
    assert grant(client, "pc-nobody", WIDE).status_code == 404
    assert grant(client, platform, WIDE).status_code == 200
    audit = client.get("/api/v1/audit?action=api_client.scopes_changed", "admin").json
    assert [entry["action"] for entry in audit] == ["api_client.scopes_changed"]


def test_the_cli_grants_read_all(app: Flask, client: ApiClient) -> None:
    zheliban = headers_for(client, portal_client(app))
    number = submitted(client, zheliban)
    platform = portal_client(app, name="县政务服务平台")
    result = app.test_cli_runner().invoke(
        args=["clients", "set-scopes", platform.client_id, "--scopes", ",".join(WIDE)]
    )
    assert result.exit_code == 0, result.output
    assert "applications:write,applications:read,applications:read-all" in result.output
    assert read(client, client_headers(client.http, platform), number).status_code == 200
    wrong = app.test_cli_runner().invoke(
        args=["clients", "set-scopes", platform.client_id, "--scopes", "all"]
    )
    assert wrong.exit_code == 1 and "scopes" in wrong.output


def test_the_admin_page_grants_read_all(app: Flask, client: ApiClient) -> None:
    zheliban = headers_for(client, portal_client(app))
    number = submitted(client, zheliban)
    platform = portal_client(app, name="县政务服务平台")
    admin = Browser(app)
    admin.log_in("admin")
    page = page_text(admin.get("/admin/clients"))
    assert "修改授权范围" in page and "查询可申报区划内所有网上申请" in page
    saved = admin.post(f"/admin/clients/{platform.client_id}/scopes", {"scopes": WIDE})
    assert saved.status_code == 302
    page = page_text(admin.get(saved.headers["Location"]))
    assert "已更新 县政务服务平台 的授权范围" in page
    assert read(client, client_headers(client.http, platform), number).status_code == 200
    admin.get("/admin/clients")
    empty = admin.post(f"/admin/clients/{platform.client_id}/scopes", {})
    assert empty.status_code == 422
    assert "至少一项" in page_text(empty)
