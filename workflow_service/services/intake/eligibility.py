"""受理条件 at work: checked when a case is registered (422 at the field) and again when it is granted (409).

The rules are the item's own (services.catalogue.eligibility). At the grant they are those of the
catalogue as it stands then, not as registered: a rule added or tightened since, or an applicant
who no longer meets a rule that moves with time, stops the grant with a message the approver can
act on (decide 不予受理/不予许可 instead, or have the catalogue corrected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow_service.errors import Conflict, InvalidInput
from workflow_service.models import Region
from workflow_service.services.catalogue.eligibility import Application, unmet_rules
from workflow_service.services.clock import business_day
from workflow_service.services.directory.routing import county_of
from workflow_service.services.process.step_effects import CompletedStep


class NoLongerEligible(Conflict):
    title = "不符合受理条件，不能作出准予决定"
    type_slug = "not-eligible"


def _application(
    applicant: Mapping[str, Any], data: Mapping[str, Any], matter_township: Region
) -> Application:
    county = county_of(matter_township)
    return Application(
        applicant=applicant,
        data=data,
        county_code=county.code,
        county_name=county.name,
        today=business_day(),
    )


def check_at_registration(
    rules: Sequence[Mapping[str, Any]],
    applicant: Mapping[str, Any],
    data: Mapping[str, Any],
    matter_township: Region,
) -> None:
    """422 naming the field of every rule the application does not meet."""
    errors = unmet_rules(rules, _application(applicant, data, matter_township))
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)


def refuse_grant_unless_eligible(step: CompletedStep) -> None:
    """A step into 准予 checks the item's rules again: 409 saying which is no longer met."""
    case = step.case
    applicant = {"kind": case.applicant_kind.value, "id_number": case.applicant_id_number}
    errors = unmet_rules(
        case.service_item.eligibility or [], _application(applicant, case.application, case.matter_region)
    )
    if errors:
        listed = "；".join(message for messages in errors.values() for message in messages)
        raise NoLongerEligible(f"{listed}。不能准予，请作出不予受理或不予许可决定", errors=errors)
