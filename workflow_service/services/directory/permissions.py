"""Who may administer: the check every administrative service makes first (403 for any other role).

``actor`` ``None`` is the operator at the command line (``flask users …``, ``flask calendar …``),
who has the database anyway; over the API and the pages every admin operation needs the admin role.
"""

from __future__ import annotations

from workflow_service.errors import PermissionDenied
from workflow_service.models import Role, User

ADMINISTER_DIRECTORY = "只有系统管理员可以管理机构和账户"
MAINTAIN_CALENDAR = "只有系统管理员可以维护节假日安排"


def require_admin(actor: User | None, denied: str = ADMINISTER_DIRECTORY) -> None:
    """Organisations, accounts and the holiday table are the administrator's; ``denied`` says which."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(denied)
