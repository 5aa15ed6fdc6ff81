"""Registered API clients: online portals and line systems that call the service on behalf of citizens,
businesses and reporters (OAuth2 client credentials, RFC 6749 §4.4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

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
