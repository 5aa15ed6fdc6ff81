"""Registered API clients: online portals and line systems that call the service on behalf of citizens,
businesses and reporters (OAuth2 client credentials, RFC 6749 §4.4), and the access tokens they hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow


class ApiClient(Base):
    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public identifier a client sends with its secret; never reused.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Only a hash of the secret is kept: the secret is shown once, at creation or rotation.
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Region codes the client may submit for (a county covers its townships).
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class ApiClientToken(Base):
    """An access token issued to a client by ``POST /oauth/token``: only its SHA-256 is stored.

    A table of its own, not ``api_token``: a staff token names a user, this one a client, and a token
    of one kind is never found where the other is asked for. Deleting the row revokes it at once
    (disabling the client, rotating its secret)."""

    __tablename__ = "api_client_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    # The granted subset of the client's scopes.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship()
