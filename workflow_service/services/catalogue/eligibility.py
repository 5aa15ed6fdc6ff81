"""受理条件 an item declares in the catalogue, and whether an application meets them.

Each rule is a kind this module interprets, with its values from the catalogue, so a new item
declares its own ages and places without code::

    eligibility:
      - {kind: minimum_age, years: 60, id_field: data.holder_id_number}
      - {kind: maximum_age, years: 17, id_field: applicant.id_number}
      - {kind: residence_in_county, id_field: data.holder_id_number,
         declared_field: data.residence_type, declared_values: [resident_permit]}

``id_field`` (default ``applicant.id_number``) names the resident ID whose birth date or region
counts: the applicant's, or a field of the application form (``data.<name>``). An unmet rule is
reported at that field, the key a refusal of the form would use. ``residence_in_county`` holds
when the ID's region code is the county of the matter's township, or when the application
declares another ground of residence (``declared_field`` has one of ``declared_values``, e.g. a
local 居住证).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow_service.services.directory.identity_numbers import birth_date_of, check_resident_id

KINDS = ("minimum_age", "maximum_age", "residence_in_county")
DEFAULT_ID_FIELD = "applicant.id_number"


@dataclass(frozen=True)
class Application:
    """What the rules read: the applicant and form as given, the matter's county and the day."""

    applicant: Mapping[str, Any]
    data: Mapping[str, Any]
    county_code: str
    county_name: str
    today: date

    def value(self, path: str) -> str:
        part, _, name = path.partition(".")
        source = self.applicant if part == "applicant" else self.data
        return str(source.get(name) or "")


def _field_ok(path: object) -> bool:
    part, _, name = str(path).partition(".")
    return part in ("applicant", "data") and bool(name)


def declaration_errors(rules: object, complain: Callable[[str, str], None]) -> None:
    """Report every malformed rule of an item's ``eligibility`` through ``complain(field, message)``."""
    if rules is None:
        return
    if not isinstance(rules, list):
        complain("eligibility", "须为列表")
        return
    for index, rule in enumerate(rules):
        where = f"eligibility.{index}"
        if not isinstance(rule, Mapping) or rule.get("kind") not in KINDS:
            complain(f"{where}.kind", f"取值须为 {' / '.join(KINDS)}")
            continue
        if not _field_ok(rule.get("id_field", DEFAULT_ID_FIELD)):
            complain(f"{where}.id_field", "须为 applicant.id_number 或 data.<申请表字段>")
        if rule["kind"] in ("minimum_age", "maximum_age"):
            years = rule.get("years")
            if not isinstance(years, int) or isinstance(years, bool) or not 0 <= years <= 150:
                complain(f"{where}.years", "须为 0–150 的整数（周岁）")
        elif "declared_field" in rule or "declared_values" in rule:
            values = rule.get("declared_values")
            if not _field_ok(rule.get("declared_field")):
                complain(f"{where}.declared_field", "须为 data.<申请表字段>")
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                complain(f"{where}.declared_values", "须为非空的取值列表")


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _unmet(rule: Mapping[str, Any], application: Application) -> str | None:
    number = check_resident_id(application.value(rule.get("id_field", DEFAULT_ID_FIELD)), application.today)
    if not number.valid:
        return "须为有效的居民身份证号码，才能核对受理条件"
    kind = rule["kind"]
    if kind in ("minimum_age", "maximum_age"):
        born, years = birth_date_of(number.number), int(rule["years"])
        age = _age(born, application.today)
        found = f"按身份证号码出生日期 {born.isoformat()} 现年 {age} 周岁"
        if kind == "minimum_age" and age < years:
            return f"不符合受理条件：须年满 {years} 周岁，{found}"
        if kind == "maximum_age" and age > years:
            return f"不符合受理条件：须不满 {years + 1} 周岁，{found}"
        return None
    if number.number[:6] == application.county_code:
        return None
    declared = rule.get("declared_field")
    if declared and application.value(declared) in rule.get("declared_values", []):
        return None
    return (
        f"不符合受理条件：须为{application.county_name}居民，身份证号码地区码 {number.number[:6]} "
        f"不属{application.county_name}" + ("，也未申报本地居住证明" if declared else "")
    )


def unmet_rules(rules: Sequence[Mapping[str, Any]], application: Application) -> dict[str, list[str]]:
    """Every rule the application does not meet, by the field it concerns (empty when eligible)."""
    errors: dict[str, list[str]] = {}
    for rule in rules:
        message = _unmet(rule, application)
        if message is not None:
            errors.setdefault(str(rule.get("id_field", DEFAULT_ID_FIELD)), []).append(message)
    return errors
