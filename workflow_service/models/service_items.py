"""Service items (事项) as the implementation list (实施清单) describes them, with materials and versions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow


class AcceptanceMode(enum.StrEnum):
    LOCAL = "local"  # 就近能办: only the matter's own township
    CITY = "city"  # 同城通办
    CROSS_REGION = "cross_region"  # 异地可办


class ItemType(enum.StrEnum):
    LICENSING = "licensing"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    BENEFIT = "benefit"  # 行政给付
    FILING = "filing"  # 行政备案
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER = "other"  # 其他行政权力


class TimeUnit(enum.StrEnum):
    WORKING_DAY = "working_day"  # 工作日
    NATURAL_DAY = "natural_day"  # 自然日
    HOUR = "hour"  # 小时


class BodyNature(enum.StrEnum):
    """实施主体性质."""

    STATUTORY = "statutory"  # 法定机关
    AUTHORISED = "authorised"  # 法律法规授权组织
    ENTRUSTED = "entrusted"  # 受委托组织


class MaterialForm(enum.StrEnum):
    ORIGINAL = "original"  # 原件
    COPY = "copy"  # 复印件
    ELECTRONIC = "electronic"  # 电子件


class ServiceItem(Base):
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # Short code used in case numbers, e.g. GTDJ for 个体工商户设立登记.
    short_code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(128))
    # The pinyin initials of the name (个体工商户设立登记 → gtgshsldj), for the catalogue search:
    # written with the name (services.catalogue.pinyin), so serving a search needs no pypinyin.
    name_initials: Mapped[str] = mapped_column(String(128), default="", server_default="")
    basic_code: Mapped[str | None] = mapped_column(String(64))  # 基本编码
    implementation_code: Mapped[str | None] = mapped_column(String(64))  # 实施编码
    item_type: Mapped[ItemType] = mapped_column(enum_column(ItemType, 24), default=ItemType.LICENSING)
    # 实施主体: the competent department type.
    department_type: Mapped[str] = mapped_column(String(64))
    process_key: Mapped[str] = mapped_column(String(128))
    acceptance_mode: Mapped[AcceptanceMode] = mapped_column(
        enum_column(AcceptanceMode, 16), default=AcceptanceMode.LOCAL
    )
    # 即办件 (finished at the window the same day) rather than 承诺件.
    instant: Mapped[bool] = mapped_column(default=False)
    # 法定办结时限 and 承诺办结时限: the value counts in the unit beside it (the name predates units).
    legal_limit_days: Mapped[int]
    legal_limit_unit: Mapped[TimeUnit] = mapped_column(
        enum_column(TimeUnit, 16), default=TimeUnit.WORKING_DAY
    )
    promised_limit_days: Mapped[int]
    promised_limit_unit: Mapped[TimeUnit] = mapped_column(
        enum_column(TimeUnit, 16), default=TimeUnit.WORKING_DAY
    )
    # 联合办理 / 统一办理 / 集中办理 by several organs (行政许可法 Art. 45): the legal limit is 45
    # working days and a 延期 may add 15; otherwise 20 and 10 (Art. 42).
    joint_handling: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Yellow warning when this many working days or fewer remain.
    warning_days: Mapped[int] = mapped_column(default=1)
    # 受理时限: working days the window has, from registration, to decide 受理 / 补正告知 / 不予受理
    # (行政许可法 Art. 32: 当场或者五日内一次告知). A 即办件 is decided the same day whatever this says.
    acceptance_limit_days: Mapped[int] = mapped_column(default=5)
    visits_required: Mapped[int] = mapped_column(default=1)  # 到办事现场次数
    fee_required: Mapped[bool] = mapped_column(default=False)
    fee_basis: Mapped[str | None] = mapped_column(Text)
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # 办理结果: the licence (证照) a granted case produces, if any, and for how many years it is
    # valid (None: 长期).
    licence_name: Mapped[str | None] = mapped_column(String(128))
    licence_valid_years: Mapped[int | None]
    # 受理条件 a program can check: rules of the kinds services.catalogue.eligibility interprets,
    # e.g. [{"kind": "minimum_age", "years": 60, "id_field": "data.holder_id_number"}].
    eligibility: Mapped[list] = mapped_column(JSON, default=list)
    # 服务对象 as intake checks it: the applicant kinds the item takes (person, legal_entity,
    # reporter); None or empty: person and legal_entity.
    applicant_kinds: Mapped[list | None] = mapped_column(JSON)
    # 预审: the channels (portal, window) whose applications wait in the window's 预审 before 受理;
    # None or empty: none do (受理 itself checks them). The process draws the step (a user task
    # marked ``pre_review``) and takes the branch when intake says so (docs/bpmn-conventions.md).
    pre_review: Mapped[list | None] = mapped_column(JSON)
    # The rest of the 实施清单 as the exchange standard has it, shown to clerks and applicants:
    # 实施主体 (name, 统一社会信用代码, nature), 行使层级, 设定依据, 受理条件 (as text), 服务对象,
    # 办理地点 and 办理时间, 咨询方式 and 监督投诉方式, 是否进驻大厅, 联办机构.
    body_name: Mapped[str | None] = mapped_column(String(128))
    body_code: Mapped[str | None] = mapped_column(String(32))
    body_nature: Mapped[BodyNature | None] = mapped_column(enum_column(BodyNature, 16))
    exercise_level: Mapped[str | None] = mapped_column(String(64))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    acceptance_conditions: Mapped[str | None] = mapped_column(Text)
    service_objects: Mapped[str | None] = mapped_column(String(64))
    service_location: Mapped[str | None] = mapped_column(Text)
    service_hours: Mapped[str | None] = mapped_column(Text)
    consultation: Mapped[str | None] = mapped_column(Text)
    complaint: Mapped[str | None] = mapped_column(Text)
    in_service_hall: Mapped[bool] = mapped_column(default=False)
    joint_organisations: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    materials: Mapped[list[ServiceMaterial]] = relationship(
        order_by="ServiceMaterial.position", cascade="all, delete-orphan"
    )


class ServiceMaterial(Base):
    """A material the applicant brings (申请材料)."""

    __tablename__ = "service_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    form: Mapped[MaterialForm] = mapped_column(enum_column(MaterialForm, 16), default=MaterialForm.ORIGINAL)
    copies: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(default=True)
    # 可容缺: may be missing at acceptance on the applicant's written promise to bring it.
    deferrable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # 来源渠道 (申请人自备, 政府部门核发 …) and the 空白表格 / 示例样表 a window hands out (a file reference).
    source_channel: Mapped[str | None] = mapped_column(String(64))
    blank_form: Mapped[str | None] = mapped_column(String(255))
    sample_form: Mapped[str | None] = mapped_column(String(255))


class ServiceItemVersion(Base):
    """A snapshot of an item as it stood at one version; cases point at the one they were accepted under."""

    __tablename__ = "service_item_version"
    __table_args__ = (
        UniqueConstraint("service_item_id", "version", name="uq_service_item_version_item_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
