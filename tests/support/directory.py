"""People and delegations the tests add beside the demo directory.

Extra users are added before a test's first request: on PostgreSQL the requests share one session,
and the rollback of an error response would also undo rows added after it began.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select

from tests.support.api import SERVICE, ApiClient
from workflow_service.extensions import db
from workflow_service.models import Organisation, OrganisationKind, ServiceItem, User
from workflow_service.services.directory.passwords import hash_password


def organisation(code: str) -> Organisation:
    return db.session.execute(select(Organisation).where(Organisation.code == code)).scalar_one()


def add_user(
    app: Flask, username: str, organisation_code: str, roles: list[str], *, active: bool = True
) -> None:
    """A user ``username`` (password ``demo``) in the organisation of that code."""
    with app.app_context():
        db.session.add(
            User(
                username=username,
                full_name=f"测试用户 {username}",
                password_hash=hash_password("demo"),
                organisation_id=organisation(organisation_code).id,
                roles=roles,
                active=active,
            )
        )
        db.session.commit()


def department_type_of_the_service(app: Flask, service: str = SERVICE) -> str:
    with app.app_context():
        return db.session.execute(
            select(ServiceItem.department_type).where(ServiceItem.code == service)
        ).scalar_one()


def staff_back_offices(app: Flask, *prefixes: str) -> None:
    """Approvers ``<prefix>-<office code>`` in every back office of the service's department type,
    whichever of them routing picks for the case."""
    department_type = department_type_of_the_service(app)
    with app.app_context():
        offices = db.session.execute(
            select(Organisation).where(
                Organisation.kind.in_([OrganisationKind.DEPARTMENT, OrganisationKind.STATION]),
                Organisation.department_type == department_type,
            )
        ).scalars()
        password_hash = hash_password("demo")
        for office in offices:
            for prefix in prefixes:
                db.session.add(
                    User(
                        username=f"{prefix}-{office.code}",
                        full_name=f"测试审批员 {prefix} {office.code}",
                        password_hash=password_hash,
                        organisation_id=office.id,
                        roles=["approver"],
                    )
                )
        db.session.commit()


def delegate(
    client: ApiClient,
    delegator: str,
    to: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "年休假",
) -> dict:
    """``delegator`` hands their claimed tasks to ``to`` for the period: the delegation's answer."""
    response = client.post(
        "/api/v1/delegations",
        delegator,
        json={
            "delegate": to,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "reason": reason,
        },
    )
    assert response.status_code == 201, response.json
    return response.json
