"""The tables, one module per aggregate; importing this package registers them all on ``Base``."""

from workflow_service.models.audit import AuditEvent
from workflow_service.models.base import Base
from workflow_service.models.cases import ApplicantKind, Case, CaseNumberCounter, CaseStatus
from workflow_service.models.organisations import Organisation, OrganisationKind, Region, RegionLevel
from workflow_service.models.processes import ProcessDefinition
from workflow_service.models.service_items import AcceptanceMode, ServiceItem
from workflow_service.models.tasks import Task, TaskState
from workflow_service.models.users import ApiToken, Role, User

__all__ = [
    "AcceptanceMode",
    "ApiToken",
    "ApplicantKind",
    "AuditEvent",
    "Base",
    "Case",
    "CaseNumberCounter",
    "CaseStatus",
    "Organisation",
    "OrganisationKind",
    "ProcessDefinition",
    "Region",
    "RegionLevel",
    "Role",
    "ServiceItem",
    "Task",
    "TaskState",
    "User",
]
