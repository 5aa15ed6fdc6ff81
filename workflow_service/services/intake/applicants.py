"""Check who applies: the applicant (a person by resident ID, a legal entity by unified social credit
code, or the reporter of an event: a channel and an optional contact, no ID) and an agent acting for
them (帮办代办, a person by resident ID). Which kinds an item takes is declared in the catalogue
(``applicant_kinds``); a kind it does not take is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow_service.errors import InvalidInput
from workflow_service.models import ApplicantKind
from workflow_service.services.clock import business_day
from workflow_service.services.directory.identity_numbers import (
    NumberCheck,
    check_credit_code,
    check_resident_id,
)

MOBILE_OR_LANDLINE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# The lengths of the case's columns (the pages' intake form has no schema in front of this check).
NAME_MAX_LENGTH = 128
RELATIONSHIP_MAX_LENGTH = 64
NOTE_MAX_LENGTH = 500
KIND_LABELS = {
    ApplicantKind.PERSON: "自然人",
    ApplicantKind.LEGAL_ENTITY: "法人",
    ApplicantKind.REPORTER: "事件反映人",
}
DEFAULT_KINDS = (ApplicantKind.PERSON.value, ApplicantKind.LEGAL_ENTITY.value)
REPORTER_CHANNELS = {
    "grid_member": "网格员",
    "hotline_12345": "12345 热线",
    "walk_in": "群众来访",
    "anonymous": "匿名反映",
}
# What is recorded as a reporter's name when they give none.
ANONYMOUS_NAME = "匿名"


def accepted_kinds(declared: Sequence[str] | None) -> tuple[str, ...]:
    """The applicant kinds an item takes: as its catalogue entry declares, else person and legal entity."""
    return tuple(declared) if declared else DEFAULT_KINDS


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    name: str
    id_number: str
    phone: str | None
    # What the clerk should check against the document (an unknown region code), never a refusal.
    warnings: tuple[str, ...] = ()
    # A reporter's channel (``REPORTER_CHANNELS``).
    channel: str | None = None

    def as_data(self) -> dict[str, Any]:
        data = {"kind": self.kind.value, "name": self.name, "id_number": self.id_number, "phone": self.phone}
        if self.channel is not None:
            data["channel"] = self.channel
        return data


def _kind_list(kinds: Sequence[str]) -> str:
    return "、".join(f"{kind}（{KIND_LABELS[ApplicantKind(kind)]}）" for kind in kinds)


def _checked_reporter(raw: Mapping[str, Any], prefix: str, errors: dict[str, list[str]]) -> Applicant:
    """A reporter: the channel they came by, a name and phone if they give them (a grid member must)."""
    channel = str(raw.get("channel") or "").strip()
    if channel not in REPORTER_CHANNELS:
        choices = "、".join(f"{code}（{label}）" for code, label in REPORTER_CHANNELS.items())
        errors[f"{prefix}.channel"] = [f"必填，取值须为 {choices}"]
    name = str(raw.get("name") or "").strip()
    phone = str(raw.get("phone") or "").strip() or None
    if channel == "anonymous" and (name or phone):
        errors[f"{prefix}.name" if name else f"{prefix}.phone"] = ["匿名反映不登记姓名和联系电话"]
    if channel == "grid_member" and len(name) < 2:
        errors[f"{prefix}.name"] = ["网格员上报须填写网格员姓名（至少 2 个字符）"]
    elif name and not 2 <= len(name) <= NAME_MAX_LENGTH:
        errors[f"{prefix}.name"] = [f"须为 2–{NAME_MAX_LENGTH} 个字符，或不填"]
    if phone is not None and not MOBILE_OR_LANDLINE.match(phone):
        errors[f"{prefix}.phone"] = ["不是有效的手机号或固定电话"]
    if str(raw.get("id_number") or "").strip():
        errors[f"{prefix}.id_number"] = ["事件反映人不登记证件号码"]
    return Applicant(ApplicantKind.REPORTER, name or ANONYMOUS_NAME, "", phone, channel=channel)


def checked_applicant(
    raw: Mapping[str, Any], prefix: str = "applicant", kinds: Sequence[str] = DEFAULT_KINDS
) -> Applicant:
    """The applicant with normalised numbers, of a kind the item takes (``kinds``); raises
    InvalidInput listing every bad field."""
    errors: dict[str, list[str]] = {}
    kind_value = raw.get("kind", ApplicantKind.PERSON.value)
    try:
        kind = ApplicantKind(kind_value)
    except ValueError:
        errors[f"{prefix}.kind"] = [f"取值须为 {_kind_list([k.value for k in ApplicantKind])}"]
        kind = ApplicantKind.PERSON
    if kind_value in {k.value for k in ApplicantKind} and kind.value not in kinds:
        errors[f"{prefix}.kind"] = [f"本事项不受理{KIND_LABELS[kind]}的申请，申请人须为 {_kind_list(kinds)}"]
    if kind == ApplicantKind.REPORTER:
        reporter = _checked_reporter(raw, prefix, errors)
        if errors:
            raise InvalidInput("申请人信息有误", errors=errors)
        return reporter
    name = str(raw.get("name") or "").strip()
    if len(name) < 2:
        errors[f"{prefix}.name"] = ["必填，至少 2 个字符"]
    elif len(name) > NAME_MAX_LENGTH:
        errors[f"{prefix}.name"] = [f"最多 {NAME_MAX_LENGTH} 个字符"]
    number = applicant_number_check(kind, str(raw.get("id_number") or ""))
    if number.errors:
        errors[f"{prefix}.id_number"] = number.errors
    phone = str(raw.get("phone") or "").strip() or None
    if phone is not None and not MOBILE_OR_LANDLINE.match(phone):
        errors[f"{prefix}.phone"] = ["不是有效的手机号或固定电话"]
    if errors:
        raise InvalidInput("申请人信息有误", errors=errors)
    return Applicant(
        kind=kind, name=name, id_number=number.number, phone=phone, warnings=tuple(number.warnings)
    )


def applicant_number_warnings(raw: Mapping[str, Any], prefix: str = "applicant") -> dict[str, list[str]]:
    """What the clerk should check about the applicant's number (by field), without refusing anything."""
    try:
        kind = ApplicantKind(raw.get("kind", ApplicantKind.PERSON.value))
    except ValueError:
        return {}
    if kind == ApplicantKind.REPORTER:
        return {}
    warnings = applicant_number_check(kind, str(raw.get("id_number") or "")).warnings
    return {f"{prefix}.id_number": warnings} if warnings else {}


def applicant_number_check(kind: ApplicantKind, value: str) -> NumberCheck:
    """A person's resident ID or a legal entity's credit code, checked part by part."""
    if kind == ApplicantKind.PERSON:
        return check_resident_id(value, business_day())
    return check_credit_code(value)


@dataclass(frozen=True)
class Agent:
    """Who acts for the applicant (帮办代办), and on what authority."""

    name: str
    id_number: str
    phone: str
    relationship: str
    authorisation_note: str | None
    # The catalogue material that proves the authorisation (e.g. 委托代理人身份证明及委托书).
    authorisation_material: str | None


def default_authorisation_material(materials: Sequence[str]) -> str | None:
    """The item's only material about a 委托, taken when the agent names none (None if not exactly one)."""
    candidates = [name for name in materials if "委托" in name]
    return candidates[0] if len(candidates) == 1 else None


def _authorisation_material(value: str | None, materials: Sequence[str]) -> str | None:
    """The material named, or by default the item's only material about a 委托 (None if it has none)."""
    return value or default_authorisation_material(materials)


def checked_agent(
    raw: Mapping[str, Any], applicant: Applicant, materials: Sequence[str], prefix: str = "agent"
) -> Agent:
    """The agent with a normalised resident ID; raises InvalidInput listing every bad field.

    ``materials`` are the names of the service item's materials: the authorisation must be one.
    """
    errors: dict[str, list[str]] = {}
    name = str(raw.get("name") or "").strip()
    if len(name) < 2:
        errors[f"{prefix}.name"] = ["必填，至少 2 个字符"]
    elif len(name) > NAME_MAX_LENGTH:
        errors[f"{prefix}.name"] = [f"最多 {NAME_MAX_LENGTH} 个字符"]
    number = check_resident_id(str(raw.get("id_number") or ""), business_day())
    id_number = number.number
    if number.errors:
        errors[f"{prefix}.id_number"] = number.errors
    else:
        if applicant.kind == ApplicantKind.PERSON and id_number == applicant.id_number:
            errors[f"{prefix}.id_number"] = ["代理人不能是申请人本人"]
    phone = str(raw.get("phone") or "").strip()
    if not MOBILE_OR_LANDLINE.match(phone):
        errors[f"{prefix}.phone"] = ["必填，须为有效的手机号或固定电话"]
    relationship = str(raw.get("relationship") or "").strip()
    if not relationship:
        errors[f"{prefix}.relationship"] = ["必填：与申请人的关系或受托身份，如 子女、受托人"]
    elif len(relationship) > RELATIONSHIP_MAX_LENGTH:
        errors[f"{prefix}.relationship"] = [f"最多 {RELATIONSHIP_MAX_LENGTH} 个字符"]
    note = str(raw.get("authorisation_note") or "").strip() or None
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        errors[f"{prefix}.authorisation_note"] = [f"最多 {NOTE_MAX_LENGTH} 个字符"]
    material = _authorisation_material(
        str(raw.get("authorisation_material") or "").strip() or None, materials
    )
    if material is not None and material not in materials:
        errors[f"{prefix}.authorisation_material"] = [f"不是本事项的申请材料：{material}"]
    if errors:
        raise InvalidInput("代理人信息有误", errors=errors)
    return Agent(
        name=name,
        id_number=id_number,
        phone=phone,
        relationship=relationship,
        authorisation_note=note,
        authorisation_material=material,
    )
