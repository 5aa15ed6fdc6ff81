"""The one page layout of every official paper of a case: title, reference, text, facts, seal area,
issuer, QR code; and several papers bound into one PDF for printing.

Chinese text uses ReportLab's built-in CID font STSong-Light, which needs no font file (the reader
supplies the glyphs). Every page carries a QR code to the case's public status page, whose absolute
address comes from ``PUBLIC_BASE_URL``. The notices (services.notices.documents) and the electronic
licence (services.closing.licences) are laid out here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workflow_service.models import Case

FONT = "STSong-Light"


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def page_styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of every official page, in the Chinese font."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24)
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=22, leading=30, alignment=TA_CENTER),
        "reference": ParagraphStyle(
            "reference", fontName=font, fontSize=10.5, leading=16, alignment=TA_RIGHT
        ),
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK"),
        "signature": ParagraphStyle("signature", fontName=font, fontSize=12, leading=20, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK"),
        "seal": ParagraphStyle(
            "seal", fontName=font, fontSize=10.5, leading=15, alignment=TA_CENTER, textColor=colors.grey
        ),
    }


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def status_page_url(case: Case) -> str:
    """The absolute address of the case's public status page, as printed and encoded in the QR code."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/track/{quote(case.number, safe='')}"


def _qr_code(url: str) -> Image:
    import segno  # loaded by the first printed page, not by every worker

    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=6, border=4)
    png.seek(0)
    return Image(png, width=32 * mm, height=32 * mm)


def escaped(value: object) -> str:
    """``value`` as text safe inside a ReportLab paragraph."""
    return escape(str(value))


def _facts_table(rows: Sequence[tuple[str, str]]) -> Table:
    styles = page_styles()
    table = Table(
        [
            [Paragraph(escaped(label), styles["cell"]), Paragraph(escaped(value), styles["cell"])]
            for label, value in rows
        ],
        colWidths=[38 * mm, 122 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _seal_area() -> Table:
    """The box the issuing organ stamps its seal in (印章), above its name on the right."""
    styles = page_styles()
    return Table(
        [[Paragraph("（盖章）", styles["seal"])]],
        colWidths=[40 * mm],
        rowHeights=[24 * mm],
        hAlign="RIGHT",
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )


def render_page(
    case: Case,
    title: str,
    *,
    paragraphs: Sequence[str],
    facts: Sequence[tuple[str, str]],
    issuer: str,
    issued_on: date | None,
    extra: Sequence[Flowable] = (),
    reference: str | None = None,
    addressed: bool = True,
) -> bytes:
    """The one layout every notice shares: title, addressee, text, facts, issuer and date, QR code."""
    styles = page_styles()
    url = status_page_url(case)
    addressee = [Paragraph(escaped(f"{case.applicant_name}："), styles["plain"])] if addressed else []
    story: list[Flowable] = [
        Paragraph(escaped(title), styles["title"]),
        Spacer(1, 4 * mm),
        Paragraph(escaped(reference or f"编号：{case.number}"), styles["reference"]),
        Spacer(1, 4 * mm),
        *addressee,
        *(Paragraph(escaped(text), styles["body"]) for text in paragraphs),
        Spacer(1, 4 * mm),
        *extra,
        _facts_table(facts),
        Spacer(1, 6 * mm),
        _seal_area(),
        Spacer(1, 2 * mm),
        Paragraph(escaped(issuer), styles["signature"]),
        Paragraph(escaped(chinese_date(issued_on)), styles["signature"]),
        Spacer(1, 8 * mm),
        Table(
            [
                [
                    _qr_code(url),
                    Paragraph(escaped(f"扫码或访问以下地址，凭查询密码查询办理进度：{url}"), styles["small"]),
                ]
            ],
            colWidths=[36 * mm, 124 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        ),
    ]
    output = io.BytesIO()
    SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"{title} {case.number}",
        author=issuer,
        subject=case.service_item.name,
        creator="一窗通办",
    ).build(story)
    return output.getvalue()


def bound(documents: Sequence[bytes]) -> bytes:
    """Several PDFs as one, in the order given (a queue's notices printed at once)."""
    from pypdf import PdfReader, PdfWriter  # ~25 MiB: loaded by the first bound print, not by every worker

    writer = PdfWriter()
    for content in documents:
        writer.append(PdfReader(io.BytesIO(content)))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def official_page(
    case: Case,
    title: str,
    *,
    reference: str,
    paragraphs: Sequence[str],
    facts: Sequence[tuple[str, str]],
    issuer: str,
    issued_on: date | None,
) -> bytes:
    """The notices' layout for another official paper of the case (the electronic licence,
    services.closing.licences): its own reference line, no addressee."""
    return render_page(
        case,
        title,
        paragraphs=paragraphs,
        facts=facts,
        issuer=issuer,
        issued_on=issued_on,
        reference=reference,
        addressed=False,
    )
