"""Log an unexpected error with its traceback, but never the values a database error quotes.

PostgreSQL's messages quote data: ``value "330724198603120311" is out of range``, ``DETAIL: Failing
row contains (…)``, ``Key (number)=(…) already exists``. SQLAlchemy hides the statement's
parameters (``hide_parameters``), not these. A database error is logged by its class and SQLSTATE
with the traceback's frames; every other error as usual.
"""

from __future__ import annotations

import traceback

from flask import current_app, request
from sqlalchemy.exc import DBAPIError


def log_unexpected(error: BaseException) -> None:
    """The one log line of an error no handler expected, for the operators."""
    if isinstance(error, DBAPIError):
        original = error.orig
        sqlstate = getattr(original, "sqlstate", None) or "-"
        frames = "".join(traceback.format_tb(error.__traceback__))
        current_app.logger.error(
            "unhandled database error on %s %s: %s (SQLSTATE %s)\n%s",
            request.method,
            request.path,
            type(original).__name__,
            sqlstate,
            frames,
        )
        return
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
