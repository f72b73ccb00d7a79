"""The registry of every file in and out, the batches, the applied bank events and the
alerts. The registry is the source of truth that makes every exchange step safe to repeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bank_adapters import codecs

# The partners' codes and Chinese names, from their codec packages.
Partner = models.TextChoices(
    "Partner", [(p.code, (p.code, p.name)) for p in codecs.PARTNERS.values()]
)


class PartnerFile(models.Model):
    """One file on the wire, in either direction, with what happened to it."""

    class Direction(models.TextChoices):
        OUT = "out", _("发出")
        IN = "in", _("收到")

    class State(models.TextChoices):
        PREPARED = "prepared", _("已生成，待上传")  # out: sealed and stored, not yet uploaded
        DELIVERED = "delivered", _("已送达")  # out: on the partner's server, verified
        RECEIVED = "received", _("已下载，待处理")  # in: stored locally
        APPLIED = "applied", _("已处理")  # in: every record applied
        # in: opened and verified, but broke the format (spec section 3): nothing applied
        REFUSED = "refused", _("已拒收（格式不符）")
        # in: the envelope failed (forged or damaged: spec section 2), or a known name came
        # with new bytes (section 1); never opened further, nothing applied
        QUARANTINED = "quarantined", _("已隔离（未通过校验）")

    # Why an inbound file was quarantined or refused (``error_code``), beside the message.
    NAME_REUSED = "name_reused"

    partner = models.CharField(_("合作方"), max_length=4, choices=Partner.choices)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    name = models.CharField(_("文件名"), max_length=80)
    file_type = models.CharField(_("文件类型"), max_length=8)
    business_date = models.DateField(_("业务日期"))
    seq = models.PositiveSmallIntegerField(_("序号"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 摘要"))
    size = models.BigIntegerField(_("大小（字节）"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices)
    record_count = models.IntegerField(_("记录数"), null=True, blank=True)
    stored_path = models.CharField(max_length=255, blank=True, verbose_name=_("存储路径"))
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    # The stable code of the refusal (``envelope_*``, ``bank_file_invalid``, ...), or
    # ``name_reused`` for a known name with new bytes.
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True)
    # Set when the bytes were deleted (a full card number in them): the row keeps the name,
    # size and SHA-256; the partner keeps its original in ``from_partner/done/``.
    content_dropped_at = models.DateTimeField(_("内容删除时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    applied_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交换文件")
        verbose_name_plural = _("交换文件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "direction", "name", "sha256"], name="uniq_file_bytes"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "direction", "state"]),
            models.Index(fields=["partner", "direction", "name"]),
        ]

    def __str__(self) -> str:
        return self.name


class SeqCounter(models.Model):
    """The last SEQ used per partner, type and date (spec section 1)."""

    partner = models.CharField(max_length=4)
    file_type = models.CharField(max_length=8)
    business_date = models.DateField()
    last_seq = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("文件序号")
        verbose_name_plural = _("文件序号")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "file_type", "business_date"], name="uniq_seq_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.file_type} {self.business_date} #{self.last_seq}"


class Batch(models.Model):
    """The applications (or service records, or uniform orders) claimed into one file."""

    partner = models.CharField(_("合作方"), max_length=4, choices=Partner.choices)
    file_type = models.CharField(_("文件类型"), max_length=8)
    business_date = models.DateField(_("业务日期"))
    seq = models.PositiveSmallIntegerField(_("序号"))
    record_count = models.IntegerField(_("记录数"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    data_file = models.ForeignKey(
        PartnerFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("数据文件"),
    )
    photo_file = models.ForeignKey(
        PartnerFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("照片包"),
    )

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "file_type", "business_date", "seq"], name="uniq_batch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner}_{self.file_type}_{self.business_date:%Y%m%d}_{self.seq:04d}"


class AppliedBankEvent(models.Model):
    """Each bank event id is applied once, ever, whichever file carries it again."""

    partner = models.CharField(max_length=4, verbose_name=_("合作方"))
    event_id = models.CharField(max_length=24, verbose_name=_("事件编号"))
    file = models.ForeignKey(
        PartnerFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("文件")
    )
    applied_at = models.DateTimeField(auto_now_add=True, verbose_name=_("处理时间"))

    class Meta:
        verbose_name = _("已处理的银行事件")
        verbose_name_plural = _("已处理的银行事件")
        constraints = [
            models.UniqueConstraint(fields=["partner", "event_id"], name="uniq_bank_event")
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.event_id}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        FILE_REFUSED = "file_refused", _("文件被拒收（格式不符）")
        ENVELOPE_FAILED = "envelope_failed", _("文件签名或加密校验失败")
        QUARANTINED = "quarantined", _("同名文件内容不同，已隔离")
        HOST_KEY = "host_key", _("主机密钥不符")
        DELIVERY_FAILED = "delivery_failed", _("多次发送失败")
        RECEIVE_FAILED = "receive_failed", _("多次接收失败")
        FULL_PAN = "full_pan", _("收到完整卡号")
        UNKNOWN_RECORD = "unknown_record", _("文件引用未知记录")
        MISMATCH = "mismatch", _("数据不一致")
        CALENDAR_MISSING = "calendar_missing", _("节假日安排未录入")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    partner = models.CharField(_("合作方"), max_length=4, blank=True)
    message = models.TextField(_("说明"))
    file = models.ForeignKey(
        PartnerFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        verbose_name=_("文件"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = _("告警")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.partner}"

    @property
    def partner_name(self) -> str:
        """The partner's Chinese name (中国银行 …), or the code of one we do not know."""
        return str(dict(Partner.choices).get(self.partner, self.partner))


class ExchangeProgress(models.Model):
    """The latest send or receive run of a partner, as it goes: the operations page polls it
    (``/staff/ops/progress.json``) to show a running exchange without reloading. One row per
    partner and direction, overwritten by the next run."""

    class State(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    partner = models.CharField(_("合作方"), max_length=4, choices=Partner.choices)
    direction = models.CharField(_("方向"), max_length=3, choices=PartnerFile.Direction.choices)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices)
    files_done = models.PositiveIntegerField(_("已完成文件数"), default=0)
    files_total = models.PositiveIntegerField(_("文件总数"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交换进度")
        verbose_name_plural = _("交换进度")
        constraints = [
            models.UniqueConstraint(fields=["partner", "direction"], name="uniq_progress_run")
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.direction} {self.state}"
