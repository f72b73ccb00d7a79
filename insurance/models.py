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

    bank = models.ForeignKey("card_service.Bank", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        "card_service.CardApplication", on_delete=models.PROTECT, related_name="policies"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="policies"
    )
    policy_no = models.CharField(_("保单号"), max_length=30)
    insurer = models.CharField(_("保险公司"), max_length=8)
    coverage_start = models.DateField(_("保障起期"))
    coverage_end = models.DateField(_("保障止期"))
    status = models.CharField(_("状态"), max_length=1, choices=Status.choices)
    source_file = models.CharField(_("来源文件"), max_length=80)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["volunteer", "coverage_start"]
        constraints = [models.UniqueConstraint(fields=["bank", "policy_no"], name="uniq_policy_no")]
        indexes = [models.Index(fields=["volunteer", "coverage_start", "coverage_end"])]

    def __str__(self) -> str:
        return self.policy_no
