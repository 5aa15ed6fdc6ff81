"""Staff accounts, the credentials they work with (API bearer tokens and browser sessions), and what
is known of logins to each account from each client address (failures in a row, backoff)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.organisations import Organisation


class Role(enum.StrEnum):
    CLERK = "clerk"
    APPROVER = "approver"
    COOPERATOR = "cooperator"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"
    # 负责人: the head of an organ, who approves a 延期 of its cases (行政许可法 Art. 42).
    HEAD = "head"


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by an admin reset: the user must choose a new password before working.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Created by ``flask seed-demo --demo-users``: every page warns while such an account is active.
    demo_account: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship()
    # Failed logins and blocks from each client address (by username: unknown names are counted too).
    login_origins: Mapped[list[LoginOrigin]] = relationship(
        primaryjoin="foreign(LoginOrigin.username) == User.username", viewonly=True
    )

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles


class CredentialKind(enum.StrEnum):
    BEARER = "bearer"  # Authorization: Bearer on /api/v1
    SESSION = "session"  # the staff pages' session cookie names it


class ApiToken(Base):
    """A credential a user works with: an API bearer token or a browser session of the staff pages.

    Only its SHA-256 is stored, so a leaked table grants nothing; deleting the row revokes it at once
    (logout, password change, reset, disabling). The session cookie carries the token itself, so a
    cookie re-signed with another user's id names no row.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=CredentialKind.BEARER, server_default="bearer")
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginOrigin(Base):
    """Logins to one username from one client address: failures in a row, the block they earned, the
    last success.

    Failures block only this pair (progressive backoff), so a stranger guessing a clerk's password
    elsewhere cannot stop the clerk from logging in at their own window; an address over the
    address-wide limit still lets in the accounts that logged in from it lately.
    """

    __tablename__ = "login_origin"
    __table_args__ = (UniqueConstraint("username", "client_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client_address: Mapped[str] = mapped_column(String(64))
    failed_count: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
