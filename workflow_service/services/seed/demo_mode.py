"""Whether demo accounts (``flask seed-demo --demo-users``, one published password) are active, for the
banner every page shows while they are.

Asked by every page, answered from a per-process reading at most ``DEMO_CHECK_SECONDS`` old: one
indexed count a minute instead of one per request; disabling the demo accounts takes the banner away
within that time.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import User

DEMO_CHECK_SECONDS = 60.0
_READING = "demo_accounts_reading"


def demo_accounts_active() -> bool:
    reading = current_app.extensions.get(_READING)
    moment = time.monotonic()
    if reading is None or moment - reading[0] > DEMO_CHECK_SECONDS:
        active = db.session.execute(
            select(User.id).where(User.demo_account.is_(True), User.active.is_(True)).limit(1)
        ).first()
        reading = (moment, active is not None)
        current_app.extensions[_READING] = reading
    return reading[1]
