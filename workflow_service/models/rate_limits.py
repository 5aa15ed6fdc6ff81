"""Rate-limit counters shared by every worker and node through the database (directory.rate_limits)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base


class RateLimitHit(Base):
    """One counted attempt under a key (a moving window counts the hits of its last window length).

    Keys are stored as a SHA-256 of their parts: they hold client addresses and case numbers.
    """

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key_at", "key_sha256", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64))
    # Seconds since the epoch, as time.time() reads them: the window is wall-clock time on every node.
    at: Mapped[float] = mapped_column(Float, index=True)
