"""Shared models: the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit_actions import AuditAction


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the audit log is append-only")

    def delete(self):
        raise TypeError("the audit log is append-only")


class AuditLog(models.Model):
    """Who did what to whom, when and why. Rows are only ever added."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作来源"), max_length=64, blank=True)
    action = models.CharField(_("动作"), max_length=64, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the audit log is append-only")


class Notification(models.Model):
    """An in-site message; SMS and WeChat backends send and also keep a copy here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("用户"),
    )
    channel = models.CharField(max_length=16, default="site", verbose_name=_("渠道"))
    text = models.TextField(verbose_name=_("内容"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("阅读时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")

    def __str__(self) -> str:
        return self.text[:30]


class WorkCalendarYear(models.Model):
    """One year of the State Council's holiday notice (国务院办公厅关于某年部分节假日安排的通知).

    A year is *loaded* when its row exists: working-day arithmetic then follows its days
    (放假 and 调休上班) on top of Monday–Friday. Seeded from ``chinesecalendar``; operations
    enter each new year in the admin when the notice is published (usually in November)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    notice = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=_("国务院办公厅通知的标题或文号，例如：国办发明电〔2026〕X号"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日安排（年度）")
        verbose_name_plural = _("节假日安排（年度）")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class WorkCalendarDay(models.Model):
    """A day the notice changes: a holiday (放假, no work even on a weekday) or a make-up
    working day (调休上班, a Saturday or Sunday worked)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    calendar = models.ForeignKey(
        WorkCalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("年度")
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=32, blank=True, help_text=_("例如：春节"))

    class Meta:
        verbose_name = _("放假或调休日")
        verbose_name_plural = _("放假或调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".rstrip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        try:
            # In the admin's add form the year is not saved yet, but the inline has it.
            year = self.calendar.year
        except WorkCalendarYear.DoesNotExist:
            year = None
        # A notice may move a working day into the last days of the year before (the 2012
        # notice: 2011-12-31 上班), so December of the year before is accepted too.
        if (
            year
            and self.date
            and not (
                self.date.year == year or (self.date.year == year - 1 and self.date.month == 12)
            )
        ):
            errors["date"] = _("日期应在%(year)s年内（或上一年12月）。") % {"year": year}
        if self.date and self.kind == self.Kind.WORKDAY and self.date.weekday() < 5:
            errors["kind"] = _("调休上班日应为周六或周日；周一至周五本来就是工作日。")
        if errors:
            raise ValidationError(errors)
