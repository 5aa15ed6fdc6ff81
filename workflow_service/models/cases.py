"""Cases (办件): the business columns the inbox and reports query, beside the serialized workflow."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow
from workflow_service.models.organisations import Organisation, Region
from workflow_service.models.processes import ProcessDefinition
from workflow_service.models.service_items import ServiceItem, ServiceItemVersion


class CaseStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # 申请/预审 (受理 acts as 预审 where the item has no 预审 of its own)
    # 预审 of an online application, where the item asks for one (services.catalogue ``pre_review``):
    # waiting in the window's 预审, passed it (waiting for 受理), or failed it (ends, never accepted:
    # not 不予受理, which is a 受理 decision with its 决定书).
    PRE_REVIEW = "pre_review"  # 预审
    PRE_REVIEWED = "pre_reviewed"  # 预审通过
    PRE_REVIEW_FAILED = "pre_review_failed"  # 预审不通过
    ACCEPTED = "accepted"  # 受理
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    # 退件: before acceptance, the materials never came or the applicant gave up (the supervision
    # tables' 补齐补正不予受理); not a refusal on the merits, so not shown as 不予受理.
    RETURNED = "returned"
    SUPPLEMENT = "supplement"  # 补正
    UNDER_REVIEW = "under_review"  # 审查
    APPROVED = "approved"  # 办结-准予
    REFUSED = "refused"  # 办结-不予
    ISSUED = "issued"  # 已出件
    ARCHIVED = "archived"  # 归档
    WITHDRAWN = "withdrawn"  # 撤回
    SUSPENDED = "suspended"  # 中止


class CaseResult(enum.StrEnum):
    """办结 result codes, as the supervision exchange tables name them."""

    GRANTED = "granted"  # 出证办结 / 准予
    REFUSED = "refused"  # 不予许可
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    RETURNED = "returned"  # 退件: materials never completed, or the applicant gave up before acceptance
    # 预审不通过: an online application the window's 预审 turned away before 受理 (the column is 16 wide).
    PRE_REVIEW_FAILED = "prereview_failed"
    VOIDED = "voided"  # 作废
    WITHDRAWN = "withdrawn"  # 撤回
    # Outcomes of items that are no licence (events, consultations, opinions), declared by the process.
    COMPLETED = "completed"  # 办结
    DISPOSED = "disposed"  # 已处置
    AGREED = "agreed"  # 同意
    DISAGREED = "disagreed"  # 不同意


class DeliveryMethod(enum.StrEnum):
    PICKUP = "pickup"  # 窗口领取
    MAIL = "mail"  # 邮寄送达


class ApplicantKind(enum.StrEnum):
    PERSON = "person"
    LEGAL_ENTITY = "legal_entity"
    # Whoever reports a 基层治理事件: a grid member, a 12345 caller, an anonymous one; no ID number.
    REPORTER = "reporter"


# The columns the supervisors' dashboard aggregates over (services/supervision/dashboard.py).
DASHBOARD_COLUMNS = (
    "id",  # the scope's "a task of it was routed to us" reads it
    "status",
    "service_item_id",
    "matter_region_id",
    "accepting_organisation_id",
    "competent_organisation_id",
    "due_date",
    "legal_due_date",
    "accepted_on",
    "clock_stopped_on",
    "ended_at",
    "result_code",
)
# A running case: its promised clock runs (supervision.case_filters.running spells the same).
RUNNING_PREDICATE = text(
    "ended_at IS NULL AND status IN ('accepted', 'under_review') AND due_date IS NOT NULL"
)


class Case(Base):
    __tablename__ = "case_file"
    __table_args__ = (
        # The search box finds a name by its beginning (LIKE '张%'): an index that serves prefixes
        # whatever the database's collation. SQLite's is created COLLATE NOCASE by the migration
        # (its LIKE ignores ASCII case, and only such an index serves it).
        Index(
            "ix_case_file_applicant_name",
            "applicant_name",
            postgresql_ops={"applicant_name": "varchar_pattern_ops"},
        ),
        # The supervisors' case list pages newest first by id; the dashboard narrows by registration
        # time and looks for running cases near or past their due date. On PostgreSQL the index
        # also carries every column the dashboard's aggregates read, so that they are index-only
        # scans over the period's entries instead of visits to the wide case rows (300,000 of them
        # over a year at a million cases).
        Index(
            "ix_case_file_submitted_at",
            "submitted_at",
            postgresql_include=list(DASHBOARD_COLUMNS),
        ),
        Index("ix_case_file_due_date", "due_date"),
        # The overdue and due-soon lists: running cases by due date, the few open ones among the
        # finished (a walk of the whole due-date index met the finished cases' old dates first).
        Index(
            "ix_case_file_running_due",
            "due_date",
            "id",
            sqlite_where=RUNNING_PREDICATE,
            postgresql_where=RUNNING_PREDICATE,
            postgresql_include=[
                "submitted_at",
                "service_item_id",
                "matter_region_id",
                "accepting_organisation_id",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    # 统一办件编码: the province's own number for the case, once its platform issues one.
    unified_case_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Keyed hash of the query password (查询密码) for look-ups; the password itself is shown once.
    query_password_hash: Mapped[str | None] = mapped_column(String(255))
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    # The catalogue entry as it stood when the case was registered.
    service_item_version_id: Mapped[int | None] = mapped_column(ForeignKey("service_item_version.id"))
    process_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    channel: Mapped[str] = mapped_column(String(16), default="window")
    applicant_kind: Mapped[ApplicantKind] = mapped_column(enum_column(ApplicantKind, 16))
    applicant_name: Mapped[str] = mapped_column(String(128))
    # Resident ID (居民身份证号) or unified social credit code, validated by checksum.
    applicant_id_number: Mapped[str] = mapped_column(String(32), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # A reporter's channel (services.intake.applicants.REPORTER_CHANNELS); None for other kinds.
    applicant_channel: Mapped[str | None] = mapped_column(String(24))
    # 帮办代办: who acts for the applicant, if anyone (resident ID checked by checksum), how they
    # are related or authorised, and which catalogue material is the authorisation (委托书).
    agent_name: Mapped[str | None] = mapped_column(String(128))
    agent_id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    agent_phone: Mapped[str | None] = mapped_column(String(32))
    agent_relationship: Mapped[str | None] = mapped_column(String(64))
    agent_authorisation_note: Mapped[str | None] = mapped_column(Text)
    agent_authorisation_material: Mapped[str | None] = mapped_column(String(255))
    # How many 补正 notices the case has had; a second one is allowed but counted in reports.
    supplement_count: Mapped[int] = mapped_column(default=0, server_default="0")
    accepting_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Where the matter is (户籍地 or the site), which decides the competent back office.
    matter_region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # The back office the department lane resolved to (county department or dispatched station).
    competent_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, 24), index=True)
    status_history: Mapped[list] = mapped_column(JSON, default=list)
    # Set when the process hit an error (a refused script, a failing expression); the case waits for a fix.
    incident: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_date: Mapped[date | None] = mapped_column(Date)
    # Working days approved 延期 (extensions, services.review.extensions) add to both limits.
    extension_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # The clock's other readings, kept beside the promised due date so that reports are SQL: the day
    # it started (first 受理), the day it stopped (a decision, withdrawal …), and the due date the
    # 法定时限 gives with the same pauses.
    accepted_on: Mapped[date | None] = mapped_column(Date)
    clock_stopped_on: Mapped[date | None] = mapped_column(Date)
    legal_due_date: Mapped[date | None] = mapped_column(Date)
    # The waits at timers marked ``pausesClock`` (a 公示), during which the deadline clock stood still:
    # [{"task": engine task id, "timer": name, "from": iso, "until": iso or None}]
    # (services.calendar.case_clock).
    clock_pauses: Mapped[list | None] = mapped_column(JSON)
    # 办结: the result code, why (mandatory for every negative one), when, and which organisation
    # decided (None for results no organisation decided: 撤回, 退件, 作废).
    result_code: Mapped[CaseResult | None] = mapped_column(enum_column(CaseResult, 16), index=True)
    result_reason: Mapped[str | None] = mapped_column(Text)
    # The label the process declared for the outcome (``resultLabel``: 已处置, 同意 …); None: the code's own.
    result_label: Mapped[str | None] = mapped_column(String(32))
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # 出件: how the result reached the applicant; at pickup, who collected it (ID checked).
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(enum_column(DeliveryMethod, 16))
    delivery_recipient_name: Mapped[str | None] = mapped_column(String(128))
    delivery_recipient_id_number: Mapped[str | None] = mapped_column(String(32))
    delivery_tracking_number: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registered although the applicant had open cases of the same item: their numbers, and why.
    duplicate_of: Mapped[list | None] = mapped_column(JSON)
    duplicate_reason: Mapped[str | None] = mapped_column(Text)
    # The applicant's form data as submitted, for display without touching the workflow blob.
    application: Mapped[dict] = mapped_column(JSON)
    # Deferred: lists and inboxes never load the serialized workflow. Dropped (None) by the retention
    # run once a finished case is old enough: nothing runs on it again, and the live table stops
    # growing; the elements it passed are kept for its diagram.
    workflow_state: Mapped[str | None] = mapped_column(Text, deferred=True)
    state_dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passed_elements: Mapped[list | None] = mapped_column(JSON)
    # Who registered the case; None for a case a portal or line system submitted (submitted_by_client_id).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The portal or line system that submitted the case online (its webhooks hear of the case); None
    # for a case taken at a window.
    submitted_by_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own convention

    service_item: Mapped[ServiceItem] = relationship()
    service_item_version: Mapped[ServiceItemVersion | None] = relationship()
    process_definition: Mapped[ProcessDefinition] = relationship()
    accepting_organisation: Mapped[Organisation] = relationship(foreign_keys=[accepting_organisation_id])
    competent_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[competent_organisation_id]
    )
    matter_region: Mapped[Region] = relationship()
    result_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[result_organisation_id])


class CaseNumberCounter(Base):
    """The last serial handed out per case-number prefix (county + item + day)."""

    __tablename__ = "case_number_counter"
    __table_args__ = (UniqueConstraint("prefix", name="uq_case_number_counter_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32))
    last_serial: Mapped[int] = mapped_column(default=0)
