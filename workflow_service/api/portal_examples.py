"""Examples of the portal API's answers for the OpenAPI document, as the server sends them (taken from
real answers; ``tests/test_openapi_document.py`` validates each against its schema)."""

from __future__ import annotations

from typing import Any

SERVICE_ITEM_EXAMPLE: Any = {
    "acceptance_conditions": "有经营能力的公民，经营场所符合规定，申请材料齐全、符合法定形式",
    "acceptance_limit_days": 5,
    "acceptance_mode": "city",
    "applicant_kinds": None,
    "basic_code": "000126001000",
    "body_code": "11330783MB1234567X",
    "body_name": "东阳市市场监督管理局",
    "body_nature": "statutory",
    "code": "individual_business_registration",
    "complaint": "电话 12345；东阳市市场监督管理局 0579-86650170；浙江政务服务网“好差评”",
    "consultation": "电话 0579-86650110；窗口现场咨询；浙江政务服务网在线咨询",
    "department_type": "market_regulation",
    "eligibility": [],
    "exercise_level": "县级",
    "fee_amount": None,
    "fee_basis": None,
    "fee_required": False,
    "implementation_code": "11330783MB1234567X4000126001000",
    "in_service_hall": True,
    "instant": False,
    "item_type": "licensing",
    "joint_handling": False,
    "joint_organisations": None,
    "legal_basis": "《促进个体工商户发展条例》第八条",
    "legal_limit_days": 15,
    "legal_limit_unit": "working_day",
    "licence_name": "营业执照（个体工商户）",
    "licence_valid_years": None,
    "materials": [
        {
            "blank_form": "forms/blank/个体工商户登记（备案）申请书.pdf",
            "copies": 1,
            "deferrable": False,
            "form": "original",
            "name": "个体工商户登记（备案）申请书",
            "note": None,
            "required": True,
            "sample_form": "forms/sample/个体工商户登记（备案）申请书（示例）.pdf",
            "source_channel": "申请人自备",
        },
        {
            "blank_form": None,
            "copies": 1,
            "deferrable": False,
            "form": "copy",
            "name": "经营者身份证明",
            "note": None,
            "required": True,
            "sample_form": None,
            "source_channel": "政府部门核发",
        },
    ],
    "name": "个体工商户设立登记",
    "process_key": "individual_business_registration",
    "promised_limit_days": 3,
    "promised_limit_unit": "working_day",
    "service_hours": "周一至周五 8:30—12:00，14:30—17:30，法定节假日除外",
    "service_location": "各乡镇（街道）便民服务中心综合受理窗口",
    "service_objects": "自然人",
    "short_code": "GTDJ",
    "version": 1,
    "visits_required": 1,
    "warning_days": 1,
}
SERVICE_LIST_EXAMPLE: Any = [SERVICE_ITEM_EXAMPLE]

SERVICE_EXAMPLE: Any = {
    "application_form": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "additionalProperties": False,
        "properties": {
            "business_name": {
                "description": "如无字号可不使用名称，填写“（无字号）”",
                "maxLength": 60,
                "minLength": 2,
                "title": "个体工商户名称",
                "type": "string",
            },
            "operator_name": {"maxLength": 30, "minLength": 2, "title": "经营者姓名", "type": "string"},
            "operator_id_number": {
                "format": "cn-resident-id",
                "title": "经营者居民身份证号码",
                "type": "string",
            },
            "premises": {"maxLength": 200, "minLength": 4, "title": "经营场所", "type": "string"},
        },
        "required": ["business_name", "operator_name", "operator_id_number", "premises"],
        "title": "个体工商户设立登记申请书",
        "type": "object",
    },
    "item": SERVICE_ITEM_EXAMPLE,
    "process_key": "individual_business_registration",
    "process_version": 1,
}

APPLICATION_STATUS_EXAMPLE: Any = {
    "channel": "portal",
    "collection": None,
    "current_step": "预审中：窗口正在审核您的申请材料",
    "due_date": None,
    "number": "330783-GTDJ-20260313-0001",
    "result": None,
    "service_code": "individual_business_registration",
    "service_name": "个体工商户设立登记",
    "status": {"code": "submitted", "label": "申请/预审"},
    "status_history": [
        {"at": "2026-03-13T01:12:01+00:00", "status": {"code": "submitted", "label": "申请/预审"}}
    ],
    "submitted_at": "2026-03-13T01:12:00+00:00",
}

APPLICATION_ISSUED_EXAMPLE: Any = {
    "channel": "portal",
    "collection": {
        "delivered_at": "2026-03-13T01:12:11+00:00",
        "label": "邮寄送达",
        "method": "mail",
        "tracking_number": "SF1234567890",
        "window": "吴宁街道便民服务中心",
    },
    "current_step": "已出件：办理结果已送达",
    "due_date": "2026-03-20",
    "number": "330783-GTDJ-20260313-0001",
    "result": {
        "at": "2026-03-13T01:12:09+00:00",
        "code": "granted",
        "label": "准予",
        "reason": "材料齐全，准予登记",
    },
    "service_code": "individual_business_registration",
    "service_name": "个体工商户设立登记",
    "status": {"code": "issued", "label": "已出件"},
    "status_history": [
        {"at": "2026-03-13T01:12:01+00:00", "status": {"code": "submitted", "label": "申请/预审"}},
        {"at": "2026-03-13T01:12:07+00:00", "status": {"code": "accepted", "label": "受理"}},
        {"at": "2026-03-13T01:12:08+00:00", "status": {"code": "under_review", "label": "审查"}},
        {"at": "2026-03-13T01:12:10+00:00", "status": {"code": "approved", "label": "办结-准予"}},
        {"at": "2026-03-13T01:12:12+00:00", "status": {"code": "issued", "label": "已出件"}},
    ],
    "submitted_at": "2026-03-13T01:12:00+00:00",
}

APPLICATION_WITHDRAWN_EXAMPLE: Any = {
    "channel": "portal",
    "collection": {
        "label": "结果待出件：可到吴宁街道便民服务中心领取，或申请邮寄",
        "method": None,
        "window": "吴宁街道便民服务中心",
    },
    "current_step": "已撤回",
    "due_date": None,
    "number": "330783-GTDJ-20260313-0002",
    "result": {
        "at": "2026-03-13T01:12:05+00:00",
        "code": "withdrawn",
        "label": "撤回",
        "reason": "申请人不再需要办理",
    },
    "service_code": "individual_business_registration",
    "service_name": "个体工商户设立登记",
    "status": {"code": "withdrawn", "label": "撤回"},
    "status_history": [
        {"at": "2026-03-13T01:12:04+00:00", "status": {"code": "submitted", "label": "申请/预审"}},
        {"at": "2026-03-13T01:12:06+00:00", "status": {"code": "withdrawn", "label": "撤回"}},
    ],
    "submitted_at": "2026-03-13T01:12:03+00:00",
}

RATING_EXAMPLE: Any = {
    "comment": "办理很快",
    "evaluated_at": "2026-03-13T01:12:13+00:00",
    "label": "非常满意",
    "rating": "very_satisfied",
}

ATTACHMENT_EXAMPLE: Any = {
    "content_type": "application/pdf",
    "filename": "身份证.pdf",
    "id": 1,
    "material_name": "身份证明",
    "organisation": {"code": "330783001-bmfwzx", "name": "吴宁街道便民服务中心"},
    "sha256": "cf03bca6cc82fba07b3a427d3bda7e4a115d92ca4449fb61d15826a92e97d830",
    "size": 1348,
    "uploaded_at": "2026-03-13T01:12:02+00:00",
    "uploaded_by": None,
}

SUBSCRIPTION_EXAMPLE: Any = {
    "created_at": "2026-03-13T01:12:14+00:00",
    "event_kinds": ["status-changed"],
    "id": 1,
    "url": "https://portal.example.gov.cn/hooks/cases",
}

NEW_SUBSCRIPTION_EXAMPLE: Any = {
    "created_at": "2026-03-13T01:12:14+00:00",
    "event_kinds": ["status-changed"],
    "id": 1,
    "secret": "cbdb20f2c7c9b43e0417beb2f0d22f3e51292bae051f42914d2323590f232046",
    "url": "https://portal.example.gov.cn/hooks/cases",
}

EVENT_CREATED_EXAMPLE: Any = {
    "command_room": "吴宁街道综合信息指挥室",
    "number": "330783-SJFB-20260313-0001",
    "status": {"code": "submitted", "label": "申请/预审"},
    "submitted_at": "2026-03-13T01:12:15+00:00",
}

EVENT_EXAMPLE: Any = {
    "command_room": "吴宁街道综合信息指挥室",
    "current_step": "综合信息指挥室正在研判分拨",
    "due_date": None,
    "history": [{"at": "2026-03-13T01:12:16+00:00", "status": {"code": "submitted", "label": "申请/预审"}}],
    "number": "330783-SJFB-20260313-0001",
    "photos": 0,
    "result": None,
    "status": {"code": "submitted", "label": "申请/预审"},
    "submitted_at": "2026-03-13T01:12:15+00:00",
    "township": "吴宁街道",
}

PHOTO_EXAMPLE: Any = {
    "content_type": "image/png",
    "filename": "现场2.png",
    "id": 2,
    "sha256": "6b7fa434f92a8b80aab02d9bf1a12e49ffcae424e4013a1c4f68b67e3d2bbcd0",
    "size": 70,
    "uploaded_at": "2026-03-13T01:12:17+00:00",
}

# Requests. A multipart body's file is its bytes; the example names the file.
UPLOAD_EXAMPLE: Any = {"material_name": "经营者身份证明", "file": "身份证.pdf"}
PHOTO_UPLOAD_EXAMPLE: Any = {"file": "现场2.jpg"}
SUBSCRIPTION_REQUEST_EXAMPLE: Any = {
    "url": "https://portal.example.gov.cn/hooks/cases",
    "event_kinds": ["status-changed"],
}
EVENT_REQUEST_EXAMPLE: Any = {
    "type": "illegal_construction",
    "place": {"region_code": "330783001", "address": "西街村12号旁"},
    "description": "村道旁搭建彩钢棚，占用消防通道",
    "ticket_number": "ZJ20260310-0457",
    "reporter": {"channel": "hotline_12345", "name": "楼小红", "phone": "13967901234"},
}
