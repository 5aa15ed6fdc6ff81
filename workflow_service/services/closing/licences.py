"""Electronic licences (电子证照): the record a granted case produces, and its PDF.

Whether a granted case produces a licence, and which, is the catalogue's 办理结果: the version the
case was registered under names it (``licence_name``) and its validity in years
(``licence_valid_years``; none: 长期). The number is generated: issuing county, item short code,
year and a serial unique across all nodes (services.intake.case_numbers.next_serial). The issuing
organisation (发证单位) is the one whose decision granted it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from workflow_service.errors import Conflict
from workflow_service.extensions import db
from workflow_service.models import Case, ElectronicLicence, Organisation, User
from workflow_service.services import audit
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.routing import county_of
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.intake.case_numbers import next_serial
from workflow_service.services.notices.layout import Document, chinese_date, official_page

# Application fields that identify people (ID numbers, phones) stay off the printed licence.
_PRIVATE_FORMATS = frozenset({"cn-resident-id", "cn-uscc"})


class LicenceNotIssued(Conflict):
    title = "该办件没有电子证照"
    type_slug = "licence-not-issued"


def _catalogue_entry(case: Case) -> dict[str, Any]:
    return case.service_item_version.snapshot if case.service_item_version is not None else {}


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def licence_number(organisation: Organisation, short_code: str, day: date) -> str:
    county = county_of(organisation.region).code
    prefix = f"{county}-{short_code}-{day.year}"
    return f"{prefix}-{next_serial(f'licence:{prefix}'):06d}"


def issue_licence(case: Case, organisation: Organisation, actor: User | None) -> ElectronicLicence | None:
    """The licence of a case just granted by ``organisation``, if its item produces one (audited)."""
    entry = _catalogue_entry(case)
    name = entry.get("licence_name")
    if not name:
        return None
    valid_from = business_day()
    years = entry.get("licence_valid_years")
    licence = ElectronicLicence(
        case_id=case.id,
        name=name,
        number=licence_number(organisation, case.service_item.short_code, valid_from),
        holder_name=case.applicant_name,
        holder_id_number=case.applicant_id_number,
        valid_from=valid_from,
        valid_until=_years_later(valid_from, int(years)) - timedelta(days=1) if years else None,
        issuing_organisation_id=organisation.id,
        issued_at=now(),
    )
    db.session.add(licence)
    audit.record(
        "licence.issued",
        actor,
        case=case,
        summary={
            "name": licence.name,
            "number": licence.number,
            "valid_from": licence.valid_from.isoformat(),
            "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
            "organisation": organisation.code,
        },
    )
    return licence


def case_licence(case: Case) -> ElectronicLicence | None:
    return db.session.execute(
        select(ElectronicLicence).where(ElectronicLicence.case_id == case.id)
    ).scalar_one_or_none()


def _display(value: Any, field: dict[str, Any]) -> str:
    """A form value as the form names it: the enum's Chinese label, numbers as written."""
    choices = field.get("enum") or []
    labels = field.get("enumNames") or []
    if value in choices and len(labels) == len(choices):
        return str(labels[choices.index(value)])
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _application_facts(case: Case) -> list[tuple[str, str]]:
    """The application's plain fields, titled as in its form (what a licence states about the holder)."""
    definition = case.process_definition
    form = definition.forms.get(definition.start_form_key) if definition.start_form_key else None
    facts = []
    for key, field in ((form or {}).get("properties") or {}).items():
        value = case.application.get(key)
        private = field.get("format") in _PRIVATE_FORMATS or key.endswith("_phone")
        if value in (None, "") or isinstance(value, dict | list) or private:
            continue
        facts.append((str(field.get("title") or key), _display(value, field)))
    return facts


def validity_text(licence: ElectronicLicence) -> str:
    until = chinese_date(licence.valid_until) if licence.valid_until else "长期"
    return f"{chinese_date(licence.valid_from)} 至 {until}"


def licence_pdf(actor: User, number: str) -> Document:
    """The licence of a case the actor may see, as PDF (404 outside scope, 409 when there is none)."""
    case = get_visible_case(actor, number)
    licence = case_licence(case)
    if licence is None:
        raise LicenceNotIssued(f"办件 {number} 没有出具电子证照（未准予，或该事项不出证照）")
    issuer = licence.issuing_organisation.name
    facts = [
        ("证照名称", licence.name),
        ("证照编号", licence.number),
        ("持证主体", licence.holder_name),
        *_application_facts(case),
        ("有效期限", validity_text(licence)),
        ("发证单位", issuer),
        ("办件编号", case.number),
    ]
    paragraphs = [
        f"本电子证照依据{case.service_item.name}办件 {case.number} 的准予决定出具，与纸质证照具有同等效力。"
    ]
    content = official_page(
        case,
        licence.name,
        reference=f"证照编号：{licence.number}",
        paragraphs=paragraphs,
        facts=facts,
        issuer=issuer,
        issued_on=licence.valid_from,
    )
    return Document(filename=f"{licence.number}.pdf", content=content)
