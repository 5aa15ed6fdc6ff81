"""The tables, one module per aggregate; importing this package registers them all on ``Base``."""

from workflow_service.models.acceptance import DeferredMaterial, SupplementNotice
from workflow_service.models.api_clients import ApiClient, ApiClientToken
from workflow_service.models.attachments import Attachment
from workflow_service.models.audit import AuditChainHead, AuditEvent
from workflow_service.models.base import Base
from workflow_service.models.calendar import CalendarDay, CalendarRevision, CalendarYear
from workflow_service.models.case_migrations import CaseMigration
from workflow_service.models.cases import (
    ApplicantKind,
    Case,
    CaseNumberCounter,
    CaseResult,
    CaseStatus,
    DeliveryMethod,
)
from workflow_service.models.delegations import Delegation
from workflow_service.models.evaluations import CaseEvaluation, EvaluationChannel, Rating
from workflow_service.models.event_submissions import EventSubmission
from workflow_service.models.extensions import CaseExtension, ExtensionState
from workflow_service.models.fees import CaseFee, FeeStatus
from workflow_service.models.idempotency import IdempotencyKey, IdempotencyState
from workflow_service.models.intake_drafts import IntakeDraft
from workflow_service.models.jobs import Job, JobKind, JobState
from workflow_service.models.licences import ElectronicLicence
from workflow_service.models.organisations import (
    FunctionType,
    OfficeType,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    station_coverage,
)
from workflow_service.models.process_draft import ProcessDraft
from workflow_service.models.processes import ProcessDefinition
from workflow_service.models.rate_limits import RateLimitHit
from workflow_service.models.responsibilities import ResponsibilityItem
from workflow_service.models.service_items import (
    AcceptanceMode,
    BodyNature,
    ItemType,
    MaterialForm,
    ServiceItem,
    ServiceItemVersion,
    ServiceMaterial,
    TimeUnit,
)
from workflow_service.models.supervision import SupervisionNotice
from workflow_service.models.supervision_records import RecordKind, SupervisionCursor, SupervisionRecord
from workflow_service.models.suspensions import CaseSuspension, SuspensionKind
from workflow_service.models.tasks import Task, TaskKind, TaskState
from workflow_service.models.users import ApiToken, CredentialKind, LoginOrigin, Role, User
from workflow_service.models.webhooks import (
    DeliveryState,
    EventKind,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "AcceptanceMode",
    "ApiClient",
    "ApiClientToken",
    "ApiToken",
    "ApplicantKind",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "BodyNature",
    "CalendarDay",
    "CalendarRevision",
    "CalendarYear",
    "Case",
    "CaseEvaluation",
    "CaseExtension",
    "CaseFee",
    "CaseMigration",
    "CaseNumberCounter",
    "CaseResult",
    "CaseStatus",
    "CaseSuspension",
    "CredentialKind",
    "DeferredMaterial",
    "Delegation",
    "DeliveryMethod",
    "DeliveryState",
    "ElectronicLicence",
    "EvaluationChannel",
    "EventKind",
    "EventSubmission",
    "ExtensionState",
    "FeeStatus",
    "FunctionType",
    "IdempotencyKey",
    "IdempotencyState",
    "IntakeDraft",
    "ItemType",
    "Job",
    "JobKind",
    "JobState",
    "LoginOrigin",
    "MaterialForm",
    "OfficeType",
    "Organisation",
    "OrganisationKind",
    "OutboxEvent",
    "ProcessDefinition",
    "ProcessDraft",
    "RateLimitHit",
    "Rating",
    "RecordKind",
    "Region",
    "RegionLevel",
    "ResponsibilityItem",
    "Role",
    "ServiceItem",
    "ServiceItemVersion",
    "ServiceMaterial",
    "SupervisionCursor",
    "SupervisionNotice",
    "SupervisionRecord",
    "SupplementNotice",
    "SuspensionKind",
    "Task",
    "TaskKind",
    "TaskState",
    "TimeUnit",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "station_coverage",
]
