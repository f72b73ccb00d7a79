"""Volunteers, their real-name identity, organisations (a tree) and memberships."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.masking import mask_address, mask_id_number, mask_mobile, mask_name
from volunteers.identity import IdType

MAX_MEMBERSHIPS = 5

# An organisation's published line: a landline with its area code, a mobile, a hotline such as
# 12355, an extension (转). Public by the organisation's choice, so stored in clear.
org_phone_validator = RegexValidator(
    r"^(?=(?:\D*\d){3})[0-9+\-() 转]{3,20}$",
    "电话号码只能包含数字、空格、“-”、“+”、括号和“转”，如 020-12345678、12355 或 13800138000",
    code="org_phone",
)


def tel_uri(phone: str) -> str:
    """A ``tel:`` link for a published number: ``020-8765 4321 转 8`` → ``tel:02087654321;ext=8``."""
    main, _, ext = phone.partition("转")
    number = re.sub(r"[^\d+]", "", main)
    ext = re.sub(r"\D", "", ext)
    return f"tel:{number}" + (f";ext={ext}" if ext else "") if number else ""


def _optional_text(label: str, max_length: int, **options: Any) -> models.CharField:
    """A text field that may stay empty, with an empty default in the database too."""
    return models.CharField(
        label, max_length=max_length, blank=True, default="", db_default="", **options
    )


class Organisation(models.Model):
    """A node of the organisation tree: province federation → city → district → … → group.

    ``path`` is a materialised path of ids (``/1/7/42/``) so a whole subtree is one indexed
    prefix query, at 100,000 organisations."""

    class Kind(models.TextChoices):
        FEDERATION = "federation", _("省级志愿者联合会")
        CITY = "city", _("地市")
        DISTRICT = "district", _("区县")
        ORGANISATION = "organisation", _("志愿服务组织")
        GROUP = "group", _("志愿服务团体")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("组织编号"), max_length=20, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级组织"),
    )
    path = models.CharField(
        max_length=255, db_index=True, editable=False, default="/", verbose_name=_("层级路径")
    )
    city_code = models.CharField(_("所在地市代码"), max_length=6, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    # The public page (组织主页). Every contact here is the organisation's published line,
    # chosen by its admins for the public: not a volunteer's personal data. db_default so that
    # bulk loads naming the older columns (bench/generate.py) still insert.
    intro = models.TextField(_("组织简介"), max_length=2000, blank=True, default="", db_default="")
    address = _optional_text(_("办公地址"), 200)
    contact_name = _optional_text(_("联系人"), 40)
    help_phone = _optional_text(
        _("咨询电话"),
        20,
        validators=[org_phone_validator],
        help_text=_("志愿者和公众咨询、求助时拨打的电话"),
    )
    help_email = models.EmailField(
        _("咨询邮箱"), max_length=100, blank=True, default="", db_default=""
    )
    verification_phone = _optional_text(
        _("实名核验联系电话"),
        20,
        validators=[org_phone_validator],
        help_text=_("港澳台居民、外籍人士人工核验证件，或实名校验未通过需重新校验时拨打的电话"),
    )
    verification_note = _optional_text(
        _("实名核验说明"), 300, help_text=_("人工核验或重新校验的办理时间、地点和需携带的材料")
    )

    PROFILE_FIELDS = (
        "intro", "address", "contact_name", "help_phone", "help_email",
        "verification_phone", "verification_note",
    )  # fmt: skip

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        # The public directory (/organisations/) lists in tree order (path) and filters by
        # city, kind or both: each filter is one range of one of these indexes, already in path
        # order, so a page is read without a sort and its count without the table's other
        # rows (bench/org_directory.py). The name search (icontains, i.e. UPPER(name) LIKE)
        # has a trigram GIN index on UPPER(name), PostgreSQL only (migration 0005).
        indexes = [
            models.Index(fields=["city_code", "path"], name="org_dir_city_idx"),
            models.Index(fields=["city_code", "kind", "path"], name="org_dir_city_kind_idx"),
            models.Index(fields=["kind", "path"], name="org_dir_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def help_phone_uri(self) -> str:
        return tel_uri(self.help_phone)

    @property
    def verification_phone_uri(self) -> str:
        return tel_uri(self.verification_phone)

    @property
    def city_name(self) -> str:
        from volunteers.services import GUANGDONG_CITY_CODES

        return GUANGDONG_CITY_CODES.get(self.city_code, "")


class OrganisationAdmin(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="org_admin_roles",
        verbose_name=_("用户"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="admin_roles",
        verbose_name=_("组织"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("组织管理员")
        verbose_name_plural = _("组织管理员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="uniq_org_admin")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Volunteer(models.Model):
    """A registered volunteer. ID number, mobile and address are encrypted at rest and looked
    up through keyed blind indexes; they are shown masked everywhere."""

    class Verification(models.TextChoices):
        PENDING = "pending", _("待人工核验")
        VERIFIED = "verified", _("已实名认证")
        FAILED = "failed", _("实名认证未通过")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="volunteer",
        verbose_name=_("用户"),
    )
    volunteer_no = models.CharField(
        _("志愿者编号"), max_length=12, unique=True, null=True, blank=True
    )
    name = models.CharField(_("姓名"), max_length=40)
    surname_pinyin = models.CharField(_("姓拼音"), max_length=20)
    given_pinyin = models.CharField(_("名拼音"), max_length=30)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    nationality = models.CharField(_("国籍/地区"), max_length=3, default="CHN")
    id_type = models.CharField(_("证件类型"), max_length=2, choices=IdType.choices)
    id_number = EncryptedTextField(_("证件号码"))
    id_number_index = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("证件号码索引")
    )
    id_expiry = models.DateField(_("证件有效期至"))
    mobile = EncryptedTextField(_("手机号码"))
    mobile_index = models.CharField(
        max_length=64, db_index=True, editable=False, verbose_name=_("手机号码索引")
    )
    address = EncryptedTextField(_("通讯地址"), blank=True, default="")
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    city_code = models.CharField(_("注册地市"), max_length=6)
    verification = models.CharField(
        _("实名认证"), max_length=10, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.CharField(_("核验说明"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    registered_at = models.DateTimeField(_("注册时间"), auto_now_add=True, db_index=True)
    # The manual: 用户名仅允许修改一次. Set when the volunteer changes it; never again after.
    username_changed_at = models.DateTimeField(_("用户名修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["id"]
        # The hotline finds a caller by name and birth date (hotline_lookup): an index
        # probe instead of reading ten million rows.
        indexes = [models.Index(fields=["name", "birth_date"], name="volunteer_name_birth")]

    def __str__(self) -> str:
        return f"{self.volunteer_no or '-'} {mask_name(self.name)}"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def address_masked(self) -> str:
        return mask_address(self.address)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class Membership(models.Model):
    """A volunteer's belonging to an organisation, applied for and approved by its admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已加入")
        REJECTED = "rejected", _("未通过")
        REMOVED = "removed", _("已退出")

    LIVE = (Status.PENDING, Status.APPROVED)

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("志愿者")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("组织"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("状态")
    )
    applied_at = models.DateTimeField(auto_now_add=True, verbose_name=_("申请时间"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("处理时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("备注"))

    class Meta:
        verbose_name = _("归属组织")
        verbose_name_plural = _("归属组织")
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "organisation"],
                condition=Q(status__in=["pending", "approved"]),
                name="uniq_live_membership",
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.organisation_id} ({self.status})"


class ApiToken(models.Model):
    """An API token (``Authorization: Token <key>``). Only the SHA-256 of the key is stored:
    the key is shown once, when it is issued, and a token expires (``API_TOKEN_TTL_DAYS``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("用户"),
    )
    key_hash = models.CharField(_("令牌摘要 (SHA-256)"), max_length=64, unique=True)
    created = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key_hash[:8]}… → {self.expires_at:%Y-%m-%d}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class PasswordResetCode(models.Model):
    """A 6-digit code sent by SMS to reset a password. Only a keyed hash of the code is kept;
    it expires after ``RESET_CODE_MINUTES`` and after ``RESET_CODE_TRIES`` wrong guesses."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_reset_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("找回密码验证码")
        verbose_name_plural = _("找回密码验证码")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
