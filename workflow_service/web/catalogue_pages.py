"""The analyst's catalogue pages: the list of service items (search by name, code or department),
an item's edit form (the API's check and versioning, the version it was read at kept in the form),
and its version history with two versions compared field by field — for analysts and admins."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.models import (
    AcceptanceMode,
    ApplicantKind,
    BodyNature,
    ItemType,
    MaterialForm,
    TimeUnit,
)
from workflow_service.services.catalogue.eligibility import KINDS as RULE_KINDS
from workflow_service.services.catalogue.history import item_history
from workflow_service.services.catalogue.service_items import (
    StaleServiceItem,
    change_service_item,
    list_service_items,
    require_catalogue_editor,
    service_item,
    snapshot,
)
from workflow_service.services.process.deployment import deployed_process_keys
from workflow_service.web.catalogue_form import form_values, posted_item
from workflow_service.web.catalogue_search import matches_query
from workflow_service.web.labels import department_type_choices, department_type_label
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("catalogue_pages", __name__)


def field_labels() -> dict[str, str]:
    """Each field of an item as the form and the history name it."""
    return {
        "name": _("事项名称"),
        "short_code": _("简称代码"),
        "basic_code": _("基本编码"),
        "implementation_code": _("实施编码"),
        "item_type": _("事项类型"),
        "department_type": _("主管部门类型"),
        "process_key": _("办理流程"),
        "acceptance_mode": _("受理方式"),
        "instant": _("即办件"),
        "joint_handling": _("联合办理"),
        "legal_limit_days": _("法定时限"),
        "legal_limit_unit": _("法定时限单位"),
        "promised_limit_days": _("承诺时限"),
        "promised_limit_unit": _("承诺时限单位"),
        "warning_days": _("预警提前天数"),
        "acceptance_limit_days": _("受理时限（工作日）"),
        "visits_required": _("到现场次数"),
        "fee_required": _("是否收费"),
        "fee_basis": _("收费依据"),
        "fee_amount": _("收费金额（元）"),
        "licence_name": _("证照名称"),
        "licence_valid_years": _("证照有效期（年）"),
        "body_name": _("实施主体名称"),
        "body_code": _("实施主体编码"),
        "body_nature": _("实施主体性质"),
        "exercise_level": _("行使层级"),
        "legal_basis": _("设定依据"),
        "acceptance_conditions": _("受理条件"),
        "service_objects": _("服务对象"),
        "service_location": _("办理地点"),
        "service_hours": _("办理时间"),
        "consultation": _("咨询方式"),
        "complaint": _("监督投诉方式"),
        "in_service_hall": _("是否进驻大厅"),
        "joint_organisations": _("联办机构"),
        "applicant_kinds": _("申请人类型"),
        "pre_review": _("预审"),
        "eligibility": _("受理条件规则"),
        "materials": _("申请材料"),
        "version": _("版本"),
    }


def material_labels() -> dict[str, str]:
    return {
        "name": _("材料名称"),
        "form": _("形式"),
        "copies": _("份数"),
        "required": _("必需"),
        "deferrable": _("可容缺"),
        "note": _("备注"),
        "source_channel": _("来源渠道"),
        "blank_form": _("空白表格"),
        "sample_form": _("示例样表"),
    }


def rule_labels() -> dict[str, str]:
    return {
        "kind": _("规则"),
        "years": _("周岁"),
        "id_field": _("核对的身份证号码字段"),
        "declared_field": _("申报字段"),
        "declared_values": _("可替代的申报取值"),
    }


def choices() -> dict[str, dict[str, str]]:
    """The codes of the form's selects and what a person reads for each."""
    return {
        "item_type": {
            ItemType.LICENSING: _("行政许可"),
            ItemType.CONFIRMATION: _("行政确认"),
            ItemType.BENEFIT: _("行政给付"),
            ItemType.FILING: _("行政备案"),
            ItemType.PUBLIC_SERVICE: _("公共服务"),
            ItemType.OTHER: _("其他行政权力"),
        },
        "acceptance_mode": {
            AcceptanceMode.LOCAL: _("就近能办（仅事项所在乡镇）"),
            AcceptanceMode.CITY: _("同城通办"),
            AcceptanceMode.CROSS_REGION: _("异地可办"),
        },
        "unit": {
            TimeUnit.WORKING_DAY: _("工作日"),
            TimeUnit.NATURAL_DAY: _("自然日"),
            TimeUnit.HOUR: _("小时"),
        },
        "body_nature": {
            BodyNature.STATUTORY: _("法定机关"),
            BodyNature.AUTHORISED: _("法律法规授权组织"),
            BodyNature.ENTRUSTED: _("受委托组织"),
        },
        "material_form": {
            MaterialForm.ORIGINAL: _("原件"),
            MaterialForm.COPY: _("复印件"),
            MaterialForm.ELECTRONIC: _("电子件"),
        },
        "applicant_kinds": {
            ApplicantKind.PERSON: _("自然人"),
            ApplicantKind.LEGAL_ENTITY: _("法人或其他组织"),
            ApplicantKind.REPORTER: _("事件反映人（网格员、12345 热线、匿名等）"),
        },
        "pre_review": {"portal": _("网上申请"), "window": _("窗口申请")},
        "rule_kind": {
            "minimum_age": _("年满（周岁）"),
            "maximum_age": _("不超过（周岁）"),
            "residence_in_county": _("本县（市、区）居民"),
        },
    }


def _matches(item: Any, query: str) -> bool:
    text = query.strip().lower()
    return matches_query(item, query) or (
        bool(text)
        and (text in item.department_type.lower() or text in department_type_label(item.department_type))
    )


@blp.get("/catalogue")
def catalogue_list() -> str:
    """Every service item, searchable by name, code, pinyin initials or department, with its version."""
    require_catalogue_editor(staff())
    query = request.args.get("q", "").strip()
    items = [item for item in list_service_items() if _matches(item, query)]
    return render_template("catalogue_items.html", items=items, query=query)


def _edit_page(
    code: str, values: dict[str, Any], version: int, status: int = 200, **state: Any
) -> tuple[str, int]:
    keys = deployed_process_keys()
    if values.get("process_key") and values["process_key"] not in keys:
        keys = [*keys, values["process_key"]]
    context = {
        "code": code,
        "values": values,
        "version": version,
        "errors": {},
        "stale": None,
        "process_keys": keys,
        "department_types": department_type_choices(values.get("department_type")),
        "choices": choices(),
        "labels": field_labels(),
        "material_labels": material_labels(),
        "rule_labels": rule_labels(),
        "rule_kinds": RULE_KINDS,
        **state,
    }
    return render_template("catalogue_edit.html", **context), status


@blp.route("/catalogue/<code>/edit", methods=["GET", "POST"])
def edit_page(code: str) -> tuple[str, int] | Response:
    """The item's form; saving checks the whole item as the API does and records a new version."""
    actor = staff()
    require_catalogue_editor(actor)
    item = service_item(code)
    if request.method == "GET":
        return _edit_page(code, form_values(snapshot(item)), item.version)
    values = posted_item(request.form)
    posted_version = request.form.get("version", "")
    expected = int(posted_version) if posted_version.isdigit() else item.version
    try:
        saved = change_service_item(actor, code, values, expected_version=expected)
    except InvalidInput as error:
        return _edit_page(code, form_values(values), expected, 422, errors=error.errors)
    except StaleServiceItem:
        return _edit_page(code, form_values(values), expected, 409, stale=service_item(code).version)
    if saved.version == expected:
        flash(_("没有改动，未生成新版本"), "info")
    else:
        flash(_("已保存为第 %(n)s 版", n=saved.version), "ok")
    return redirect(url_for("catalogue_pages.history_page", code=code))


@blp.get("/catalogue/<code>/versions")
def history_page(code: str) -> str:
    """Who saved which version when and what it changed; two versions compared field by field."""
    history = item_history(staff(), code, request.args.get("from"), request.args.get("to"))
    return render_template(
        "catalogue_versions.html",
        history=history,
        labels=field_labels(),
        material_labels=material_labels(),
        choices=choices(),
    )
