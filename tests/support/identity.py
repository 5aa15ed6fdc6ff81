"""Generated resident IDs and credit codes with their right check characters."""

from __future__ import annotations

from datetime import date

from workflow_service.services.directory.identity_numbers import (
    credit_code_check_character,
    resident_id_check_character,
)


def resident_id(region: str, born: date, order: str = "039") -> str:
    """A resident ID of ``region`` (6 digits) born on ``born``, with its check digit."""
    body = f"{region}{born:%Y%m%d}{order}"
    return body + resident_id_check_character(body)


def credit_code(body: str) -> str:
    """The 17 characters ``body`` with their check character."""
    return body + credit_code_check_character(body)
