"""The help centre (帮助中心, manual chapter 4 六): questions and answers in categories, and
the documents operations publish for download (the banks' insurance terms first of all).
Operations edit all of it in the Django admin; ``helpcentre.services`` audits every edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpcentre.files import download_name, validate_download_file
from helpcentre.markup import FORMAT_HELP

SLUG_HELP = _(
    "网址中的标识：小写英文字母、数字和连字符（如 card-apply）。发布后请勿修改，以免旧链接失效"
)


class Category(models.Model):
    slug = models.SlugField(_("网址标识"), max_length=60, unique=True, help_text=SLUG_HELP)
    name = models.CharField(_("名称"), max_length=40)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(
        _("排序"), default=100, help_text=_("数字小的排在前面")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("帮助分类")
        verbose_name_plural = _("帮助分类")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("help-category", args=[self.slug])


class Question(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="questions", verbose_name=_("分类")
    )
    slug = models.SlugField(_("网址标识"), max_length=80, unique=True, help_text=SLUG_HELP)
    title = models.CharField(_("问题"), max_length=120)
    body = models.TextField(_("解答"), max_length=10_000, help_text=FORMAT_HELP)
    keywords = models.CharField(
        _("搜索关键词"),
        max_length=200,
        blank=True,
        help_text=_("用空格分隔的其他说法（如“实名认证 校验失败”），帮助搜索找到本问题"),
    )
    position = models.PositiveSmallIntegerField(
        _("排序"), default=100, help_text=_("同一分类内数字小的排在前面")
    )
    published = models.BooleanField(_("已发布"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["category__position", "category_id", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("help-question", args=[self.slug])


class Download(models.Model):
    class Kind(models.TextChoices):
        INSURANCE_TERMS = "insurance_terms", _("保险条款")
        FORM = "form", _("表格")
        GUIDE = "guide", _("操作指南")
        OTHER = "other", _("其他资料")

    slug = models.SlugField(_("网址标识"), max_length=60, unique=True, help_text=SLUG_HELP)
    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    bank = models.ForeignKey(
        "card_service.Bank",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发卡银行"),
        help_text=_("保险条款须选择对应的发卡银行"),
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    file = models.FileField(
        _("文件"),
        upload_to="helpcentre/%Y/",
        max_length=200,
        validators=[validate_download_file],
        help_text=_("PDF、Word 或 Excel 文件"),
    )
    filename = models.CharField(
        _("下载文件名"),
        max_length=130,
        blank=True,
        help_text=_("下载时保存的文件名；留空则为名称加扩展名"),
        validators=[
            RegexValidator(r'^[^/\\\x00-\x1f"]*$', _("文件名不能包含 /、\\、引号或控制字符"))
        ],
    )
    content_type = models.CharField(_("文件类型"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(
        _("排序"), default=100, help_text=_("数字小的排在前面")
    )
    published = models.BooleanField(_("已发布"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("下载资料")
        verbose_name_plural = _("下载资料")
        ordering = ["position", "bank_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="insurance_terms") | Q(bank__isnull=False),
                name="help_download_terms_have_bank",
                violation_error_message=_("保险条款须选择对应的发卡银行"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("help-download-file", args=[self.slug])

    def clean(self) -> None:
        # The admin form shows what the saved name will be too long, before anything is stored.
        if self.file:
            name = download_name(self.filename, self.title, self.file.name)
            limit = self._meta.get_field("filename").max_length
            if len(name) > limit:
                raise ValidationError(
                    {"filename": _("下载文件名过长：最多 %(n)d 个字符（含扩展名）") % {"n": limit}}
                )
