"""Organisation pages: the tree by region, create, edit, deactivate; the service checks and audits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import Conflict, InvalidInput, OrganisationInUse
from workflow_service.models import OfficeType, Organisation, OrganisationKind, Region, RegionLevel
from workflow_service.services.directory import organisations
from workflow_service.services.directory.regions import all_regions
from workflow_service.services.supervision import audit_trail
from workflow_service.web.admin import admin_blueprint, organisation_field_labels
from workflow_service.web.session import staff

blp = admin_blueprint("admin_organisations", __name__)


@dataclass
class CountyGroup:
    """One county of the organisation tree: its own departments and stations, then each township's."""

    county: Region
    own: list[Organisation] = field(default_factory=list)
    townships: dict[int, tuple[Region, list[Organisation]]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.own) + sum(len(members) for _township, members in self.townships.values())


def _tree(found: Sequence[Organisation]) -> list[CountyGroup]:
    groups: dict[int, CountyGroup] = {}
    for organisation in found:
        region = organisation.region
        if region.level == RegionLevel.TOWNSHIP and region.parent is not None:
            group = groups.setdefault(region.parent.id, CountyGroup(region.parent))
            group.townships.setdefault(region.id, (region, []))[1].append(organisation)
        else:
            groups.setdefault(region.id, CountyGroup(region)).own.append(organisation)
    for group in groups.values():
        group.townships = dict(sorted(group.townships.items(), key=lambda item: item[1][0].code))
    return sorted(groups.values(), key=lambda group: group.county.code)


def _choices() -> dict[str, Any]:
    """The pick lists of the organisation form: regions by county, departments, known types."""
    regions = all_regions()
    counties = [region for region in regions if region.level == RegionLevel.COUNTY]
    departments = organisations.list_organisations(staff(), OrganisationKind.DEPARTMENT)
    return {
        "counties": counties,
        "townships": {
            county.id: [r for r in regions if r.parent_id == county.id and r.level == RegionLevel.TOWNSHIP]
            for county in counties
        },
        "departments": [department for department in departments if department.active],
        "department_types": sorted({d.department_type for d in departments if d.department_type}),
        "office_types": [office.value for office in OfficeType],
    }


@blp.get("/admin/organisations")
def organisations_page() -> str:
    """Every organisation as a tree by region (county, then township), filtered by kind, county and state."""
    filters = {key: request.args.get(key, "").strip() for key in ("kind", "region", "active")}
    found = organisations.list_organisations(staff(), filters["kind"] or None, filters["region"] or None)
    if filters["active"] in ("1", "0"):
        found = [organisation for organisation in found if organisation.active == (filters["active"] == "1")]
    counties = [region for region in all_regions() if region.level == RegionLevel.COUNTY]
    return render_template(
        "admin/organisations.html", groups=_tree(found), filters=filters, counties=counties, total=len(found)
    )


def _posted_organisation() -> dict[str, Any]:
    form = {
        key: request.form.get(key, "").strip()
        for key in ("code", "name", "kind", "region", "department_type", "office_type", "parent")
    }
    return {**form, "covered_townships": request.form.getlist("covered_townships")}


def _organisation_form(
    organisation: Organisation | None,
    form: dict[str, Any],
    errors: dict[str, Any],
    status: int = 200,
    problem: str | None = None,
    in_use: dict[str, Any] | None = None,
) -> tuple[str, int]:
    events = audit_trail.about_organisation(staff(), organisation.code) if organisation else []
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        form=form,
        errors=errors,
        problem=problem,
        in_use=in_use,
        events=events,
        field_labels=organisation_field_labels(),
        **_choices(),
    ), status


@blp.route("/admin/organisations/new", methods=["GET", "POST"])
def new_organisation() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _organisation_form(None, {"kind": request.args.get("kind", ""), "covered_townships": []}, {})
    form = {**_posted_organisation(), "active": request.form.get("active") == "1"}
    try:
        created = organisations.create_organisation(
            staff(),
            code=form["code"],
            name=form["name"],
            kind=form["kind"],
            region_code=form["region"],
            department_type=form["department_type"],
            office_type=form["office_type"],
            parent_code=form["parent"],
            covered_townships=form["covered_townships"],
            active=form["active"],
        )
    except InvalidInput as error:
        return _organisation_form(None, form, error.errors, 422)
    except Conflict as error:
        return _organisation_form(None, form, {}, 409, error.detail)
    flash(_("机构已创建：%(name)s", name=created.name), "ok")
    return redirect(url_for("admin_organisations.organisation_page", code=created.code))


def _as_form(organisation: Organisation) -> dict[str, Any]:
    return {
        "code": organisation.code,
        "name": organisation.name,
        "kind": organisation.kind.value,
        "region": organisation.region.code,
        "department_type": organisation.department_type or "",
        "office_type": organisation.office_type or "",
        "parent": organisation.parent.code if organisation.parent else "",
        "covered_townships": [township.code for township in organisation.covered_townships],
    }


def _changes(organisation: Organisation, form: dict[str, Any]) -> dict[str, Any]:
    """The fields the form shows for this kind of organisation (the service checks the rest)."""
    changes: dict[str, Any] = {"name": form["name"]}
    if organisation.kind in (OrganisationKind.DEPARTMENT, OrganisationKind.STATION):
        changes["department_type"] = form["department_type"]
    if organisation.kind == OrganisationKind.OFFICE:
        changes["office_type"] = form["office_type"]
    if organisation.kind == OrganisationKind.STATION:
        changes["parent"] = form["parent"]
        changes["covered_townships"] = form["covered_townships"]
    return changes


@blp.route("/admin/organisations/<code>", methods=["GET", "POST"])
def organisation_page(code: str) -> Response | tuple[str, int]:
    organisation = organisations.get_organisation(staff(), code)
    if request.method == "GET":
        return _organisation_form(organisation, _as_form(organisation), {})
    form = {**_as_form(organisation), **_posted_organisation(), "code": code}
    try:
        organisations.update_organisation(staff(), code, _changes(organisation, form))
    except InvalidInput as error:
        return _organisation_form(organisations.get_organisation(staff(), code), form, error.errors, 422)
    except Conflict as error:
        return _organisation_form(organisations.get_organisation(staff(), code), form, {}, 409, error.detail)
    flash(_("已保存"), "ok")
    return redirect(url_for("admin_organisations.organisation_page", code=code))


@blp.post("/admin/organisations/<code>/active")
def organisation_active(code: str) -> Response | tuple[str, int]:
    """Deactivate (or reactivate) an organisation: kept for the record, no longer routed to or chosen."""
    active = request.form.get("active") == "1"
    try:
        organisations.update_organisation(staff(), code, {"active": active})
    except OrganisationInUse as error:
        # What is left there, each with what to do about it, at the top of the form.
        organisation = organisations.get_organisation(staff(), code)
        return _organisation_form(organisation, _as_form(organisation), {}, 409, in_use=error.extensions)
    except (InvalidInput, Conflict) as error:
        organisation = organisations.get_organisation(staff(), code)
        problem = "；".join(
            [error.detail, *("；".join(map(str, messages)) for messages in error.errors.values())]
        )
        return _organisation_form(organisation, _as_form(organisation), {}, error.status, problem)
    flash(_("机构已启用") if active else _("机构已停用"), "ok")
    return redirect(url_for("admin_organisations.organisation_page", code=code))
