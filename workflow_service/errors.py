"""The error hierarchy: every error the service sends, rendered by ``error_handling`` as RFC 9457
``application/problem+json`` on the API and as the error page for people.

The classes here are shared; those named with a module (under ``services/``) live beside the service
that raises them. ``tests/test_errors.py`` checks that this tree lists every subclass with its status. ::

    ServiceError (500)
    ├── MalformedRequest (400)        a body that cannot be read: JSON nested too deep
    │   └── UnreadableBpmn (400)                   process.validation: not XML, not UTF-8, a DTD
    ├── NotAuthenticated (401)        no, bad or expired credentials
    ├── PermissionDenied (403)        in scope, but this role may not, or the task is someone else's
    │   ├── TaskClaimedByOther (403)
    │   ├── PasswordChangeRequired (403) an admin reset the password: only /api/v1/me until changed
    │   └── InsufficientScope (403)                portal.clients: the client token lacks the scope
    ├── NotFound (404)                does not exist, or outside the caller's scope
    │   └── LookupFailed (404)        notices.tracking: wrong case number or query password
    ├── Conflict (409)
    │   ├── AlreadyExists (409)       the code or username is taken
    │   ├── TaskNotOpen (409)         the task was completed or cancelled meanwhile
    │   ├── StaleCase (409)           the case changed since it was read
    │   ├── DelegationNotInForce (409) the delegation was revoked or has ended
    │   ├── OrganisationInUse (409)   deactivating an organisation that has open tasks or active staff
    │   ├── IllegalStatusTransition (409)          process.case_status
    │   ├── MigrationNotUndoable (409)             process.case_migration: the case moved on
    │   ├── DuplicateApplication (409)             intake.duplicates: ``existing_cases``
    │   ├── CaseEnded (409)                        intake.acceptance
    │   ├── DeferredMaterialsOutstanding (409)     intake.acceptance
    │   ├── DeferredMaterialAlreadyReceived (409)  intake.acceptance
    │   ├── NoLongerEligible (409)                 intake.eligibility: a 受理条件 fails at the grant
    │   ├── FeeUnpaid (409)                        intake.fees
    │   ├── FeeNotCharged (409)                    intake.fees
    │   ├── FeeAlreadySettled (409)                intake.fees
    │   ├── FeeCaseClosed (409)                    intake.fees
    │   ├── CaseNotSuspendable (409)               review.suspensions
    │   ├── CaseNotSuspended (409)                 review.suspensions
    │   ├── CaseSuspended (409)                    review.suspensions
    │   ├── CaseNotExtendable (409)                review.extensions
    │   ├── ExtensionAlreadyDecided (409)          review.extensions
    │   ├── CaseNotReturnable (409)                closing.closing
    │   ├── CaseNotVoidable (409)                  closing.closing
    │   ├── CaseNotArchivable (409)                closing.closing
    │   ├── CaseAlreadyArchived (409)              closing.closing
    │   ├── CaseNotWithdrawable (409)              closing.withdrawal
    │   ├── NotYetEvaluable (409)                  closing.evaluations
    │   ├── AlreadyEvaluated (409)                 closing.evaluations
    │   ├── LicenceNotIssued (409)                 closing.licences
    │   ├── DocumentNotApplicable (409)            notices.documents
    │   ├── NothingToSupervise (409)               supervision.urging: the case has no open step
    │   ├── AlreadySupervised (409)                supervision.urging: a notice still awaits its reply
    │   ├── DeliveryNotDead (409)                  portal.webhook_delivery: redeliver or skip a live one
    │   ├── EventEnded (409)                       portal.events: no photo once the event has ended
    │   ├── IdempotencyKeyInUse (409)              portal.idempotency: the key's first request still runs
    │   ├── StaleDraft (409)                       process.drafts: saved elsewhere since it was read
    │   ├── DraftUnchanged (409)                   process.drafts: a deploy equal to the latest version
    │   └── NewerVersionDeployed (409)             process.drafts: deployed since the draft started
    ├── InvalidInput (422)            field errors in ``errors``
    │   ├── InvalidProcessDefinition (422)
    │   ├── InvalidDelegation (422)
    │   ├── InvalidReassignment (422) no reason, or the organisation is unknown or of the wrong type
    │   ├── RoutingError (422)                     directory.routing: no organisation for a lane
    │   ├── ImportFailed (422)                     directory.import_files
    │   ├── UnsupportedFileType (422)              materials.attachments
    │   ├── MissingResultReason (422)              closing.case_results
    │   ├── InvalidDelivery (422)                  closing.issuance
    │   └── IdempotencyKeyReused (422)             portal.events: the key came with another body
    ├── ProcessIncident (422)         the step was recorded, but the process stopped at an incident
    ├── PayloadTooLarge (413)         an upload beyond the configured size
    ├── RateLimited (429)             too many attempts; ``retry_after`` seconds until the next
    │   ├── TooManyLogins (429)                    directory.login_protection
    │   ├── TooManyLookups (429)                   notices.tracking
    │   └── TooManyClientRequests (429)            portal.client_limits: an API client's requests a minute
    └── Unavailable (503)             the database cannot be reached; ``Retry-After`` says when to retry
        └── RequestTimedOut (503)     gunicorn ended a request that ran past its timeout
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    title = "服务内部错误"
    type_slug = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, Any] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = dict(errors or {})
        # Further members of the problem document (RFC 7807 extension members), e.g. the numbers
        # of the cases a duplicate application conflicts with.
        self.extensions = dict(extensions or {})


class MalformedRequest(ServiceError):
    status = 400
    title = "请求格式有误"
    type_slug = "malformed-request"


class NotAuthenticated(ServiceError):
    status = 401
    title = "未登录或凭证无效"
    type_slug = "not-authenticated"


class PermissionDenied(ServiceError):
    status = 403
    title = "无权执行此操作"
    type_slug = "forbidden"


class TaskClaimedByOther(PermissionDenied):
    title = "任务已被他人签收"
    type_slug = "task-claimed-by-other"


class PasswordChangeRequired(PermissionDenied):
    title = "须先修改密码"
    type_slug = "password-change-required"


class NotFound(ServiceError):
    status = 404
    title = "未找到"
    type_slug = "not-found"


class Conflict(ServiceError):
    status = 409
    title = "状态冲突"
    type_slug = "conflict"


class AlreadyExists(Conflict):
    title = "编码或用户名已存在"
    type_slug = "already-exists"


class TaskNotOpen(Conflict):
    title = "任务已办理或已取消"
    type_slug = "task-not-open"


class StaleCase(Conflict):
    title = "办件已被他人更新，请刷新后重试"
    type_slug = "stale-case"


class DelegationNotInForce(Conflict):
    title = "委托已撤销或已到期"
    type_slug = "delegation-not-in-force"


class OrganisationInUse(Conflict):
    title = "机构仍有未办结的任务或在岗账户，不能停用"
    type_slug = "organisation-in-use"


class InvalidInput(ServiceError):
    status = 422
    title = "输入有误"
    type_slug = "invalid-input"


class InvalidProcessDefinition(InvalidInput):
    title = "流程定义无效"
    type_slug = "invalid-process-definition"


class InvalidDelegation(InvalidInput):
    title = "委托无效"
    type_slug = "invalid-delegation"


class InvalidReassignment(InvalidInput):
    title = "改派无效"
    type_slug = "invalid-reassignment"


class ProcessIncident(ServiceError):
    """The case was saved with what the step did, but its process stopped at an incident (a script
    refused or over its budget); ``case_number`` and ``incident`` say where."""

    status = 422
    title = "流程异常，办件已记录，等待处理"
    type_slug = "process-incident"


class PayloadTooLarge(ServiceError):
    status = 413
    title = "上传内容过大"
    type_slug = "payload-too-large"


class RateLimited(ServiceError):
    status = 429
    title = "尝试次数过多，请稍后再试"
    type_slug = "rate-limited"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    status = 503
    title = "服务暂不可用"
    type_slug = "unavailable"


class RequestTimedOut(Unavailable):
    title = "请求处理超时"
    type_slug = "request-timed-out"
