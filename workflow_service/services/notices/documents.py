"""The case's official notices as PDF: one function per kind, all on the one page layout
(services.notices.layout); and a queue's notices bound into one PDF for printing."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from sqlalchemy import select

from workflow_service.errors import Conflict, InvalidInput, NotFound
from workflow_service.extensions import db
from workflow_service.models import (
    Attachment,
    Case,
    CaseExtension,
    CaseStatus,
    CaseSuspension,
    ExtensionState,
    User,
)
from workflow_service.services.calendar.case_clock import case_clock, joint_handling
from workflow_service.services.clock import business_day
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.intake.acceptance import deferred_materials, supplement_deadline
from workflow_service.services.intake.query_passwords import query_password_matches
from workflow_service.services.materials.checklist import case_materials
from workflow_service.services.notices import case_outcome
from workflow_service.services.notices.case_outcome import MissingMaterial
from workflow_service.services.notices.layout import (
    Document,
    bound,
    chinese_date,
    escaped,
    page_styles,
    render_page,
)
from workflow_service.services.review.suspensions import KIND_LABELS, expected_resume_on


class DocumentKind(enum.StrEnum):
    RECEIPT = "receipt"  # 收件凭证
    ACCEPTANCE = "acceptance"  # 受理通知书
    NOT_ACCEPTED = "not-accepted"  # 不予受理决定书
    SUPPLEMENT = "supplement"  # 补正材料通知书
    DEFERRAL_PROMISE = "deferral-promise"  # 容缺受理承诺书
    SPECIAL_PROCEDURE = "special-procedure"  # 特别程序告知书
    EXTENSION = "extension"  # 延期告知书
    COMPLETION = "completion"  # 办结通知


DOCUMENT_TITLES = {
    DocumentKind.RECEIPT: "收件凭证",
    DocumentKind.ACCEPTANCE: "受理通知书",
    DocumentKind.NOT_ACCEPTED: "不予受理决定书",
    DocumentKind.SUPPLEMENT: "补正材料通知书",
    DocumentKind.DEFERRAL_PROMISE: "容缺受理承诺书",
    DocumentKind.SPECIAL_PROCEDURE: "特别程序告知书",
    DocumentKind.EXTENSION: "延期告知书",
    DocumentKind.COMPLETION: "办结通知",
}


class DocumentNotApplicable(Conflict):
    title = "办件当前状态不适用此文书"
    type_slug = "document-not-applicable"


@dataclass(frozen=True)
class IssuedDocument:
    """A notice the case has: its kind, title and when the case reached the status that issues it."""

    kind: DocumentKind
    title: str
    issued_at: datetime


def latest_suspension(case: Case) -> CaseSuspension | None:
    """The case's latest special procedure (特别程序), the one its 特别程序告知书 is about."""
    return db.session.execute(
        select(CaseSuspension)
        .where(CaseSuspension.case_id == case.id)
        .order_by(CaseSuspension.suspended_at.desc(), CaseSuspension.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_extension(case: Case) -> CaseExtension | None:
    """The case's latest approved 延期, the one its 延期告知书 is about."""
    return db.session.execute(
        select(CaseExtension)
        .where(CaseExtension.case_id == case.id, CaseExtension.state == ExtensionState.APPROVED)
        .order_by(CaseExtension.decided_at.desc(), CaseExtension.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def issued_at(case: Case, kind: DocumentKind) -> datetime | None:
    """When the case reached the status that issues a notice of ``kind``; None while it does not apply."""
    if kind == DocumentKind.RECEIPT:
        return case.submitted_at
    if kind == DocumentKind.SPECIAL_PROCEDURE:
        suspension = latest_suspension(case)
        return suspension.suspended_at if suspension else None
    if kind == DocumentKind.EXTENSION:
        extension = latest_extension(case)
        return extension.decided_at if extension else None
    if kind == DocumentKind.ACCEPTANCE:
        return case_outcome.reached(case, CaseStatus.ACCEPTED)
    if kind == DocumentKind.NOT_ACCEPTED:
        # 退件 is the supervision tables' 补齐补正不予受理: the applicant is owed the written decision.
        return case_outcome.reached(case, CaseStatus.NOT_ACCEPTED, CaseStatus.RETURNED)
    if kind == DocumentKind.SUPPLEMENT:
        asked = case_outcome.reached(case, CaseStatus.SUPPLEMENT)
        return asked if asked and case_outcome.missing_materials(case) else None
    if kind == DocumentKind.DEFERRAL_PROMISE:
        deferred = deferred_materials(case)
        return deferred[0].deferred_at if deferred else None
    return case_outcome.reached(case, CaseStatus.APPROVED, CaseStatus.REFUSED)


def issued_documents(case: Case) -> list[IssuedDocument]:
    """The notices the case has now (those ``case_document`` gives rather than 409), in the order issued."""
    found = [(kind, issued_at(case, kind)) for kind in DocumentKind]
    return sorted(
        (IssuedDocument(kind, DOCUMENT_TITLES[kind], moment) for kind, moment in found if moment),
        key=lambda document: document.issued_at,
    )


def _case_facts(case: Case) -> list[tuple[str, str]]:
    rows = [("办件编号", case.number)]
    if case.unified_case_code:
        rows.append(("统一办件编码", case.unified_case_code))
    rows += [
        ("事项名称", case.service_item.name),
        ("申请人", case.applicant_name),
        ("受理窗口", case.accepting_organisation.name),
    ]
    if case.competent_organisation is not None:
        rows.append(("办理机构", case.competent_organisation.name))
    return rows


def _handling_organisation(case: Case) -> str:
    organisation = case.competent_organisation or case.accepting_organisation
    return organisation.name


def _deciding_organisation(case: Case) -> str:
    """Who signs a decision: the organisation recorded with the result (the deciding step's)."""
    if case.result_organisation is not None:
        return case.result_organisation.name
    return _handling_organisation(case)


def acceptance_notice(case: Case, query_password: str | None = None) -> bytes:
    """受理通知书, with the query password when the window prints it together with the registration."""
    accepted = issued_at(case, DocumentKind.ACCEPTANCE)
    if accepted is None:
        raise DocumentNotApplicable(f"办件 {case.number} 尚未受理，不能出具受理通知书")
    accepted_on = business_day(accepted)
    facts = [
        *_case_facts(case),
        ("申请日期", chinese_date(business_day(case.submitted_at))),
        ("受理日期", chinese_date(accepted_on)),
        ("承诺办结日期", chinese_date(case.due_date)),
        ("查询密码", query_password or "已在登记时告知申请人；遗失的，可凭身份证件到受理窗口重新设置"),
    ]
    deferred = deferred_materials(case)
    if deferred:
        # 容缺受理: accepted on the applicant's promise, so the notice must not call the materials complete.
        paragraphs = [
            f"你（单位）提出的{case.service_item.name}申请，经审查，主要申请材料齐全、符合法定形式，"
            f"次要材料按容缺受理办理，决定予以受理。",
            "请按《容缺受理承诺书》于下列期限前补交容缺材料，逾期未补交的，本机关将依照有关规定作出处理："
            + "；".join(
                f"{index}. {material.name}（{chinese_date(material.promised_on)}前）"
                for index, material in enumerate(deferred, 1)
            )
            + "。",
        ]
    else:
        paragraphs = [
            f"你（单位）提出的{case.service_item.name}申请，经审查，申请材料齐全、符合法定形式，决定予以受理。"
        ]
    paragraphs.append(
        f"本事项承诺于{chinese_date(case.due_date)}前办结（补正、特别程序所需时间不计算在内）。"
        "办理进度可凭办件编号和查询密码查询，请妥善保管本通知书和查询密码。"
    )
    return render_page(
        case,
        "受理通知书",
        paragraphs=paragraphs,
        facts=facts,
        issuer=case.accepting_organisation.name,
        issued_on=accepted_on,
    )


def deferral_promise(case: Case) -> bytes:
    """容缺受理承诺书: the applicant's written promise to bring each deferred material by its day,
    printed for their signature at the window."""
    deferred = deferred_materials(case)
    if not deferred:
        raise DocumentNotApplicable(f"办件 {case.number} 没有容缺材料，不需要容缺受理承诺书")
    deferred_on = business_day(deferred[0].deferred_at)
    facts = [
        *_case_facts(case),
        *(
            (f"容缺材料 {index}", f"{material.name}，{chinese_date(material.promised_on)}前补交")
            for index, material in enumerate(deferred, 1)
        ),
    ]
    paragraphs = [
        f"本人（单位）申请办理{case.service_item.name}，申请材料中上列材料暂缺。现承诺：于所列期限前向"
        f"{case.accepting_organisation.name}补交上列材料，并对所提交材料的真实性负责；"
        "逾期未补交或所补交材料与承诺不符的，同意行政机关依照有关规定作出处理，由此产生的后果由本人（单位）承担。",
        "申请人（签字或盖章）：____________________　　日期：______年____月____日",
    ]
    return render_page(
        case,
        "容缺受理承诺书",
        paragraphs=paragraphs,
        facts=facts,
        issuer=case.accepting_organisation.name,
        issued_on=deferred_on,
    )


def not_accepted_decision(case: Case) -> bytes:
    """不予受理决定书, with the reason the window gave."""
    decided = issued_at(case, DocumentKind.NOT_ACCEPTED)
    if decided is None:
        raise DocumentNotApplicable(f"办件 {case.number} 未作出不予受理决定，不能出具不予受理决定书")
    decided_on = business_day(decided)
    reason = case_outcome.refusal_reason(case) or "不符合受理条件"
    paragraphs = [
        f"你（单位）提出的{case.service_item.name}申请，经审查，{reason.rstrip('。')}。决定不予受理。",
        "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
        "或者自收到本决定书之日起六个月内依法提起行政诉讼。",
    ]
    facts = [
        *_case_facts(case),
        ("申请日期", chinese_date(business_day(case.submitted_at))),
        ("决定日期", chinese_date(decided_on)),
        ("不予受理理由", reason),
    ]
    return render_page(
        case,
        "不予受理决定书",
        paragraphs=paragraphs,
        facts=facts,
        issuer=case.accepting_organisation.name,
        issued_on=decided_on,
    )


def supplement_notice(case: Case, missing: Sequence[MissingMaterial], note: str | None = None) -> bytes:
    """补正材料通知书: everything missing, told once ("一次性告知"), from the list the caller gives,
    with the window's note (``note``) if it wrote one. A notice after acceptance (退回补正 from a
    review) says so, and its note is the reviewer's reason."""
    asked_on = case_outcome.reached_day(case, CaseStatus.SUPPLEMENT)
    if asked_on is None:
        raise DocumentNotApplicable(f"办件 {case.number} 未要求补正材料，不能出具补正材料通知书")
    if not missing:
        raise DocumentNotApplicable(f"办件 {case.number} 没有记录需要补正的材料")
    styles = page_styles()
    materials = Table(
        [
            [
                Paragraph("序号", styles["cell"]),
                Paragraph("材料名称", styles["cell"]),
                Paragraph("补正要求", styles["cell"]),
            ],
            *(
                [
                    Paragraph(str(position), styles["cell"]),
                    Paragraph(escaped(material.name), styles["cell"]),
                    Paragraph(escaped(material.note or "请提交"), styles["cell"]),
                ]
                for position, material in enumerate(missing, start=1)
            ),
        ],
        colWidths=[14 * mm, 70 * mm, 76 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )
    returned = case_outcome.returned_after_acceptance(case)
    window = case.accepting_organisation.name
    deadline = supplement_deadline(case, asked_on)
    if returned:
        accepted_on = case_outcome.reached_day(case, CaseStatus.ACCEPTED)
        opening = (
            f"你（单位）提出的{case.service_item.name}申请已于{chinese_date(accepted_on)}受理，"
            "经审核，申请材料不齐全或者不符合法定形式。"
        )
        closing = (
            f"请于{chinese_date(deadline)}前按上述要求补正后到{window}提交，补正后继续审核，无须重新申请；"
            "补正期间不计入办理时限。"
        )
    else:
        opening = f"你（单位）提出的{case.service_item.name}申请，申请材料不齐全或者不符合法定形式。"
        closing = (
            f"请于{chinese_date(deadline)}前按上述要求补正后到{window}提交，补正后继续办理，无须重新申请；"
            "逾期未补正的，视为放弃申请，本机关将退回申请材料。"
        )
    paragraphs = [f"{opening}现一次性告知需要补正的全部内容（共{len(missing)}项）如下："]
    after = Paragraph(escaped(closing), styles["body"])
    label = "退回理由" if returned else "说明"
    remark = [Paragraph(escaped(f"{label}：{note}"), styles["body"])] if note else []
    return render_page(
        case,
        "补正材料通知书",
        paragraphs=paragraphs,
        facts=[
            *_case_facts(case),
            ("通知日期", chinese_date(asked_on)),
            ("补正期限", f"{chinese_date(deadline)}前"),
        ],
        issuer=case.accepting_organisation.name,
        issued_on=asked_on,
        extra=[materials, Spacer(1, 3 * mm), *remark, after, Spacer(1, 4 * mm)],
    )


def completion_notice(case: Case) -> bytes:
    """办结通知: the decision, the opinion and how the result reaches the applicant."""
    approved_on = case_outcome.reached(case, CaseStatus.APPROVED)
    decided = issued_at(case, DocumentKind.COMPLETION)
    if decided is None:
        raise DocumentNotApplicable(f"办件 {case.number} 尚未办结，不能出具办结通知")
    # The outcome the process declared (已处置, 同意 …), else whether the application was granted.
    result = case.result_label or ("准予办理" if decided == approved_on else "不予办理")
    decided_on = business_day(decided)
    delivered = case_outcome.delivery(case)
    if delivered is None:
        collection = f"请凭本人身份证件到{case.accepting_organisation.name}领取办理结果，或申请邮寄送达"
    elif delivered.method == "mail":
        collection = f"{delivered.label}（邮件运单号 {delivered.tracking_number}）"
    else:
        collection = delivered.label
    facts = [
        *_case_facts(case),
        ("申请日期", chinese_date(business_day(case.submitted_at))),
        ("办结日期", chinese_date(decided_on)),
        ("办理结果", result),
        ("办理意见", case_outcome.decision_opinion(case) or "—"),
        ("领取方式", collection),
    ]
    paragraphs = [
        f"你（单位）提出的{case.service_item.name}申请已于{chinese_date(decided_on)}办结，办理结果为：{result}。"
    ]
    if decided != approved_on:
        paragraphs.append(
            "如不服本决定，可以自收到本通知之日起六十日内依法申请行政复议，或者自收到本通知之日起六个月内依法提起行政诉讼。"
        )
    return render_page(
        case,
        "办结通知",
        paragraphs=paragraphs,
        facts=facts,
        issuer=_deciding_organisation(case),
        issued_on=decided_on,
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    styles = page_styles()
    return Table(
        [
            [Paragraph(escaped(cell), styles["cell"]) for cell in header],
            *([Paragraph(escaped(cell), styles["cell"]) for cell in row] for row in rows),
        ],
        colWidths=[width * mm for width in widths],
        repeatRows=1,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )


FORM_LABELS = {"original": "原件", "copy": "复印件", "electronic": "电子件"}


def material_receipt(case: Case) -> bytes:
    """收件凭证: the materials of the case's catalogue version as the window took them in at
    registration — received, received with files, deferred (容缺) or to be supplemented (补正)."""
    styles = page_styles()
    deferred = {material.name: material for material in deferred_materials(case)}
    missing = (
        {material.name for material in case_outcome.missing_materials(case)}
        if case.status == CaseStatus.SUPPLEMENT
        else set()
    )
    with_files = set(
        db.session.execute(select(Attachment.material_name).where(Attachment.case_id == case.id)).scalars()
    )
    rows = []
    for position, material in enumerate(case_materials(case), start=1):
        name = str(material["name"])
        if name in deferred:
            state = f"容缺，承诺{chinese_date(deferred[name].promised_on)}前补交"
        elif name in missing:
            state = "待补正"
        elif name in with_files:
            state = "已收取（含电子件）"
        elif material.get("required", True):
            state = "已收取"
        else:
            state = "非必需，未提交"
        rows.append(
            [
                str(position),
                name,
                FORM_LABELS.get(str(material.get("form")), ""),
                str(material.get("copies") or 1),
                state,
            ]
        )
    received_on = business_day(case.submitted_at)
    table = _table(["序号", "材料名称", "形式", "份数", "收取情况"], rows, [12, 62, 18, 12, 56])
    return render_page(
        case,
        "收件凭证",
        paragraphs=[
            f"你（单位）申请办理{case.service_item.name}，本窗口于{chinese_date(received_on)}收到下列申请材料，"
            "特此凭证。本凭证不代表申请已被受理，受理与否以受理通知书或不予受理决定书为准。"
        ],
        facts=[*_case_facts(case), ("收件日期", chinese_date(received_on))],
        issuer=case.accepting_organisation.name,
        issued_on=received_on,
        extra=[
            table,
            Spacer(1, 2 * mm),
            Paragraph("申请人（签字）：____________________", styles["plain"]),
            Spacer(1, 2 * mm),
        ],
    )


def special_procedure_notice(case: Case) -> bytes:
    """特别程序告知书 (行政许可法 Art. 45): which procedure, why, how long it is expected to take, that
    the time is not counted in the limit; and, once it ended, its result."""
    suspension = latest_suspension(case)
    if suspension is None:
        raise DocumentNotApplicable(f"办件 {case.number} 没有特别程序，不能出具特别程序告知书")
    kind = KIND_LABELS[suspension.kind]
    started_on = business_day(suspension.suspended_at)
    expected_end = expected_resume_on(suspension)
    paragraphs = [
        f"你（单位）提出的{case.service_item.name}申请，因{suspension.reason.rstrip('。')}，"
        f"依照《中华人民共和国行政许可法》第四十五条的规定，需要进行{kind}，"
        f"自{chinese_date(started_on)}起预计需要{suspension.expected_days}个工作日"
        f"（预计至{chinese_date(expected_end)}）。{kind}所需时间不计算在办理期限内，特此告知。",
    ]
    facts = [
        *_case_facts(case),
        ("特别程序种类", kind),
        ("启动理由", suspension.reason),
        ("启动日期", chinese_date(started_on)),
        ("预计所需时间", f"{suspension.expected_days}个工作日"),
        ("预计结束日期", chinese_date(expected_end)),
    ]
    if suspension.resumed_at is not None:
        facts.append(("结束日期", chinese_date(business_day(suspension.resumed_at))))
        facts.append(("特别程序结果", suspension.result or "—"))
        if suspension.applicant_told_at is not None:
            facts.append(("告知日期", chinese_date(business_day(suspension.applicant_told_at))))
    return render_page(
        case,
        "特别程序告知书",
        paragraphs=paragraphs,
        facts=facts,
        issuer=suspension.organisation.name,
        issued_on=started_on,
    )


def extension_notice(case: Case) -> bytes:
    """延期告知书 (行政许可法 Arts. 42 and 45): the head's approval, the reason and the new due date."""
    extension = latest_extension(case)
    if extension is None or extension.decided_at is None:
        raise DocumentNotApplicable(f"办件 {case.number} 没有经批准的延期，不能出具延期告知书")
    decided_on = business_day(extension.decided_at)
    clock = case_clock(case)
    joint = joint_handling(case)
    article = "第四十五条" if joint else "第四十二条"
    paragraphs = [
        f"你（单位）提出的{case.service_item.name}申请，因{extension.reason.rstrip('。')}，"
        f"不能在规定期限内作出决定。依照《中华人民共和国行政许可法》{article}的规定，"
        f"经本机关负责人批准，办理期限延长{extension.days}个工作日，特此告知。",
    ]
    facts = [
        *_case_facts(case),
        ("延期理由", extension.reason),
        ("延长期限", f"{extension.days}个工作日"),
        ("批准日期", chinese_date(decided_on)),
        ("延期后承诺办结日期", chinese_date(clock.due_date)),
        ("延期后法定办结日期", chinese_date(clock.legal_due_date)),
    ]
    return render_page(
        case,
        "延期告知书",
        paragraphs=paragraphs,
        facts=facts,
        issuer=extension.organisation.name,
        issued_on=decided_on,
    )


def _document(case: Case, kind: DocumentKind, query_password: str | None = None) -> Document:
    if kind == DocumentKind.RECEIPT:
        content = material_receipt(case)
    elif kind == DocumentKind.SPECIAL_PROCEDURE:
        content = special_procedure_notice(case)
    elif kind == DocumentKind.EXTENSION:
        content = extension_notice(case)
    elif kind == DocumentKind.ACCEPTANCE:
        content = acceptance_notice(case, query_password)
    elif kind == DocumentKind.NOT_ACCEPTED:
        content = not_accepted_decision(case)
    elif kind == DocumentKind.DEFERRAL_PROMISE:
        content = deferral_promise(case)
    elif kind == DocumentKind.SUPPLEMENT:
        content = supplement_notice(
            case, case_outcome.missing_materials(case), case_outcome.supplement_note(case)
        )
    else:
        content = completion_notice(case)
    return Document(filename=f"{case.number}-{kind.value}.pdf", content=content)


def case_document(actor: User, number: str, kind: str) -> Document:
    """A notice of a case the actor may see (404 outside scope, 409 when it does not apply yet or at all)."""
    case = get_visible_case(actor, number)
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise NotFound(f"没有 {kind} 这种文书") from None
    return _document(case, document_kind)


def acceptance_receipt(actor: User, number: str, query_password: str | None) -> Document:
    """受理通知书 with the query password the window was given at registration printed on it.

    The password must be the case's (422 otherwise), so a notice never carries a wrong one.
    """
    case = get_visible_case(actor, number)
    if not query_password:
        raise InvalidInput("缺少查询密码", errors={"query_password": ["必填"]})
    if not query_password_matches(case, query_password):
        raise InvalidInput("查询密码有误", errors={"query_password": ["与办件的查询密码不符"]})
    return _document(case, DocumentKind.ACCEPTANCE, query_password)


BATCH_LIMIT = 50


def batch_documents(actor: User, numbers: Sequence[str], kind: str | None) -> Document:
    """The notices of several cases bound into one PDF, in the order the numbers are given: the
    notice ``kind`` of each (409 when one of them has none), or without a kind every notice each case
    has now. Every case must be in the actor's scope (404 for the first that is not)."""
    wanted = [number.strip() for number in numbers if number.strip()]
    if not wanted:
        raise InvalidInput("没有选择办件", errors={"cases": ["请至少选择一件"]})
    if len(wanted) > BATCH_LIMIT:
        raise InvalidInput("一次选择的办件过多", errors={"cases": [f"一次最多 {BATCH_LIMIT} 件"]})
    document_kind = None
    if kind is not None:
        try:
            document_kind = DocumentKind(kind)
        except ValueError:
            raise InvalidInput("文书种类有误", errors={"kind": [f"没有 {kind} 这种文书"]}) from None
    contents: list[bytes] = []
    for number in dict.fromkeys(wanted):
        case = get_visible_case(actor, number)
        kinds = [document_kind] if document_kind else [issued.kind for issued in issued_documents(case)]
        contents.extend(_document(case, each).content for each in kinds)
    label = document_kind.value if document_kind else "notices"
    return Document(filename=f"batch-{label}-{len(wanted)}.pdf", content=bound(contents))
