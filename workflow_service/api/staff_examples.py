"""Examples of the staff API's main requests and answers for the OpenAPI document, as the server sends
them (taken from real answers; ``tests/test_openapi_document.py`` validates each against its schema)."""

from __future__ import annotations

from typing import Any

CASE_REQUEST_EXAMPLE: Any = {
    "service_code": "individual_business_registration",
    "applicant": {
        "kind": "person",
        "name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
    },
    "data": {
        "business_name": "东阳市吴宁张三小吃店",
        "operator_name": "张三",
        "operator_id_number": "11010519491231002X",
        "premises": "东阳市吴宁街道人民路1号",
        "business_scope": "小吃服务",
        "capital_wan_yuan": 5,
        "organisation_form": "individual",
    },
}

CASE_CREATED_EXAMPLE: Any = {
    "incident": None,
    "next_tasks": [
        {
            "id": "a30aa6e0-721c-42cb-9520-365091fa6a39",
            "may_work": True,
            "name": "受理",
            "organisation": {"code": "330783001-bmfwzx", "name": "吴宁街道便民服务中心"},
        }
    ],
    "number": "330783-GTDJ-20260313-0001",
    "query_password": "292987",
    "status": {"code": "submitted", "label": "申请/预审"},
    "unified_case_code": None,
    "warnings": {},
}

ME_EXAMPLE: Any = {
    "full_name": "吴宁街道窗口 陈晓燕",
    "must_change_password": False,
    "organisation": {"code": "330783001-bmfwzx", "name": "吴宁街道便民服务中心"},
    "password_changed_at": None,
    "roles": ["clerk"],
    "username": "clerk",
}

TASKS_EXAMPLE: Any = [
    {
        "applicant_name": "张三",
        "assignee": None,
        "bpmn_id": "acceptance",
        "case_number": "330783-GTDJ-20260313-0001",
        "created_at": "2026-03-13T01:14:00+00:00",
        "delegated_from": None,
        "due_date": "2026-03-20",
        "due_state": "normal",
        "id": "a30aa6e0-721c-42cb-9520-365091fa6a39",
        "kind": "workflow",
        "lane": "window",
        "name": "受理",
        "organisation": {"code": "330783001-bmfwzx", "name": "吴宁街道便民服务中心"},
        "role": "clerk",
        "service_name": "个体工商户设立登记",
        "state": "open",
    }
]

COMPLETE_REQUEST_EXAMPLE: Any = {"data": {"acceptance_decision": "accept"}}
