"""Import regions, organisations and users from YAML or CSV: every row checked first, then all or nothing.

YAML has the top-level lists ``regions``, ``organisations`` and ``users``; a CSV file holds one of
them (``kind``), lists (roles, covered townships) separated by ``;``. Rows refer to each other by
code (a region's ``parent``, an organisation's ``region``/``parent``/``covers``, a user's
``organisation``), to rows earlier in the file or already in the database. Existing codes and
usernames are updated. Errors name the file's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import (
    FunctionType,
    OfficeType,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
    User,
)
from workflow_service.services import audit
from workflow_service.services.directory.accounts import USERNAME
from workflow_service.services.directory.credentials import password_problems
from workflow_service.services.directory.import_files import LineErrors, Row, rows_from_file
from workflow_service.services.directory.passwords import hash_password

SECTIONS = ("regions", "organisations", "users")
PARENT_LEVEL = {RegionLevel.COUNTY: RegionLevel.CITY, RegionLevel.TOWNSHIP: RegionLevel.COUNTY}
REGION_CODE = re.compile(r"^\d{6}(\d{3})?$")


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))


def directory_rows(path: Path, csv_section: str | None = None) -> list[Row]:
    """The rows of a directory file (YAML with all three lists, or a CSV of one)."""
    return rows_from_file(
        path, SECTIONS, csv_section, list_fields=("roles", "covers"), bool_fields=("illustrative",)
    )


class _Checker:
    """Checks rows against the database and the rows before them, collecting every error."""

    def __init__(self) -> None:
        self.errors = LineErrors()
        stored_regions = db.session.execute(
            select(Region.id, Region.code, Region.level, Region.parent_id)
        ).all()
        ids = {row.id: row.code for row in stored_regions}
        # code → (level, parent code), for the database's regions and then the file's
        self.regions: dict[str, tuple[RegionLevel, str | None]] = {
            row.code: (row.level, ids.get(row.parent_id)) for row in stored_regions
        }
        stored_organisations = db.session.execute(
            select(
                Organisation.code,
                Organisation.kind,
                Organisation.department_type,
                Organisation.office_type,
                Organisation.region_id,
            ).where(Organisation.active.is_(True))
        ).all()
        self.organisations: dict[str, tuple[OrganisationKind, str | None, str]] = {
            row.code: (row.kind, row.department_type, ids[row.region_id]) for row in stored_organisations
        }
        # Routing expects one department per type per county and one office per type per township.
        self.slots: dict[tuple[str, str, str], str] = {}
        for row in stored_organisations:
            self._slot_key_taken(row.kind, row.department_type, row.office_type, ids[row.region_id], row.code)
        self.existing_users = set(db.session.execute(select(User.username)).scalars())
        self.seen: set[tuple[str, str]] = set()

    def _slot_key_taken(
        self,
        kind: OrganisationKind,
        department_type: str | None,
        office_type: str | None,
        region: str,
        code: str,
    ) -> str | None:
        """Claim the routing slot of a department or office; the code already holding it, if another."""
        if kind == OrganisationKind.DEPARTMENT and department_type:
            key = ("department", region, department_type)
        elif kind == OrganisationKind.OFFICE and office_type:
            key = ("office", region, office_type)
        else:
            return None
        holder = self.slots.setdefault(key, code)
        return holder if holder != code else None

    def fail(self, row: Row, message: str) -> None:
        self.errors.add(row, message)

    def _county_of(self, code: str) -> str | None:
        level, parent = self.regions[code]
        return code if level == RegionLevel.COUNTY else parent if level == RegionLevel.TOWNSHIP else None

    def _unique(self, row: Row, key: str) -> str | None:
        value = str(row.values.get(key) or "")
        if not value:
            self.fail(row, f"缺少 {key}")
            return None
        if (row.section, value) in self.seen:
            self.fail(row, f"{key} {value} 在文件中重复")
            return None
        self.seen.add((row.section, value))
        return value

    def region(self, row: Row, default_password: str | None) -> None:
        code = self._unique(row, "code")
        if not row.values.get("name"):
            self.fail(row, "缺少 name")
        try:
            level = RegionLevel(str(row.values.get("level")))
        except ValueError:
            self.fail(row, "level 须为 city / county / township")
            return
        if code and not REGION_CODE.match(code):
            self.fail(row, f"区划代码 {code} 须为 6 位（市、县）或 9 位（乡镇）数字")
        parent = row.values.get("parent")
        if level in PARENT_LEVEL:
            if parent not in self.regions:
                self.fail(row, f"上级区划 {parent} 不存在")
            elif self.regions[parent][0] != PARENT_LEVEL[level]:
                self.fail(row, f"上级区划 {parent} 不是{PARENT_LEVEL[level].value}")
        elif parent:
            self.fail(row, "市级区划不能有上级")
        function_type = row.values.get("function_type")
        if function_type is not None:
            if level != RegionLevel.TOWNSHIP:
                self.fail(row, "只有乡镇（街道）有功能类型")
            elif function_type not in {f.value for f in FunctionType}:
                self.fail(row, "function_type 须为 economic / ecological / composite")
        if code:
            self.regions[code] = (level, parent)

    def organisation(self, row: Row, default_password: str | None) -> None:
        code = self._unique(row, "code")
        if not row.values.get("name"):
            self.fail(row, "缺少 name")
        try:
            kind = OrganisationKind(str(row.values.get("kind")))
        except ValueError:
            self.fail(row, "kind 须为 service_centre / office / department / station")
            return
        region = row.values.get("region")
        if region not in self.regions:
            self.fail(row, f"所在区划 {region} 不存在")
            return
        level = self.regions[region][0]
        department_type = row.values.get("department_type")
        if (
            kind in (OrganisationKind.SERVICE_CENTRE, OrganisationKind.OFFICE)
            and level != RegionLevel.TOWNSHIP
        ):
            self.fail(row, "便民服务中心和乡镇办公室须位于乡镇（街道）")
        if kind == OrganisationKind.OFFICE and not row.values.get("office_type"):
            self.fail(row, f"乡镇办公室须有 office_type（如 {', '.join(o.value for o in OfficeType)}）")
        if kind in (OrganisationKind.DEPARTMENT, OrganisationKind.STATION):
            if level != RegionLevel.COUNTY:
                self.fail(row, "县级部门和派驻机构的 region 须为县（市、区）")
            if not department_type:
                self.fail(row, "县级部门和派驻机构须有 department_type")
        if kind == OrganisationKind.STATION:
            self._station(row, region, department_type)
        holder = self._slot_key_taken(kind, department_type, row.values.get("office_type"), region, str(code))
        if holder:
            self.fail(row, f"{region} 已有同类机构 {holder}（每县每类部门、每乡镇每类办公室只能有一个）")
        if code:
            self.organisations[code] = (kind, department_type, region)

    def _station(self, row: Row, county: str, department_type: str | None) -> None:
        parent = self.organisations.get(str(row.values.get("parent")))
        if parent is None or parent[0] != OrganisationKind.DEPARTMENT:
            self.fail(row, f"派驻机构的上级部门 {row.values.get('parent')} 不存在")
        elif parent[1] != department_type or parent[2] != county:
            self.fail(row, "派驻机构须与上级部门同类型、同县")
        covers = row.values.get("covers") or []
        if not covers:
            self.fail(row, "派驻机构须列出覆盖的乡镇（covers）")
        for township in covers:
            if township not in self.regions or self.regions[township][0] != RegionLevel.TOWNSHIP:
                self.fail(row, f"覆盖的乡镇 {township} 不存在")
            elif self._county_of(township) != county:
                self.fail(row, f"覆盖的乡镇 {township} 不在本县")

    def user(self, row: Row, default_password: str | None) -> None:
        username = self._unique(row, "username")
        if username and row.values.get("password"):
            for problem in password_problems(username, str(row.values["password"])):
                self.fail(row, problem)
        if username and not USERNAME.match(username):
            self.fail(row, f"用户名 {username} 只能用小写字母、数字和 . _ -")
        if not row.values.get("full_name"):
            self.fail(row, "缺少 full_name")
        if row.values.get("organisation") not in self.organisations:
            self.fail(row, f"所属机构 {row.values.get('organisation')} 不存在")
        roles = row.values.get("roles") or []
        if not roles:
            self.fail(row, "至少须有一个角色")
        for role in roles:
            if role not in {r.value for r in Role}:
                self.fail(row, f"未知角色 {role}")
        if username not in self.existing_users and not (row.values.get("password") or default_password):
            self.fail(row, "新用户须有初始密码")


def _region_values(values: Mapping[str, Any], regions: dict[str, Region]) -> dict[str, Any]:
    return {
        "code": str(values["code"]),
        "name": values["name"],
        "level": RegionLevel(values["level"]),
        "parent_id": regions[values["parent"]].id if values.get("parent") else None,
        "function_type": FunctionType(values["function_type"]) if values.get("function_type") else None,
        "illustrative": bool(values.get("illustrative", False)),
    }


class _Writer:
    def __init__(self, report: ImportReport, default_password: str | None, demo_accounts: bool) -> None:
        self.report = report
        self.demo_accounts = demo_accounts
        self.regions = {r.code: r for r in db.session.execute(select(Region)).scalars()}
        self.organisations = {o.code: o for o in db.session.execute(select(Organisation)).scalars()}
        self.users = {u.username: u for u in db.session.execute(select(User)).scalars()}
        self.default_hash = hash_password(default_password) if default_password else None

    def _store(self, section: str, existing: Any, model: type, values: dict[str, Any]) -> Any:
        if existing is None:
            existing = model(**values)
            db.session.add(existing)
            self.report.created[section] += 1
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            self.report.updated[section] += 1
        db.session.flush()
        return existing

    def region(self, values: Mapping[str, Any]) -> None:
        code = str(values["code"])
        self.regions[code] = self._store(
            "regions", self.regions.get(code), Region, _region_values(values, self.regions)
        )

    def organisation(self, values: Mapping[str, Any]) -> None:
        code = str(values["code"])
        stored = self._store(
            "organisations",
            self.organisations.get(code),
            Organisation,
            {
                "code": code,
                "name": values["name"],
                "kind": OrganisationKind(values["kind"]),
                "region_id": self.regions[str(values["region"])].id,
                "department_type": values.get("department_type"),
                "office_type": values.get("office_type"),
                "parent_id": self.organisations[values["parent"]].id if values.get("parent") else None,
                "active": bool(values.get("active", True)),
            },
        )
        stored.covered_townships = [self.regions[str(t)] for t in values.get("covers") or []]
        self.organisations[code] = stored

    def user(self, values: Mapping[str, Any]) -> None:
        username = str(values["username"])
        existing = self.users.get(username)
        fields = {
            "username": username,
            "full_name": values["full_name"],
            "organisation_id": self.organisations[values["organisation"]].id,
            "roles": list(values["roles"]),
        }
        if existing is None:
            password = values.get("password")
            fields["password_hash"] = hash_password(password) if password else self.default_hash
            # A password handed out to many (the import's default) is the user's to replace at once;
            # demo accounts keep theirs, and every page says they exist.
            fields["must_change_password"] = not password and not self.demo_accounts
            fields["demo_account"] = self.demo_accounts
        self.users[username] = self._store("users", existing, User, fields)


def import_directory(
    rows: Iterable[Row],
    *,
    default_password: str | None = None,
    source: str = "",
    progress: Callable[[int], None] | None = None,
    demo_accounts: bool = False,
) -> ImportReport:
    """Check every row, then write them all in one transaction; ImportFailed lists every bad line.

    New users given the ``default_password`` must change it at their first login; with
    ``demo_accounts`` they are marked as demo accounts instead (``flask seed-demo --demo-users``)."""
    ordered = sorted(rows, key=lambda row: (SECTIONS.index(row.section), row.line))
    checker = _Checker()
    for row in ordered:
        getattr(checker, row.section[:-1])(row, default_password)
    checker.errors.raise_if_any()
    report = ImportReport()
    writer = _Writer(report, default_password, demo_accounts)
    for row in ordered:
        getattr(writer, row.section[:-1])(row.values)
        if progress:
            progress(1)
    audit.record(
        "directory.imported",
        None,
        summary={"source": source, "created": report.created, "updated": report.updated},
    )
    db.session.commit()
    return report
