"""Activities (service or training), their days, sign-ups, the face check, attendance and the
hours it earns.

Hours live in one narrow table, ``HoursEntry``, one row per volunteer per activity day, so
totals, star levels and the insurance rules are single indexed aggregates over it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from volunteers.models import Organisation, Volunteer

# Self check-in (自行签到签退) is for large events only: the manual says more than 50 people.
SELF_CHECKIN_MIN_PLACES = 51


class Activity(models.Model):
    """A service or training activity published by one organisation."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("志愿服务活动")
        TRAINING = "training", _("培训活动")

    class Category(models.TextChoices):
        COMMUNITY = "community", _("社区服务")
        CULTURE = "culture", _("文化教育")
        EVENT = "event", _("大型赛会")
        EMERGENCY = "emergency", _("应急救援")
        ENVIRONMENT = "environment", _("生态环保")
        POVERTY = "poverty", _("扶贫济困")
        HEALTH = "health", _("医疗卫生")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")  # being prepared; only its admins see it
        PUBLISHED = "published", _("招募中")  # open for sign-up
        ONGOING = "ongoing", _("进行中")  # the first day has started (first check-in)
        FINISHED = "finished", _("已结束")  # closed; hours may still be back-filled
        CANCELLED = "cancelled", _("已取消")  # called off; nothing more happens

    # The whole state machine: from → allowed targets.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.PUBLISHED, Status.CANCELLED}),
        Status.PUBLISHED: frozenset({Status.ONGOING, Status.FINISHED, Status.CANCELLED}),
        Status.ONGOING: frozenset({Status.FINISHED, Status.CANCELLED}),
        Status.FINISHED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    VISIBLE = (Status.PUBLISHED, Status.ONGOING, Status.FINISHED)
    OPEN_FOR_SIGNUP = (Status.PUBLISHED, Status.ONGOING)
    OPEN_FOR_ATTENDANCE = (Status.PUBLISHED, Status.ONGOING)
    OPEN_FOR_BACKFILL = (Status.PUBLISHED, Status.ONGOING, Status.FINISHED)

    name = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(
        _("活动类型"), max_length=10, choices=Kind.choices, default=Kind.SERVICE
    )
    category = models.CharField(
        _("服务类别"), max_length=16, choices=Category.choices, default=Category.COMMUNITY
    )
    description = models.TextField(_("活动介绍"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("发布组织"),
    )
    contact_name = models.CharField(_("联系人"), max_length=40)
    # The activity's published contact line, printed in the admission SMS (not a volunteer's data).
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    address = models.CharField(_("活动地点"), max_length=200)
    city_code = models.CharField(_("所在地市代码"), max_length=6, db_index=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    places = models.PositiveIntegerField(_("招募人数"))
    members_only = models.BooleanField(_("只允许本组织志愿者参加"), default=False)
    self_checkin = models.BooleanField(_("启用自行签到签退"), default=False)
    checkin_radius_m = models.PositiveIntegerField(_("自行签到半径（米）"), default=500)
    checkin_before_min = models.PositiveIntegerField(_("开始前可签到（分钟）"), default=60)
    checkin_after_min = models.PositiveIntegerField(_("结束后可签退（分钟）"), default=60)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("状态变更时间"))

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "city_code"]),
            models.Index(fields=["organisation", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_checkin=False) | Q(places__gte=SELF_CHECKIN_MIN_PLACES),
                name="activity_self_checkin_needs_51_places",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ActivityDay(models.Model):
    """One scheduled day of an activity; every day needs its own check-in and check-out."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="days", verbose_name=_("活动")
    )
    date = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("活动日")
        verbose_name_plural = _("活动日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "date"], name="uniq_activity_day"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="day_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.date}"

    @property
    def scheduled_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUp(models.Model):
    """A volunteer's sign-up (报名) and its admission (录用)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("待录用")
        ADMITTED = "admitted", _("已录用")
        REMOVED = "removed", _("已移出")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.APPLIED: frozenset({Status.ADMITTED, Status.REMOVED}),
        Status.ADMITTED: frozenset({Status.REMOVED}),
        Status.REMOVED: frozenset(),
    }

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="signups", verbose_name=_("活动")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="signups", verbose_name=_("志愿者")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPLIED, verbose_name=_("状态")
    )
    invited = models.BooleanField(_("受邀报名"), default=False)
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

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="uniq_signup")
        ]
        indexes = [
            models.Index(fields=["activity", "status"]),
            models.Index(fields=["volunteer", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.activity_id} ({self.status})"


class Invitation(models.Model):
    """An admin's invitation; the invited volunteer's sign-up is admitted at once."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("活动")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="+", verbose_name=_("志愿者")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("邀请人"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("活动邀请")
        verbose_name_plural = _("活动邀请")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="uniq_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} ← {self.activity_id}"


class FaceCheck(models.Model):
    """面验: an admin confirmed the person against the ID before their first activity. Once
    per volunteer, for life."""

    volunteer = models.OneToOneField(
        Volunteer, on_delete=models.CASCADE, related_name="face_check", verbose_name=_("志愿者")
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("活动"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核验人"),
    )
    checked_at = models.DateTimeField(verbose_name=_("核验时间"))

    class Meta:
        verbose_name = _("面验")
        verbose_name_plural = _("面验")

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.checked_at:%Y-%m-%d}"


class AttendanceMethod(models.TextChoices):
    ACTIVITY_QR = "activity_qr", _("扫描活动二维码")
    CARD_SCAN = "card_scan", _("管理员扫描志愿者证")
    SELF = "self", _("自行签到签退")
    BACKFILL = "backfill", _("管理员补录")


class Attendance(models.Model):
    """One volunteer's check-in and check-out on one activity day."""

    day = models.ForeignKey(
        ActivityDay, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("活动日")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("志愿者")
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    check_in_method = models.CharField(
        max_length=12, choices=AttendanceMethod.choices, verbose_name=_("签到方式")
    )
    check_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签到操作人"),
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_method = models.CharField(
        max_length=12, choices=AttendanceMethod.choices, blank=True, verbose_name=_("签退方式")
    )
    check_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签退操作人"),
    )

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "volunteer"], name="uniq_attendance_per_day")
        ]
        # attendance_at(): "was V checked in around t" is a range scan on this index.
        indexes = [models.Index(fields=["volunteer", "checked_in_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.day_id}"

    @property
    def is_self(self) -> bool:
        return AttendanceMethod.SELF in (self.check_in_method, self.check_out_method)


class HoursEntry(models.Model):
    """The hours one volunteer earned on one activity day.

    ``kind`` and ``service_date`` repeat the activity's so the totals and the insurance rules
    aggregate this table alone, through its indexes, without joins."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("服务时长")
        TRAINING = "training", _("培训时长")

    class Source(models.TextChoices):
        SCANNED = "scanned", _("精准计时（扫码）")  # counts at once
        SELF = "self", _("自行签到签退")  # delayed: counts from the day after approval
        BACKFILL = "backfill", _("补录")  # delayed: counts from the day after approval

    class Status(models.TextChoices):
        CREDITED = "credited", _("已计入")
        PENDING = "pending", _("待管理员审核")
        WITHHELD = "withheld", _("未计入")
        REJECTED = "rejected", _("审核未通过")

    DELAYED = (Source.SELF, Source.BACKFILL)

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="hours_entries", verbose_name=_("志愿者")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="hours_entries", verbose_name=_("活动")
    )
    day = models.ForeignKey(
        ActivityDay,
        on_delete=models.CASCADE,
        related_name="hours_entries",
        verbose_name=_("活动日"),
    )
    attendance = models.OneToOneField(
        Attendance,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hours_entry",
        verbose_name=_("考勤"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("类型"))
    service_date = models.DateField(_("服务日期"))
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    source = models.CharField(max_length=10, choices=Source.choices, verbose_name=_("来源"))
    status = models.CharField(max_length=10, choices=Status.choices, verbose_name=_("状态"))
    # Counted in totals from this date on (inclusive); null while not credited. It is the later
    # of the delay rule's date and the end of the disclosure (see activities.disclosure).
    counts_from = models.DateField(_("计入日期"), null=True, blank=True)
    # 时长公示: published on this day (the day the hours were credited); open to disputes until
    # counts_from. Null while not credited.
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    # An open dispute (我有异议) holds the entry out of every total until it is answered.
    under_dispute = models.BooleanField(_("异议处理中"), default=False, db_default=False)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("审核时间"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("时长记录")
        verbose_name_plural = _("时长记录")
        ordering = ["service_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "day"], name="uniq_hours_per_day"),
            models.CheckConstraint(
                condition=~Q(status="credited") | Q(counts_from__isnull=False),
                name="credited_hours_have_counts_from",
            ),
        ]
        indexes = [
            # Totals and star level: volunteer = ? AND status = credited AND counts_from <= ?
            models.Index(
                fields=["volunteer", "status", "kind", "counts_from"], name="hours_totals_idx"
            ),
            # Insurance: service hours of a volunteer (or of all) in a date range.
            models.Index(
                fields=["kind", "status", "service_date", "volunteer"], name="hours_served_idx"
            ),
            models.Index(fields=["activity", "status"], name="hours_activity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.service_date} {self.minutes}min {self.status}"


class HoursDispute(models.Model):
    """我有异议: someone objects to one published hours entry; the organisation answers."""

    class Status(models.TextChoices):
        OPEN = "open", _("处理中")  # the entry does not count meanwhile
        UPHELD = "upheld", _("异议成立")  # the entry was corrected or removed
        REJECTED = "rejected", _("异议不成立")  # the entry stands

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.UPHELD, Status.REJECTED}),
        Status.UPHELD: frozenset(),
        Status.REJECTED: frozenset(),
    }

    entry = models.ForeignKey(
        HoursEntry, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("时长记录")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    reason = models.CharField(_("异议理由"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("提出时间"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.CharField(_("答复"), max_length=500, blank=True)
    # When upheld with a correction: the minutes before and after.
    minutes_before = models.PositiveIntegerField(_("更正前（分钟）"), null=True, blank=True)
    minutes_after = models.PositiveIntegerField(_("更正后（分钟）"), null=True, blank=True)

    class Meta:
        verbose_name = _("时长异议")
        verbose_name_plural = _("时长异议")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="one_open_dispute_per_entry"
            )
        ]
        indexes = [models.Index(fields=["status", "raised_at"], name="dispute_status_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.status}"


class ActiveVolunteerRank(models.Model):
    """活跃志愿者: a volunteer's rank by counted service hours in one organisation or city, for
    one month or year. Filled nightly by ``activities.ranking.ranking_rebuild`` in one
    INSERT … SELECT with rank() OVER (PARTITION BY …); read, never edited."""

    class Period(models.TextChoices):
        MONTH = "month", _("月度")
        YEAR = "year", _("年度")

    class Scope(models.TextChoices):
        ORGANISATION = "org", _("组织")  # hours served in activities the organisation published
        CITY = "city", _("地市")  # hours served in activities held in the city

    period = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    scope = models.CharField(max_length=4, choices=Scope.choices)
    scope_key = models.CharField(max_length=20)  # an organisation id or a city code
    # A derived table rebuilt nightly: no FK constraint (its per-row trigger at commit cost
    # more than the whole ranking query) and no lone volunteer index (rank_volunteer_idx
    # leads with it). A deleted volunteer's rows drop out at the next rebuild.
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    minutes = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("活跃志愿者排名")
        verbose_name_plural = _("活跃志愿者排名")
        indexes = [
            # A ranking page: one partition, in rank order.
            models.Index(
                fields=["period", "period_start", "scope", "scope_key", "rank"],
                name="rank_page_idx",
            ),
            # The volunteer's own ranks on their profile.
            models.Index(fields=["volunteer", "period", "period_start"], name="rank_volunteer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_key} {self.period_start} #{self.rank}"
