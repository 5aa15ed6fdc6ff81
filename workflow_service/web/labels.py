"""What a person reads for a code the pages would otherwise show raw: department and office types, yes/no."""

from __future__ import annotations

from flask_babel import gettext as _


def _department_types() -> dict[str, str]:
    # The competent-department types of the demo directory and catalogue (实施主体 类型).
    return {
        "agriculture": _("农业农村"),
        "civil_affairs": _("民政"),
        "ecology_environment": _("生态环境"),
        "emergency_management": _("应急管理"),
        "government_services": _("政务服务"),
        "housing": _("住房和城乡建设"),
        "justice": _("司法行政"),
        "law_enforcement": _("综合行政执法"),
        "market_regulation": _("市场监管"),
        "natural_resources": _("自然资源和规划"),
        "public_security": _("公安"),
        "veterans_affairs": _("退役军人事务"),
        "water_resources": _("水利"),
    }


def department_types() -> list[tuple[str, str]]:
    """Every known department type with its name, by code."""
    return sorted(_department_types().items())


def department_type_label(code: str | None) -> str:
    """The type's name; a type an administrator added since shows as its code."""
    if not code:
        return ""
    return _department_types().get(code, code)


def _office_types() -> dict[str, str]:
    return {
        "party_government": _("党政综合办公室"),
        "party_building": _("党建工作办公室"),
        "command_centre": _("综合信息指挥室"),
    }


def organisation_type_label(department_type: str | None, office_type: str | None) -> str:
    """A department's or station's type, or a township office's (a township's own office: its code)."""
    if department_type:
        return department_type_label(department_type)
    if office_type:
        return _office_types().get(office_type, office_type)
    return ""


def yes_no(value: bool) -> str:
    return _("是") if value else _("否")
