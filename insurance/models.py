"""Accident-insurance policies the banks report (POLICY files)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Policy(models.Model):
    """One POLICY record as the bank sent it; a later record for the same policy number
    replaces the status and dates (a cancellation, a correction)."""

    class Status(models.TextChoices):
        IN_FORCE = "I", _("有效")
        CANCELLED = "C", _("已撤销")

    bank = models.ForeignKey(
        "card_service.Bank", on_delete=models.PROTECT, related_name="+", verbose_name=_("银行")
    )
    application = models.ForeignKey(
        "card_service.CardApplication",
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("申请"),
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("志愿者"),
    )
    policy_no = models.CharField(_("保单号"), max_length=30)
    insurer = models.CharField(_("保险公司"), max_length=8)
    coverage_start = models.DateField(_("保障起期"))
    coverage_end = models.DateField(_("保障止期"))
    status = models.CharField(_("状态"), max_length=1, choices=Status.choices)
    source_file = models.CharField(_("来源文件"), max_length=80)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("更新时间"))

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["volunteer", "coverage_start"]
        constraints = [models.UniqueConstraint(fields=["bank", "policy_no"], name="uniq_policy_no")]
        indexes = [models.Index(fields=["volunteer", "coverage_start", "coverage_end"])]

    def __str__(self) -> str:
        return self.policy_no


class CoverageYear(models.Model):
    """One coverage year of one volunteer as the rules decide it (``insurance.coverage``).

    A derived table: the nightly job rebuilds it whole from cards, hours and purchases, so it
    carries no foreign-key constraints (they would only slow the rebuild)."""

    class Reason(models.TextChoices):
        ACTIVATION = "activation", _("首张志愿者证激活")  # year 0
        SERVICE = "service", _("上一保障年度参加志愿服务活动")
        PURCHASE = "purchase", _("上一保障年度持卡消费")
        NO_ACTIVITY = "no_activity", _("上一保障年度既未参加志愿服务活动也未持卡消费")
        NO_CARD = "no_card", _("上一保障年度结束时未持有志愿者证")

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="coverage_years",
        verbose_name=_("志愿者"),
    )
    year_index = models.PositiveSmallIntegerField(_("保障年度序号"), help_text=_("0 为首个年度"))
    starts_on = models.DateField(_("保障起期"))
    ends_on = models.DateField(_("保障止期"))
    covered = models.BooleanField(_("应投保"))
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    # The activation date (year 0) or the first service day / purchase day of the year before.
    qualifying_date = models.DateField(_("依据日期"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("保障年度")
        verbose_name_plural = _("保障年度")
        ordering = ["volunteer", "year_index"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "year_index"], name="uniq_coverage_year")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} 第{self.year_index + 1}保障年度"
