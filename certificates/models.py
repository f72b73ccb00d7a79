"""Service certificates (志愿服务证明): what a volunteer asked for, the frozen content the PDF
and the public page show, the rendered PDF and its status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from volunteers.models import Organisation, Volunteer


class Certificate(models.Model):
    """One certificate. ``content`` is frozen when it is rendered; ``content_digest`` (SHA-256
    of its canonical JSON) is what the signed QR carries."""

    class Scope(models.TextChoices):
        ALL = "all", _("全部服务")
        PERIOD = "period", _("时间段")
        ACTIVITY = "activity", _("单个活动")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")  # asked for; the task has not started
        RENDERING = "rendering", _("生成中")  # the task is computing hours and drawing the PDF
        READY = "ready", _("已生成")  # the PDF can be downloaded and the QR verifies
        FAILED = "failed", _("生成失败")  # the task gave up; the volunteer may ask again
        REVOKED = "revoked", _("已撤销")  # an organisation admin withdrew it; the QR says so

    # The whole state machine: from → allowed targets.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING: frozenset({Status.RENDERING, Status.FAILED}),
        Status.RENDERING: frozenset({Status.READY, Status.FAILED}),
        Status.READY: frozenset({Status.REVOKED}),
        Status.FAILED: frozenset(),
        Status.REVOKED: frozenset(),
    }

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("志愿者")
    )
    scope = models.CharField(_("证明范围"), max_length=10, choices=Scope.choices)
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("活动"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.CharField(_("失败原因"), max_length=200, blank=True)
    number = models.CharField(_("证明编号"), max_length=20, unique=True, null=True, blank=True)
    issued_on = models.DateField(_("出具日期"), null=True, blank=True)
    content = models.JSONField(_("证明内容"), null=True, blank=True)
    content_digest = models.CharField(_("内容摘要 (SHA-256)"), max_length=64, blank=True)
    key_id = models.CharField(_("签名密钥编号"), max_length=1, blank=True)
    token = models.CharField(_("二维码令牌"), max_length=128, blank=True, db_index=True)
    pdf = models.BinaryField(_("PDF 文件"), null=True, blank=True)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("证明所列组织")
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["volunteer", "-requested_at"], name="cert_volunteer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="period")
                | Q(period_start__isnull=False, period_end__isnull=False),
                name="cert_period_has_dates",
            ),
            models.CheckConstraint(
                condition=~Q(scope="activity") | Q(activity__isnull=False),
                name="cert_activity_scope_has_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk} ({self.status})"
