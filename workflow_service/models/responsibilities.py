"""The responsibility list (部门职责乡镇配合事项清单): a township's duties in a county matter."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base


class ResponsibilityItem(Base):
    __tablename__ = "responsibility_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    matter: Mapped[str] = mapped_column(String(255))
    # 审批服务 / 行政执法 / 社会管理
    category: Mapped[str] = mapped_column(String(16))
    lead_department_type: Mapped[str] = mapped_column(String(64))
    township_duty: Mapped[str] = mapped_column(Text)
    working_situations: Mapped[list] = mapped_column(JSON, default=list)
    # Which township office does the cooperation (an OfficeType value); none: 党政综合办公室.
    cooperating_office_type: Mapped[str | None] = mapped_column(String(64))
    # The BPMN user task this item backs, if any.
    process_key: Mapped[str | None] = mapped_column(String(128))
    bpmn_task_id: Mapped[str | None] = mapped_column(String(128))
