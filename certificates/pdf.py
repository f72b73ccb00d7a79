"""The certificate PDF, drawn with ReportLab from the frozen content alone.

Font: ReportLab's built-in CID font STSong-Light (``UnicodeCIDFont``), one of the Adobe
Asian font packs every PDF reader carries, so the project ships no font file and needs no
system package; the QR is drawn as vector squares from segno's matrix."""

from __future__ import annotations

import io
from typing import Any

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=22, leading=30, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13, textColor=colors.grey)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13)
HEAD = ParagraphStyle("head", parent=BODY, fontSize=13, leading=20, spaceBefore=6)


class QrFlowable(Flowable):
    """A QR code of ``payload`` (level M, 4-module quiet zone), ``size`` wide."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.qr = segno.make_qr(payload, error="m", boost_error=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        rows = list(self.qr.matrix_iter(scale=1, border=4))
        module = self.size / len(rows)
        c = self.canv
        c.setFillColor(colors.black)
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    c.rect(x * module, self.size - (y + 1) * module, module, module, 0, 1)


def _p(text: Any, style: ParagraphStyle = CELL) -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)), style)


def _hours_table(rows: list[dict[str, Any]], total_label: str, total: str) -> Table:
    data = [[_p("活动名称"), _p("发布组织"), _p("服务日期"), _p("天数"), _p("时长（小时）")]]
    for r in rows:
        dates = (
            r["first_date"]
            if r["first_date"] == r["last_date"]
            else (f"{r['first_date']} 至 {r['last_date']}")
        )
        data.append([_p(r["name"]), _p(r["organisation"]), _p(dates), _p(r["days"]),
                     _p(r["hours"])])  # fmt: skip
    data.append([_p(total_label), "", "", "", _p(total)])
    table = Table(data, colWidths=[52 * mm, 40 * mm, 42 * mm, 12 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3efe2")),
                ("SPAN", (0, -1), (3, -1)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render_certificate_pdf(content: dict[str, Any], *, qr_payload: str) -> bytes:
    """The certificate as PDF bytes (A4, zh-hans)."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"志愿服务证明 {content['number']}",
        author=content["issuer"],
        subject="志愿服务证明",
        creator="注册志愿者证服务",
    )
    stars = content["star_level"]
    facts = [
        ("姓名", content["name"]),
        ("证件类型", content["id_type"]),
        ("证件号码", content["id_number_masked"]),
        ("志愿者编号", content["volunteer_no"]),
        ("证明范围", content["scope_label"]),
        ("服务组织", "、".join(content["organisations"]) or "—"),
        ("志愿服务时长", f"{content['service_hours']} 小时"),
        ("培训时长", f"{content['training_hours']} 小时（单独列出，不计入志愿服务时长）"),
        ("星级", f"{'★' * stars}（{stars}星）" if stars else "暂无星级"),
        ("证明编号", content["number"]),
        ("出具日期", content["issued_on"]),
    ]
    facts_table = Table(
        [[_p(k, BODY), _p(v, BODY)] for k, v in facts], colWidths=[32 * mm, 100 * mm]
    )
    facts_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    qr = QrFlowable(qr_payload, 42 * mm)
    top = Table([[facts_table, [qr, _p("扫码核验真伪", SMALL)]]], colWidths=[134 * mm, 44 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    story: list[Flowable] = [
        _p("志愿服务证明", TITLE),
        Spacer(1, 4 * mm),
        _p(content["statement"], BODY),
        Spacer(1, 4 * mm),
        top,
        _p("志愿服务时长明细", HEAD),
        _hours_table(content["activities"], "志愿服务时长合计", content["service_hours"]),
    ]
    if content["training"]:
        story += [
            _p("培训时长明细（不计入志愿服务时长）", HEAD),
            _hours_table(content["training"], "培训时长合计", content["training_hours"]),
        ]
    story += [
        Spacer(1, 8 * mm),
        _p(f"{content['issuer']}　{content['issued_on_cn']}", BODY),
        Spacer(1, 3 * mm),
        _p(
            "本证明由系统生成，扫描二维码或访问证明核验页面可核对内容；"
            "证明被撤销后核验页面将显示“已撤销”。",
            SMALL,
        ),
    ]
    doc.build(story)
    return buf.getvalue()
