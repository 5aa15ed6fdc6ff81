"""Check an applicant block: a person by resident ID, a legal entity by unified social credit code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from workflow_service.errors import InvalidInput
from workflow_service.models import ApplicantKind

MOBILE_OR_LANDLINE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    name: str
    id_number: str
    phone: str | None

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "name": self.name, "id_number": self.id_number, "phone": self.phone}


def checked_applicant(raw: Mapping[str, Any], prefix: str = "applicant") -> Applicant:
    """The applicant with normalised numbers; raises InvalidInput listing every bad field."""
    errors: dict[str, list[str]] = {}
    kind_value = raw.get("kind", ApplicantKind.PERSON.value)
    try:
        kind = ApplicantKind(kind_value)
    except ValueError:
        errors[f"{prefix}.kind"] = ["取值须为 person（自然人）或 legal_entity（法人）"]
        kind = ApplicantKind.PERSON
    name = str(raw.get("name") or "").strip()
    if len(name) < 2:
        errors[f"{prefix}.name"] = ["必填，至少 2 个字符"]
    id_number = str(raw.get("id_number") or "").strip().upper()
    validator, label = (ric, "居民身份证号码") if kind == ApplicantKind.PERSON else (uscc, "统一社会信用代码")
    try:
        id_number = validator.validate(id_number)
    except NumberInvalid:
        errors[f"{prefix}.id_number"] = [f"不是有效的{label}（长度或校验位不符）"]
    phone = str(raw.get("phone") or "").strip() or None
    if phone is not None and not MOBILE_OR_LANDLINE.match(phone):
        errors[f"{prefix}.phone"] = ["不是有效的手机号或固定电话"]
    if errors:
        raise InvalidInput("申请人信息有误", errors=errors)
    return Applicant(kind=kind, name=name, id_number=id_number, phone=phone)
