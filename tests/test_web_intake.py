"""The intake page as a window clerk uses it all day: 代办人, legal entities, duplicate warnings, 暂存 drafts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.support.api import APPLICANT, APPLICATION, SERVICE, ApiClient
from tests.support.clock import service_clock
from tests.support.pages import Browser, page_text

INTAKE = f"/services/{SERVICE}/apply"
DRAFTS = f"/services/{SERVICE}/drafts"
AGENT = {
    "agent_name": "李四",
    "agent_id_number": "110105198001010016",
    "agent_phone": "13900139000",
    "agent_relationship": "受托人",
    "agent_authorisation_note": "张三在外地务工，委托李四办理",
}
CREDIT_CODE = "11330783002609123M"


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


@pytest.fixture
def clerk(app: Flask) -> Browser:
    browser = Browser(app)
    browser.log_in("clerk")
    browser.get(INTAKE)
    return browser


def form(applicant: dict[str, str] | None = None, data: dict[str, Any] | None = None, **fields: str) -> dict:
    applicant = applicant or APPLICANT
    return {
        "applicant_kind": applicant["kind"],
        "applicant_name": applicant["name"],
        "applicant_id_number": applicant["id_number"],
        "applicant_phone": applicant["phone"],
        "matter_township": "330783001",
        "data": json.dumps(APPLICATION if data is None else data, ensure_ascii=False),
        **fields,
    }


def registered_number(response: Any) -> str:
    assert response.status_code == 302, page_text(response)[:2000]
    return response.headers["Location"].split("/cases/")[1].split("?")[0]


def draft_id(response: Any) -> str:
    assert response.status_code == 302, page_text(response)[:2000]
    found = re.search(r"\?draft=(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def test_an_agent_is_recorded_on_the_case(clerk: Browser, client: ApiClient) -> None:
    number = registered_number(clerk.post(INTAKE, form(**AGENT)))
    agent = client.case(number)["agent"]
    assert agent["name"] == "李四" and agent["id_number"] == "110105198001010016"
    assert agent["relationship"] == "受托人" and agent["authorisation_note"].startswith("张三在外地务工")
    # No material chosen: the item's only 委托 material stands for the authorisation.
    assert agent["authorisation_material"] == "委托代理人身份证明及委托书"


def test_without_agent_fields_there_is_no_agent(clerk: Browser, client: ApiClient) -> None:
    number = registered_number(clerk.post(INTAKE, form(agent_name="", agent_phone=" ")))
    assert client.case(number)["agent"] is None


def test_a_bad_agent_shows_errors_at_the_agent_fields_with_everything_kept(clerk: Browser) -> None:
    wrong = clerk.post(INTAKE, form(**{**AGENT, "agent_id_number": "110105198001010017", "agent_phone": ""}))
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert re.search(r'id="err-agent-id_number">校验位（第 18 位）与前 17 位不符', html)
    assert re.search(r'id="err-agent-phone">必填', html)
    assert re.search(r"<details[^>]*data-agent open", html)  # the block is open where the errors are
    assert 'value="110105198001010017"' in html and 'value="李四"' in html and "在外地务工" in html
    assert "东阳市吴宁张三小吃店" in html  # the item's form, kept

    itself = clerk.post(INTAKE, form(**{**AGENT, "agent_id_number": APPLICANT["id_number"]}))
    assert itself.status_code == 422
    assert re.search(r'id="err-agent-id_number">代理人不能是申请人本人', page_text(itself))


def test_a_legal_entity_registers_with_its_credit_code_checked_at_the_field(
    clerk: Browser, client: ApiClient
) -> None:
    entity = {"kind": "legal_entity", "name": "东阳市吴宁餐饮管理有限公司", "phone": "0579-86601234"}
    wrong = clerk.post(INTAKE, form({**entity, "id_number": CREDIT_CODE[:-1] + "A"}, **AGENT))
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert re.search(r'id="err-applicant-id_number">校验码（第 18 位）与前 17 位不符', html)
    assert re.search(r'value="legal_entity"\s+checked', html)  # the page stays on 法人

    number = registered_number(clerk.post(INTAKE, form({**entity, "id_number": CREDIT_CODE}, **AGENT)))
    case = client.case(number)
    assert case["applicant"]["kind"] == "legal_entity" and case["applicant"]["id_number"] == CREDIT_CODE
    assert case["agent"]["name"] == "李四"


def test_a_duplicate_is_warned_then_registered_with_the_reason(clerk: Browser, client: ApiClient) -> None:
    here = client.start_case()  # the same applicant's open case at this window
    elsewhere = client.start_case("clerk-hengdian")  # and one at another township's window

    warned = clerk.post(INTAKE, form(**AGENT))
    assert warned.status_code == 409
    html = page_text(warned)
    warning = html[html.index('data-testid="duplicate-warning"') :]
    assert f'href="/cases/{here}"' in warning and "申请" in warning
    assert elsewhere in warning and f'href="/cases/{elsewhere}"' not in warning  # named, not shown
    assert "横店镇便民服务中心" in warning
    assert "确认不是重复申请，继续登记" in warning
    assert 'value="李四"' in html and "东阳市吴宁张三小吃店" in html  # everything kept

    no_reason = clerk.post(INTAKE, form(**AGENT, confirm_duplicate="1", duplicate_reason=" "))
    assert no_reason.status_code == 422
    html = page_text(no_reason)
    assert 'data-testid="duplicate-warning"' in html
    assert re.search(r'id="err-confirm_duplicate-reason">须说明再次申请的理由', html)

    reason = "原申请经营场所有误，申请人要求另案办理"
    number = registered_number(
        clerk.post(INTAKE, form(**AGENT, confirm_duplicate="1", duplicate_reason=reason))
    )
    duplicate = client.case(number)["duplicate"]
    assert duplicate == {"existing_cases": [here, elsewhere], "reason": reason}


def test_a_draft_is_saved_resumed_by_a_colleague_and_deleted(app: Flask, clerk: Browser) -> None:
    half = {"business_name": "东阳市吴宁张三小吃店", "capital_wan_yuan": 5}
    applicant = {**APPLICANT, "id_number": "1101051949"}  # half typed: drafts are not checked
    saved = clerk.post(DRAFTS, form(applicant, half, agent_name="李四"))
    draft = draft_id(saved)
    resumed = clerk.get(saved.headers["Location"])
    html = page_text(resumed)
    assert resumed.status_code == 200 and "已暂存" in html
    assert 'value="1101051949"' in html and 'value="李四"' in html
    assert "东阳市吴宁张三小吃店" in html and f'name="draft_id" value="{draft}"' in html

    colleague = Browser(app)
    colleague.log_in("clerk-wuning")
    listed = page_text(colleague.get("/window"))
    assert "张三" in listed and "个体工商户设立登记" in listed and "吴宁街道窗口 陈晓燕" in listed
    colleague.get(f"{INTAKE}?draft={draft}")
    again = colleague.post(
        DRAFTS, form(applicant, {**half, "premises": "东阳市吴宁街道人民路1号"}, draft_id=draft)
    )
    assert draft_id(again) == draft  # the same draft, saved over
    assert "人民路1号" in page_text(clerk.get(f"{INTAKE}?draft={draft}"))
    assert "吴宁街道窗口人员" in page_text(clerk.get("/window"))  # saved last by the colleague

    outsider = Browser(app)
    outsider.log_in("clerk-hengdian")
    assert outsider.get(f"{INTAKE}?draft={draft}").status_code == 404
    assert outsider.post(f"/drafts/{draft}/delete").status_code == 404
    assert "张三" not in page_text(outsider.get("/window"))

    clerk.get("/window")
    deleted = clerk.post(f"/drafts/{draft}/delete")
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/window"
    window = page_text(clerk.get("/window"))
    assert "已删除暂存的申请" in window and "没有暂存的申请" in window
    assert clerk.get(f"{INTAKE}?draft={draft}").status_code == 404
    assert clerk.get(f"{INTAKE}?draft=x").status_code == 404


def test_registering_from_a_draft_removes_it(clerk: Browser, client: ApiClient) -> None:
    draft = draft_id(clerk.post(DRAFTS, form(**AGENT)))
    clerk.get(f"{INTAKE}?draft={draft}")
    number = registered_number(clerk.post(INTAKE, form(**AGENT, draft_id=draft)))
    assert client.case(number)["agent"]["name"] == "李四"
    assert "没有暂存的申请" in page_text(clerk.get("/window"))
    assert clerk.get(f"{INTAKE}?draft={draft}").status_code == 404


def test_a_draft_too_large_is_refused_with_the_form_kept(clerk: Browser) -> None:
    refused = clerk.post(DRAFTS, form(data={"business_scope": "小吃" * 40_000}))
    assert refused.status_code == 413
    html = page_text(refused)
    assert re.search(r'id="err-draft">暂存内容超过 64 KB', html)
    assert f'value="{APPLICANT["id_number"]}"' in html
    assert "没有暂存的申请" in page_text(clerk.get("/window"))


def test_drafts_not_saved_for_30_days_are_flagged_on_my_window(app: Flask) -> None:
    saved_at = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    clock = service_clock(app, saved_at)
    clerk = Browser(app)
    clerk.log_in("clerk")
    clerk.get(INTAKE)
    draft_id(clerk.post(DRAFTS, form()))
    assert "超过 30 天" not in page_text(clerk.get("/window"))

    clock.set(saved_at + timedelta(days=30, minutes=1))
    clerk.log_in("clerk")  # the session has long ended
    window = page_text(clerk.get("/window"))
    assert "张三" in window and "超过 30 天" in window  # flagged, not deleted


def test_the_intake_page_shows_the_implementation_list(clerk: Browser) -> None:
    text = page_text(clerk.get(INTAKE))
    for shown in (
        "实施主体",
        "东阳市市场监督管理局（法定机关）",
        "行使层级",
        "设定依据",
        "受理条件",
        "服务对象",
        "办理地点",
        "东阳市民服务中心一楼商事登记窗口",
        "办理时间",
        "咨询方式",
        "0579-86650110",
        "监督投诉方式",
        "是否进驻大厅",
        "来源：申请人自备",
        "空白表格：forms/blank/个体工商户登记（备案）申请书.pdf",
    ):
        assert shown in text, shown


EVENT_INTAKE = "/services/grassroots_event_dispatch/apply"
EVENT = {
    "event_channel": "grid_member",
    "grid_name": "吴宁街道上湖社区第三网格",
    "event_category": "illegal_construction",
    "event_location": "吴宁街道西街村后塘自然村12号旁",
    "event_description": "有人在村道旁搭建彩钢棚，占用消防通道",
}


def event_form(**applicant: str) -> dict[str, str]:
    return {
        "matter_township": "330783001",
        "data": json.dumps(EVENT, ensure_ascii=False),
        **{f"applicant_{name}": value for name, value in applicant.items()},
    }


@pytest.fixture
def command(app: Flask) -> Browser:
    browser = Browser(app)
    browser.log_in("command")
    return browser


def test_the_intake_page_offers_the_kinds_the_item_takes(clerk: Browser, command: Browser) -> None:
    licence = page_text(clerk.get(INTAKE))
    assert re.findall(r'name="applicant_kind" value="(\w+)"', licence) == ["person", "legal_entity"]
    assert 'name="applicant_channel"' not in licence
    event = page_text(command.get(EVENT_INTAKE))
    assert re.findall(r'name="applicant_kind" value="(\w+)"', event) == ["reporter", "person"]
    assert re.search(r'value="reporter"\s+checked', event)  # the item's first kind
    for channel in ("网格员", "12345 热线", "匿名反映"):
        assert channel in event
    catalogue = page_text(command.get("/services"))
    assert 'href="/services/grassroots_event_dispatch/apply"' in catalogue
    assert f'href="{INTAKE}"' not in catalogue  # the window registers that one
    assert clerk.get(EVENT_INTAKE).status_code == 403  # the command room registers events


def test_a_reporter_registers_from_the_page_without_an_id_number(command: Browser, client: ApiClient) -> None:
    number = registered_number(
        command.post(
            EVENT_INTAKE,
            event_form(kind="reporter", channel="grid_member", name="郭秀云", phone="15157990869"),
        )
    )
    applicant = client.case(number, "command")["applicant"]
    assert applicant == {
        "kind": "reporter",
        "name": "郭秀云",
        "id_number": "",
        "phone": "15157990869",
        "channel": "grid_member",
    }
    page = page_text(command.get(f"/cases/{number}"))
    assert re.search(r'data-testid="reporter">郭秀云（事件反映人·网格员）', page)

    anonymous = registered_number(
        command.post(EVENT_INTAKE, event_form(kind="reporter", channel="anonymous"))
    )
    assert client.case(anonymous, "command")["applicant"]["name"] == "匿名"


def test_a_wrong_reporter_gets_field_messages_with_the_input_kept(command: Browser) -> None:
    wrong = command.post(EVENT_INTAKE, event_form(kind="reporter", channel="grid_member", phone="12345"))
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert re.search(r'id="err-applicant-name">网格员上报须填写网格员姓名', html)
    assert re.search(r'id="err-applicant-phone">不是有效的手机号或固定电话', html)
    assert re.search(r'value="reporter"\s+checked', html) and re.search(
        r'value="grid_member"\s+selected', html
    )
    assert 'value="12345"' in html and "吴宁街道上湖社区第三网格" in html

    no_channel = page_text(command.post(EVENT_INTAKE, event_form(kind="reporter", name="楼先生")))
    assert re.search(r'id="err-applicant-channel">必填', no_channel)
    assert 'value="楼先生"' in no_channel

    anonymous = page_text(
        command.post(EVENT_INTAKE, event_form(kind="reporter", channel="anonymous", name="楼先生"))
    )
    assert re.search(r'id="err-applicant-name">匿名反映不登记姓名和联系电话', anonymous)

    entity = page_text(
        command.post(EVENT_INTAKE, event_form(kind="legal_entity", name="某公司", id_number=CREDIT_CODE))
    )
    assert re.search(r'id="err-applicant-kind">本事项不受理法人的申请', entity)


def test_a_reporter_gets_no_agent_block_and_a_lead_of_their_own(
    clerk: Browser, command: Browser, client: ApiClient
) -> None:
    identity_lead = "第 1 步：核对申请人身份证件"
    reporter_lead = "第 1 步：选择反映渠道，记下反映人的姓名和联系电话（匿名反映不填）"
    event = page_text(command.get(EVENT_INTAKE))  # the reporter is the item's first kind
    assert re.search(r'<details class="panel agent" data-agent\s+hidden>', event)
    assert re.search(rf'<span data-kind="reporter"\s*>{reporter_lead}', event)
    assert re.search(rf'<span data-kind="person legal_entity" hidden>{identity_lead}', event)

    # A person reporting the event (the item's other kind) has the 代办人 block and the identity lead.
    kept = page_text(command.post(EVENT_INTAKE, event_form(kind="person", name="楼先生")))
    assert re.search(r'<details class="panel agent" data-agent\s*>', kept)
    assert re.search(rf'<span data-kind="person legal_entity"\s*>{identity_lead}', kept)
    assert re.search(rf'<span data-kind="reporter" hidden>{reporter_lead}', kept)

    # Leftovers of the hidden block are not taken as an agent of the reporter.
    posted = {
        **event_form(kind="reporter", channel="hotline_12345", name="楼先生"),
        "agent_name": "李四",
        "agent_phone": "13900139000",
    }
    number = registered_number(command.post(EVENT_INTAKE, posted))
    assert client.case(number, "command")["agent"] is None

    # An item without reporters keeps the wording it had.
    licence = page_text(clerk.get(INTAKE))
    assert re.search(rf'<span data-kind="person legal_entity"\s*>{identity_lead}', licence)
    assert reporter_lead not in licence
    assert re.search(r'<details class="panel agent" data-agent\s*>', licence)
