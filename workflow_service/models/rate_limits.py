"""Rate-limit counters shared by every worker and node in the database (services.directory.rate_limits)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base


class RateLimitWindow(Base):
    """Hits of one key in one fixed window (``window_index`` = start time // window length).

    Keys are stored as a SHA-256 of their parts: they hold client addresses and case numbers.
    """

    __tablename__ = "rate_limit_window"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
