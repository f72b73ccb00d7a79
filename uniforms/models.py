"""The free named uniform (实名服装): one per volunteer, ever, ordered from the maker (UNF)
after the volunteer's first purchase with a card.

``UniformOrder`` is the volunteer's uniform and its state machine (``uniforms.lifecycle``).
Each time it goes to the maker in an ORDER file it gets a new ``UniformOrderLine`` with its
own ``order_no``: a uniform returned for a bad address goes out again under a new order
number, so the maker never sees one order number with two addresses, and a late STATUS for
the returned line cannot move the new shipment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.masking import mask_address, mask_mobile


class UniformStatus(models.TextChoices):
    ADDRESS_NEEDED = "address_needed", _("等待填写邮寄地址")  # no address known: volunteer asked
    ORDERED = "ordered", _("已下单，等待发送给服装厂商")  # waits for the next ORDER file
    SENT = "sent", _("已发送给服装厂商")  # in an ORDER file
    PRODUCING = "producing", _("制作中")  # maker's STATUS PRODUCING
    SHIPPED = "shipped", _("已寄出")  # maker's STATUS SHIPPED, with a tracking number
    DELIVERED = "delivered", _("已签收")  # maker's STATUS DELIVERED: done
    RETURNED = "returned", _("地址无法投递，已退回")  # volunteer asked for a new address


# Until the order is in a file the volunteer may still change the address and the size.
EDITABLE_STATUSES = (UniformStatus.ADDRESS_NEEDED, UniformStatus.ORDERED, UniformStatus.RETURNED)


class UniformSize(models.TextChoices):
    S = "S", "S"
    M = "M", "M"
    L = "L", "L"
    XL = "XL", "XL"
    XXL = "XXL", "XXL"
    XXXL = "XXXL", "XXXL"


class UniformOrder(models.Model):
    volunteer = models.OneToOneField(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="uniform_order",
        verbose_name=_("志愿者"),
    )
    application = models.ForeignKey(
        "card_service.CardApplication",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("首次消费的志愿者证"),
    )
    first_spend_at = models.DateTimeField(_("首次消费时间"))
    size = models.CharField(_("尺码"), max_length=4, choices=UniformSize.choices)
    mail_address = EncryptedTextField(_("邮寄地址"), blank=True, default="")
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    mobile = EncryptedTextField(_("联系电话"))
    status = models.CharField(
        _("状态"), max_length=16, choices=UniformStatus.choices, default=UniformStatus.ORDERED
    )
    status_changed_at = models.DateTimeField(_("状态时间"))
    tracking_no = models.CharField(_("快递单号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("实名服装订单")
        verbose_name_plural = _("实名服装订单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.status}"

    @property
    def mail_address_masked(self) -> str:
        return mask_address(self.mail_address)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class UniformOrderLine(models.Model):
    """One ORDER record sent to the maker for an order; STATUS records name its order_no."""

    order = models.ForeignKey(UniformOrder, on_delete=models.CASCADE, related_name="lines")
    order_no = models.CharField(_("订单号"), max_length=20, unique=True)
    attempt = models.PositiveSmallIntegerField(_("第几次寄送"))
    batch = models.ForeignKey(
        "bank_adapters.Batch", on_delete=models.PROTECT, related_name="uniform_lines"
    )
    # The maker's last status for this line (UNF code), blank until the first STATUS.
    maker_status = models.CharField(_("厂商状态"), max_length=9, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服装订单行")
        verbose_name_plural = _("服装订单行")
        ordering = ["order", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["order", "attempt"], name="uniq_uniform_attempt")
        ]

    def __str__(self) -> str:
        return self.order_no


class UniformEvent(models.Model):
    """One row per move of an order, with its time and source."""

    class Source(models.TextChoices):
        VOLUNTEER = "volunteer", _("志愿者")
        MAKER_FILE = "maker_file", _("厂商文件")
        SYSTEM = "system", _("系统")

    order = models.ForeignKey(UniformOrder, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(_("发生时间"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_ref = models.CharField(_("来源"), max_length=80, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("服装进度")
        verbose_name_plural = _("服装进度")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status}→{self.to_status}"
