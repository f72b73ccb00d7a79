"""Banks, branches, card applications and the card's lifecycle.

A ``CardApplication`` is one card's whole journey: the application, the bank's decision and
the card it becomes (card reference and masked number once accepted). Its ``status`` moves
only through ``card_service.lifecycle.transition``; every move is a ``CardEvent`` row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.masking import mask_address


class Bank(models.Model):
    code = models.CharField(_("代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=40)
    short_name = models.CharField(_("简称"), max_length=10)
    offers_debit = models.BooleanField(_("借记卡"), default=True)
    offers_credit = models.BooleanField(_("信用卡"), default=True)
    accepts_non_mainland_ids = models.BooleanField(
        _("受理港澳台及外籍证件"), default=False, help_text=_("证件类型 02–05 只能办理该行借记卡")
    )
    # No cut-off here: it is the partner's, in the partners file the sender reads
    # (bank_adapters.selectors.partner_cutoff), so pages and the sender cannot disagree.
    hotline = models.CharField(_("客服热线"), max_length=20)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("发卡银行")
        verbose_name_plural = _("发卡银行")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, related_name="branches", verbose_name=_("银行")
    )
    code = models.CharField(_("网点代码"), max_length=10)
    name = models.CharField(_("网点名称"), max_length=60)
    city_code = models.CharField(_("地市代码"), max_length=6, db_index=True)
    address = models.CharField(_("地址"), max_length=120)
    active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        verbose_name = _("发卡网点")
        verbose_name_plural = _("发卡网点")
        ordering = ["bank", "city_code", "code"]
        constraints = [models.UniqueConstraint(fields=["bank", "code"], name="uniq_branch_code")]

    def __str__(self) -> str:
        return f"{self.bank.short_name} {self.name}"


class CardStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，等待实名核验")
    QUEUED = "queued", _("等待报送银行")
    SENT = "sent", _("已报送银行")
    ACCEPTED = "accepted", _("银行已受理，制卡中")
    REJECTED = "rejected", _("银行未受理")
    PRODUCED = "produced", _("卡片已制成")
    AT_BRANCH = "at_branch", _("已到网点，待领取")
    MAILED = "mailed", _("已寄出")
    COLLECTED = "collected", _("已领卡")
    ACTIVATED = "activated", _("已激活")
    CANCELLED = "cancelled", _("已注销")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    CardStatus.SUBMITTED,
    CardStatus.QUEUED,
    CardStatus.SENT,
    CardStatus.ACCEPTED,
    CardStatus.PRODUCED,
    CardStatus.AT_BRANCH,
    CardStatus.MAILED,
    CardStatus.COLLECTED,
    CardStatus.ACTIVATED,
)


class CardApplication(models.Model):
    class ApplyType(models.TextChoices):
        NEW = "N", _("新办")
        REPLACEMENT = "R", _("换卡")

    class Product(models.TextChoices):
        DEBIT = "D", _("借记卡")
        CREDIT = "C", _("信用卡")

    class Delivery(models.TextChoices):
        BRANCH = "B", _("网点领取")
        MAIL = "M", _("邮寄")

    class UniformSize(models.TextChoices):
        S = "S", "S"
        M = "M", "M"
        L = "L", "L"
        XL = "XL", "XL"
        XXL = "XXL", "XXL"
        XXXL = "XXXL", "XXXL"

    class GuardianRelation(models.TextChoices):
        FATHER = "01", _("父亲")
        MOTHER = "02", _("母亲")
        OTHER = "03", _("其他法定监护人")

    class FeePayer(models.TextChoices):
        PROGRAMME = "programme", _("免费（首张卡）")
        VOLUNTEER = "volunteer", _("志愿者自付工本费")

    # Unique through Meta.constraints: a unique=True CharField also gets a LIKE-pattern index
    # on PostgreSQL, which no query uses and every batch UPDATE would maintain.
    application_no = models.CharField(_("申请编号"), max_length=20)
    # No single-column indexes on these two: (volunteer, status), (volunteer, card_serial)
    # and (bank, status) lead with them already, and every index costs the batch UPDATE.
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="card_applications",
        db_index=False,
        verbose_name=_("志愿者"),
    )
    card_serial = models.PositiveSmallIntegerField(_("卡序号"))
    apply_type = models.CharField(_("申请类型"), max_length=1, choices=ApplyType.choices)
    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,
        verbose_name=_("银行"),
    )
    product = models.CharField(_("卡种"), max_length=1, choices=Product.choices)
    delivery = models.CharField(_("领卡方式"), max_length=1, choices=Delivery.choices)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("网点"),
    )
    mail_address = EncryptedTextField(_("邮寄地址"), blank=True, default="")
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    uniform_size = models.CharField(_("服装尺码"), max_length=4, choices=UniformSize.choices)
    photo = models.FileField(_("证件照"), upload_to="card_photos/")
    photo_sha256 = models.CharField(max_length=64, verbose_name=_("照片摘要"))
    guardian_name = models.CharField(_("监护人姓名"), max_length=40, blank=True)
    guardian_id_type = models.CharField(_("监护人证件类型"), max_length=2, blank=True)
    guardian_id_number = EncryptedTextField(_("监护人证件号码"), blank=True, default="")
    guardian_relation = models.CharField(
        _("与申请人关系"), max_length=2, choices=GuardianRelation.choices, blank=True
    )
    fee_payer = models.CharField(
        _("工本费"), max_length=10, choices=FeePayer.choices, default=FeePayer.PROGRAMME
    )
    # The APPLY record exactly as checked at submission (JSON, encrypted: it holds the ID).
    apply_record = EncryptedTextField(_("申请记录"), editable=False)
    qr_payload = models.CharField(_("二维码内容"), max_length=64)
    applied_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(
        _("状态"), max_length=12, choices=CardStatus.choices, default=CardStatus.SUBMITTED
    )
    status_changed_at = models.DateTimeField(_("状态时间"))
    batch = models.ForeignKey(
        "bank_adapters.Batch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("批次"),
    )
    reason_code = models.CharField(_("未受理原因代码"), max_length=4, blank=True)
    reason_text = models.CharField(_("未受理原因"), max_length=60, blank=True)
    card_ref = models.CharField(_("银行卡片参考号"), max_length=32, null=True, blank=True)
    masked_pan = models.CharField(_("卡号（掩码）"), max_length=19, blank=True)
    expected_ready_date = models.DateField(_("预计制成日期"), null=True, blank=True)
    tracking_no = models.CharField(_("快递单号"), max_length=40, blank=True)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    first_spend_at = models.DateTimeField(_("首次消费时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("注销原因"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("志愿者证申请")
        verbose_name_plural = _("志愿者证申请")
        ordering = ["-applied_at", "-id"]
        constraints = [
            # One active card or open application per volunteer, enforced by the database too.
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="one_open_card_per_volunteer",
            ),
            models.UniqueConstraint(fields=["application_no"], name="uniq_application_no"),
            models.UniqueConstraint(fields=["bank", "card_ref"], name="uniq_card_ref_per_bank"),
            models.UniqueConstraint(fields=["volunteer", "card_serial"], name="uniq_card_serial"),
        ]
        indexes = [
            models.Index(fields=["bank", "status"]),
            models.Index(fields=["volunteer", "status"]),
            # The hotline's look-up by card reference alone (the bank not known): the
            # unique (bank, card_ref) index cannot be searched by its second column.
            models.Index(
                fields=["card_ref"], condition=Q(card_ref__isnull=False), name="card_ref_lookup"
            ),
        ]

    def __str__(self) -> str:
        return self.application_no

    @property
    def mail_address_masked(self) -> str:
        return mask_address(self.mail_address)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CardEvent(models.Model):
    """One row per move of a card, or per fact about it (first purchase), with its source."""

    class Source(models.TextChoices):
        VOLUNTEER = "volunteer", _("志愿者")
        ADMIN = "admin", _("管理员")
        BANK_FILE = "bank_file", _("银行文件")
        SYSTEM = "system", _("系统")

    application = models.ForeignKey(
        CardApplication,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("申请"),
    )
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("原状态"))
    to_status = models.CharField(max_length=12, verbose_name=_("新状态"))
    fact = models.CharField(max_length=16, blank=True, verbose_name=_("事实"))
    at = models.DateTimeField(_("发生时间"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices, verbose_name=_("来源"))
    source_ref = models.CharField(_("来源"), max_length=80, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("操作人"),
    )
    note = models.CharField(max_length=120, blank=True, verbose_name=_("备注"))

    class Meta:
        verbose_name = _("志愿者证进度")
        verbose_name_plural = _("志愿者证进度")
        ordering = ["at", "id"]
        # Most events are the system's or a bank file's: only the people's are indexed, so a
        # batch of 33,000 moves does not add 33,000 NULLs to an index.
        indexes = [
            models.Index(fields=["actor"], name="cardevent_actor", condition=Q(actor__isnull=False))
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status}→{self.to_status}{self.fact}"


class DayRangeIndex(models.Index):
    """A BRIN index on PostgreSQL (a few pages for a table that grows by a day's file at a
    time, nothing to maintain per row), a plain index elsewhere (SQLite in development)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            using = " USING brin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class CardSpendQuerySet(models.QuerySet):
    def purchases(self) -> CardSpendQuerySet:
        """The rows that count purchases: SPENDS only. A FIRST_SPEND is always also counted
        in its day's SPENDS (bank-interface.md 4.3); its row only marks the event applied
        and dates the first purchase, so counting it too would count that purchase twice."""
        return self.filter(event_type="SPENDS")


class CardSpend(models.Model):
    """Spending events reported by a bank for one card: a SPENDS event (the day's purchases,
    the first one included) or a FIRST_SPEND (stored with count 1 as the mark that the event
    was applied, never counted again). Each bank event id appears once; the donations report
    and the insurance purchase rule read :meth:`CardSpendQuerySet.purchases` only.

    A bank file brings up to a million rows, appended set-wise, so the table keeps only the
    indexes something reads: the unique (bank, event id) that makes an event count once, the
    card's purchases (insurance coverage) and a BRIN on the day (the donations report's
    date range). The references are not checked by the database row by row: the rows are
    made from the card looked up in the same transaction, and neither cards nor banks are
    ever deleted (PROTECT still guards the ORM); two deferred checks per row cost as much as
    the insert itself."""

    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("银行"),
    )
    application = models.ForeignKey(
        CardApplication,
        on_delete=models.PROTECT,
        related_name="spends",
        db_constraint=False,
        verbose_name=_("申请"),
    )
    event_id = models.CharField(max_length=24, verbose_name=_("事件编号"))
    event_type = models.CharField(max_length=12, verbose_name=_("事件类型"))
    day = models.DateField(verbose_name=_("消费日期"))
    count = models.PositiveIntegerField(verbose_name=_("笔数"))
    city_code = models.CharField(max_length=6, verbose_name=_("地市代码"))

    objects = CardSpendQuerySet.as_manager()

    class Meta:
        verbose_name = _("持卡消费")
        verbose_name_plural = _("持卡消费")
        constraints = [
            models.UniqueConstraint(fields=["bank", "event_id"], name="uniq_spend_event")
        ]
        indexes = [DayRangeIndex(fields=["day"], name="cardspend_day_brin")]

    def __str__(self) -> str:
        return f"{self.bank_id} {self.day} ×{self.count}"
