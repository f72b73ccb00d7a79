"""Demo data for the help centre: one small insurance-terms PDF per bank (drawn with ReportLab
from the insurers' directory, marked as a demo), published as operations would upload it.
The questions themselves come from the data migration. Running it twice changes nothing."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from card_service.models import Bank
from certificates.pdf import BODY, HEAD, SMALL, TITLE
from helpcentre import services
from helpcentre.models import Download
from insurance.directory import BENEFITS, BENEFITS_NOTE, insurer_for_bank


def terms_pdf(bank: Bank) -> bytes:
    """A one-page demo of the bank's insurance terms: insurer, cover, rules, how to claim."""
    insurer = insurer_for_bank(bank.code)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{bank.name}注册志愿者证志愿服务保险条款（演示）",
    )

    def p(text: str, style=BODY) -> Paragraph:
        return Paragraph(escape(text), style)

    story = [
        p(f"{bank.name}注册志愿者证", TITLE),
        p("志愿服务意外保险条款（演示文件）", HEAD),
        Spacer(1, 4 * mm),
        p(f"承保保险公司：{insurer.name if insurer else '—'}"),
        p("一、保障内容"),
        *[p(f"{item}：{amount}") for item, amount in BENEFITS],
        p(BENEFITS_NOTE),
        p("二、投保条件"),
        p(
            "制证银行为首次办理注册志愿者证并激活金融功能的志愿者购买自激活之日起一年的基本"
            "保险；此后上一年度参加志愿服务活动 1 次（含）以上或使用志愿者证消费 1 次（含）"
            "以上的，继续购买下一年度的基本保险。"
        ),
    ]
    if insurer is not None:
        story += [
            p(f"三、报案与理赔（报案电话 {insurer.report_phone}）"),
            *[p(f"{i}. {step}") for i, step in enumerate(insurer.claim_steps, start=1)],
            p(f"理赔材料寄送：{insurer.mailing_address}"),
        ]
    story += [
        Spacer(1, 6 * mm),
        p("本文件为演示数据，正式条款以保险公司发布并由运营人员上传的文件为准。", SMALL),
    ]
    doc.build(story)
    return out.getvalue()


def seed() -> str:
    made = 0
    for position, bank in enumerate(Bank.objects.filter(enabled=True).order_by("code"), 1):
        slug = f"insurance-terms-{bank.code.lower()}"
        if Download.objects.filter(slug=slug).exists():
            continue
        download = Download(
            slug=slug,
            title=f"{bank.name}注册志愿者证志愿服务保险条款",
            kind=Download.Kind.INSURANCE_TERMS,
            bank=bank,
            description="演示文件：保障内容、投保条件和理赔方法",
            position=position * 10,
        )
        download.file.save(f"{slug}.pdf", ContentFile(terms_pdf(bank)), save=False)
        services.help_content_save(
            actor=None, obj=download, changed=["title", "kind", "bank", "file"]
        )
        made += 1
    return f"{made} insurance-terms PDFs"
