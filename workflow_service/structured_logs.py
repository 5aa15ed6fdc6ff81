"""The service's logs as JSON lines (structlog), every value masked of resident IDs and mobile numbers.

One pipeline for structlog's own events and for the standard library's records (Flask's app logger,
SQLAlchemy, the worker): the same processors run on both, and the masking runs last before
rendering, on every value of the event however deeply nested, the message included. Masked: an
18-character resident ID (17 digits and a digit or X) and an 11-digit mainland mobile number, each
standing alone (not inside a longer run of digits or letters: case numbers and UUIDs stay whole).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from flask import Flask
from structlog.typing import EventDict, Processor, WrappedLogger

RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")
_HANDLER_MARK = "workflow_service_structured"


def mask_text(text: str) -> str:
    """``330724198603120311`` → ``330724********0311``; ``13800138000`` → ``138****8000``."""
    return MOBILE.sub(r"\1****\2", RESIDENT_ID.sub(r"\1********\2", text))


def masked(value: Any) -> Any:
    """``value`` with every string in it masked; containers are copied, other values kept."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {masked(key): masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return mask_text(value.decode("utf-8", "replace"))
    return value


def mask_personal_numbers(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """The structlog processor: every value of the event masked (tracebacks are text by now)."""
    return {key: masked(value) for key, value in event_dict.items()}


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,  # the request id (request_ids) and whatever is bound
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.format_exc_info,
        mask_personal_numbers,
    ]


def formatter(log_format: str = "json") -> logging.Formatter:
    """The formatter every handler of the service uses: masked JSON lines (or console text)."""
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "console"
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def configure(log_format: str = "json", level: int = logging.INFO) -> None:
    """structlog through the standard library; one masked handler on the root logger (once)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    handlers = [handler for handler in root.handlers if getattr(handler, _HANDLER_MARK, False)]
    if not handlers:
        stderr = logging.StreamHandler(sys.stderr)
        setattr(stderr, _HANDLER_MARK, True)
        root.addHandler(stderr)
        handlers = [stderr]
    for handler in handlers:
        handler.setFormatter(formatter(log_format))
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def init_app(app: Flask) -> None:
    """Route the app's logger through the masked pipeline instead of Flask's own stderr handler."""
    configure(app.config["LOG_FORMAT"])
    app.logger.handlers.clear()  # Flask's default handler would print the records a second time, unmasked
    app.logger.propagate = True


def get_logger(name: str) -> Any:
    """A structlog logger whose events go through the pipeline above."""
    return structlog.stdlib.get_logger(name)
