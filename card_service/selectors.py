"""Reads for the card: the bank directory, a volunteer's card progress (API, profile page,
hotline), the personal QR and the public record its QR opens."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from activities.models import Activity, ActivityDay, SignUp
from activities.selectors import volunteer_hours
from card_service import fast, qr
from card_service.models import (
    OPEN_STATUSES,
    Bank,
    Branch,
    CardApplication,
    CardEvent,
    CardStatus,
)
from core.audit_actions import AuditAction
from core.errors import NotFound, PermissionDenied
from core.fast import label as fast_label
from core.masking import mask_name
from core.services import audit_log_write
from core.workdays import earliest_reapply_date
from volunteers.models import Membership, Volunteer
from volunteers.roles import is_hotline
from volunteers.selectors import hotline_lookup, hotline_reason_check
from volunteers.services import GUANGDONG_CITY_CODES, SHENZHEN, user_administers

S = CardStatus

# Manual chapter 5: production 4–6 weeks (the uniform's 1–2 months live in ``uniforms``).
PRODUCTION_WEEKS = (4, 6)

# The banks' customer lines (manual chapter 5), used when a bank row has none.
BANK_HOTLINES = {"BOC": "95566", "ICBC": "95588", "CEB": "95595"}

# bank-interface.md 4.2: RESULT reason codes, in words for the volunteer. One table.
REJECTION_REASONS: dict[str, str] = {
    "1001": "身份信息未能通过银行核验，请核对证件信息后重新申请",
    "1002": "您已持有一张有效的志愿者证，同一时间只能持有一张",
    "1003": "信用卡审批未通过，您可以改为申办借记卡功能的志愿者证",
    "1004": "所选领卡网点不存在或已停业，请重新选择网点后申请",
    "1005": "证件照不符合银行要求，请上传清晰的近期免冠证件照后重新申请",
    "1006": "未成年人申办须提供有效的监护人信息，请核对监护人信息后重新申请",
    "1007": "所选卡种不适用于您的证件类型或年龄，请改选其他卡种或银行",
    "1099": "其他原因",
}
UNKNOWN_REASON = "银行未说明具体原因"

FACT_LABELS = {"first_spend": "首次消费"}

# Where the card is, per state (placeholders filled in by card_progress).
LOCATIONS: dict[str, str] = {
    S.SUBMITTED: "志愿者证服务平台（等待实名核验）",
    S.QUEUED: "志愿者证服务平台（等待报送银行）",
    S.SENT: "{bank}（审核中）",
    S.ACCEPTED: "{bank}（制卡中）",
    S.REJECTED: "{bank}未受理",
    S.PRODUCED: "{bank}（卡片已制成，待配送）",
    S.AT_BRANCH: "{branch}",
    S.MAILED: "快递途中",
    S.COLLECTED: "已在您手中",
    S.ACTIVATED: "已在您手中",
    S.CANCELLED: "已注销",
    S.WITHDRAWN: "申请已撤回",
}

FEE_NOTE = "换卡的制卡工本费需由志愿者自行承担。"
CANCEL_REASONS = {"L": "卡片遗失", "D": "卡片损坏", "V": "持卡人申请注销", "F": "卡面信息变化"}


# --- small helpers ---------------------------------------------------------------------------


def city_name(code: str) -> str:
    return GUANGDONG_CITY_CODES.get(code, code)


def bank_hotline(bank: Bank) -> str:
    return bank.hotline or BANK_HOTLINES.get(bank.code, "")


def rejection_reason(code: str, text: str = "") -> str:
    """A RESULT reason code (and the bank's optional text) in words."""
    words = REJECTION_REASONS.get(code, UNKNOWN_REASON)
    text = (text or "").strip()
    if text and (code == "1099" or code not in REJECTION_REASONS):
        return f"{words}：{text}"
    return words


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


# --- directory -------------------------------------------------------------------------------


def bank_list() -> QuerySet[Bank]:
    """The enabled banks with how many active branches each has (never Shenzhen)."""
    return (
        Bank.objects.filter(enabled=True)
        .annotate(
            branch_count=Count(
                "branches", filter=Q(branches__active=True) & ~Q(branches__city_code=SHENZHEN)
            )
        )
        .order_by("code")
    )


def branch_list(*, bank_code: str | None = None, city_code: str | None = None) -> QuerySet[Branch]:
    """Active branches a volunteer may choose, by bank and city; Shenzhen is not in the
    programme, so its branches never appear."""
    qs = (
        Branch.objects.filter(active=True, bank__enabled=True)
        .exclude(city_code=SHENZHEN)
        .select_related("bank")
    )
    if bank_code:
        qs = qs.filter(bank_id=bank_code)
    if city_code:
        qs = qs.filter(city_code=city_code)
    return qs.order_by("bank_id", "city_code", "code")


def bank_products(bank: Bank) -> list[dict[str, str]]:
    out = []
    if bank.offers_debit:
        out.append({"code": "D", "label": str(CardApplication.Product.DEBIT.label)})
    if bank.offers_credit:
        out.append({"code": "C", "label": str(CardApplication.Product.CREDIT.label)})
    return out


def bank_id_types(bank: Bank) -> list[str]:
    """The ID types a bank takes (02–05 only at the bank that accepts them, debit only)."""
    return ["01", "02", "03", "04", "05"] if bank.accepts_non_mainland_ids else ["01"]


# --- progress --------------------------------------------------------------------------------


def current_application(volunteer: Volunteer) -> CardApplication | None:
    """The volunteer's open card or application, else the most recent one."""
    qs = CardApplication.objects.filter(volunteer=volunteer).select_related("bank", "branch")
    return qs.filter(status__in=OPEN_STATUSES).first() or qs.order_by("-applied_at", "-id").first()


def _timeline(app: CardApplication, events: list[CardEvent]) -> list[dict[str, Any]]:
    rows = []
    for ev in events:
        if ev.fact:
            label = FACT_LABELS.get(ev.fact, ev.fact)
        else:
            label = fast_label(CardStatus, ev.to_status)
        note = ev.note
        if ev.to_status == S.REJECTED and not ev.fact:
            note = rejection_reason(app.reason_code, app.reason_text)
        at = timezone.localtime(ev.at)
        rows.append(
            {
                "at": at,
                "date": at.date(),
                "status": ev.fact or ev.to_status,
                "label": label,
                "source": ev.source,
                "source_label": fast_label(CardEvent.Source, ev.source),
                "note": note,
            }
        )
    return rows


def _event_date(events: list[CardEvent], status: str) -> dt.date | None:
    for ev in events:
        if ev.to_status == status and not ev.fact:
            return timezone.localdate(ev.at)
    return None


def _uniform_step(
    app: CardApplication, uniform: tuple[str, dt.date] | None
) -> tuple[str, dict[str, Any] | None]:
    """The next step of an activated card: the uniform (one per volunteer, ordered by the
    first purchase of any of their cards), with the window from ``uniforms``."""
    from uniforms.models import UniformStatus
    from uniforms.selectors import expected_window

    if uniform is not None and uniform[0] == UniformStatus.DELIVERED:
        return ("卡片已激活，可用于日常消费。您的志愿者实名服装已签收。", None)
    if uniform is not None and uniform[0] in (
        UniformStatus.ADDRESS_NEEDED,
        UniformStatus.RETURNED,
    ):
        return ("银行将免费制作您的志愿者实名服装，请先在服装进度中填写邮寄地址。", None)
    first_day = (
        uniform[1]
        if uniform is not None
        else (timezone.localdate(app.first_spend_at) if app.first_spend_at else None)
    )
    if first_day is None:
        return (
            "首次使用志愿者证消费后，银行将免费制作志愿者实名服装，从首次消费到寄送约需1–2个月。",
            None,
        )
    earliest, latest = expected_window(first_day)
    return (
        f"首次消费后银行免费制作志愿者实名服装，预计于 {earliest:%Y-%m-%d} 至 "
        f"{latest:%Y-%m-%d} 寄送给您。",
        {"earliest": earliest, "latest": latest},
    )


def _next_step(
    app: CardApplication,
    events: list[CardEvent],
    now: dt.datetime,
    uniform: tuple[str, dt.date] | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """What happens next, in words, and the date window when there is one."""
    bank = app.bank
    hotline = bank_hotline(bank)
    status = app.status
    debit = app.delivery == CardApplication.Delivery.BRANCH
    branch = app.branch
    if status == S.SUBMITTED:
        return ("实名认证通过后，申请将在银行每日截止时间报送银行。请留意实名认证结果。", None)
    if status == S.QUEUED:
        # The cut-off the sender keeps (the partners file), never a copy in the database.
        from bank_adapters.selectors import partner_next_cutoff

        cut = partner_next_cutoff(bank.code, now)
        if cut is None:
            return (f"申请将在{bank.name}的下一个报送时间报送，报送前可以撤回。", None)
        at = timezone.localtime(cut)
        return (
            f"申请将于 {at:%Y-%m-%d %H:%M} 前后报送{bank.name}，报送前可以撤回。",
            {"earliest": at.date(), "latest": at.date()},
        )
    if status == S.SENT:
        return (f"{bank.name}正在审核您的申请，审核通过后开始制卡（约需4–6周）。", None)
    if status == S.ACCEPTED:
        start = _event_date(events, S.ACCEPTED) or timezone.localdate(app.status_changed_at)
        window = {
            "earliest": start + dt.timedelta(weeks=PRODUCTION_WEEKS[0]),
            "latest": start + dt.timedelta(weeks=PRODUCTION_WEEKS[1]),
        }
        where = (
            f"制成后送到您选择的网点{branch.name}领取"
            if debit and branch
            else "制成后邮寄到您填写的地址"
        )
        return (
            f"制卡约需4–6周，预计于 {window['earliest']:%Y-%m-%d} 至 {window['latest']:%Y-%m-%d} 制成，{where}。",
            window,
        )
    if status == S.REJECTED:
        return (
            f"{bank.name}未受理本次申请，原因：{rejection_reason(app.reason_code, app.reason_text)}。"
            f"您可以修改信息后重新申请；如有疑问请致电{bank.short_name}客服热线{hotline}。",
            None,
        )
    if status == S.PRODUCED:
        if debit and branch:
            return (f"卡片将送到网点{branch.name}，到达后即可领取，届时会通知您。", None)
        return ("卡片将通过快递邮寄到您填写的地址，寄出后可在此查看快递单号。", None)
    if status == S.AT_BRANCH:
        who = (
            "请由监护人携带申请人身份证件、监护人身份证件及关系证明（如户口本）"
            if app.guardian_name
            else "请携带本人有效身份证件"
        )
        place = f"{branch.name}（{branch.address}）" if branch else "所选网点"
        return (f"卡片已到网点，{who}到{place}领卡并激活。", None)
    if status == S.MAILED:
        return (
            f"卡片已寄出（快递单号 {app.tracking_no or '暂无'}），收到后请按{bank.short_name}的指引激活金融功能。",
            None,
        )
    if status == S.COLLECTED:
        return (
            f"请激活卡片的金融功能（可在网点或致电{bank.short_name}客服热线{hotline}激活）；"
            "激活后即为您购买当年的志愿服务基本保险。",
            None,
        )
    if status == S.ACTIVATED:
        return _uniform_step(app, uniform)
    if status == S.CANCELLED:
        if app.cancelled_at:
            earliest = earliest_reapply_date(timezone.localdate(app.cancelled_at))
            return (
                f"该卡已注销。您可于 {earliest:%Y-%m-%d} 起重新申请（注销三个工作日后）。{FEE_NOTE}",
                {"earliest": earliest, "latest": None},
            )
        return (f"该卡已注销。注销三个工作日后可重新申请。{FEE_NOTE}", None)
    if status == S.WITHDRAWN:
        return ("申请已撤回，您可以随时重新申请。", None)
    return ("", None)


def can_withdraw(app: CardApplication) -> bool:
    return app.status in (S.SUBMITTED, S.QUEUED) and not app.batch_id


def is_replacement(volunteer: Volunteer) -> bool:
    """Whether a new application would be a replacement (the volunteer had a card before),
    whose production fee is the volunteer's."""
    return CardApplication.objects.filter(volunteer=volunteer, card_ref__isnull=False).exists()


def reapply_from(apps: list[CardApplication]) -> dt.date | None:
    """The first day a new application is allowed after the volunteer's last cancellation
    (3 Chinese working days, the rule card_application_submit enforces), or None."""
    last = max(
        (a.cancelled_at for a in apps if a.status == S.CANCELLED and a.cancelled_at),
        default=None,
    )
    return earliest_reapply_date(timezone.localdate(last)) if last else None


def can_apply(
    volunteer: Volunteer,
    app: CardApplication | None,
    *,
    reapply_date: dt.date | None = None,
    today: dt.date | None = None,
) -> bool:
    """Whether to offer the apply form (the service decides for real): no open card, and
    not before the reapply date after a cancellation."""
    if app is not None and app.status in OPEN_STATUSES:
        return False
    return reapply_date is None or (today or timezone.localdate()) >= reapply_date


def progress_of(
    app: CardApplication,
    events: list[CardEvent],
    *,
    now: dt.datetime | None = None,
    uniform: tuple[str, dt.date] | None = None,
) -> dict[str, Any]:
    """The whole progress of one application and its ``events`` in time order (the caller
    loaded ``bank`` and ``branch``); ``uniform`` is the volunteer's uniform state for an
    activated card."""
    now = now or timezone.now()
    bank = app.bank
    branch = app.branch
    next_step, window = _next_step(app, events, now, uniform)
    location = LOCATIONS.get(app.status, "").format(
        bank=bank.name, branch=f"{branch.name}（{branch.address}）" if branch else "所选网点"
    )
    if app.status == S.MAILED and app.tracking_no:
        location = f"快递途中（快递单号 {app.tracking_no}）"
    rejection = None
    if app.status == S.REJECTED:
        rejection = {
            "code": app.reason_code,
            "text": rejection_reason(app.reason_code, app.reason_text),
        }
    fee_note = ""
    if app.fee_payer == CardApplication.FeePayer.VOLUNTEER or app.status == S.CANCELLED:
        fee_note = FEE_NOTE
    return {
        "application_id": app.pk,
        "application_no": app.application_no,
        "apply_type": app.apply_type,
        "apply_type_label": fast_label(CardApplication.ApplyType, app.apply_type),
        "status": app.status,
        "status_label": fast_label(S, app.status),
        "applied_at": _local(app.applied_at),
        "bank": {"code": bank.code, "name": bank.name, "hotline": bank_hotline(bank)},
        "product": app.product,
        "product_label": fast_label(CardApplication.Product, app.product),
        "delivery": app.delivery,
        "delivery_label": fast_label(CardApplication.Delivery, app.delivery),
        "location": location,
        "next_step": next_step,
        "expected_window": window,
        "expected_ready_date": app.expected_ready_date,
        "branch": (
            {"code": branch.code, "name": branch.name, "address": branch.address}
            if branch and app.delivery == CardApplication.Delivery.BRANCH
            else None
        ),
        "tracking_no": app.tracking_no,
        "mail_address": app.mail_address_masked,
        "masked_pan": app.masked_pan,
        "rejection": rejection,
        "cancel_reason": CANCEL_REASONS.get(app.cancel_reason, "") if app.cancelled_at else "",
        "fee_note": fee_note,
        "fee_payer_label": fast_label(CardApplication.FeePayer, app.fee_payer),
        "first_spend_at": _local(app.first_spend_at),
        "can_withdraw": can_withdraw(app),
        "timeline": _timeline(app, events),
    }


def card_progress(volunteer: Volunteer, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The volunteer's card progress: the timeline with dates and sources, where the card is,
    what happens next and roughly when, how to collect it, the bank's hotline."""
    with_events = fast.applications_with_events(volunteer.pk, limit=20)
    apps = [app for app, _ in with_events]
    current = next((a for a in apps if a.status in OPEN_STATUSES), apps[0] if apps else None)
    now = now or timezone.now()
    today = timezone.localdate(now)
    reapply_date = reapply_from(apps)
    uniform = None
    if current is not None and current.status == S.ACTIVATED:
        from uniforms.selectors import uniform_state

        uniform = uniform_state(volunteer.pk)
    return {
        "volunteer_no": volunteer.volunteer_no,
        "has_application": current is not None,
        "can_apply": can_apply(volunteer, current, reapply_date=reapply_date, today=today),
        # shown instead of the apply button until the wait after a cancellation is over
        "reapply_from": reapply_date if reapply_date and today < reapply_date else None,
        "current": (
            progress_of(current, dict(with_events)[current], now=now, uniform=uniform)
            if current
            else None
        ),
        "history": [
            {
                "application_no": a.application_no,
                "status": a.status,
                "status_label": fast_label(S, a.status),
                "applied_at": _local(a.applied_at),
                "bank_name": a.bank.name,
            }
            for a in apps
            if a is not current
        ],
        "hotlines": BANK_HOTLINES,
    }


def hotline_card_progress(
    *,
    user: Any,
    reason: str,
    volunteer_id: int | None = None,
    volunteer_no: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
) -> dict[str, Any]:
    """Hotline staff read a volunteer's card progress; every read is audited with its reason."""
    if not is_hotline(user):
        raise PermissionDenied("只有热线客服可以查询志愿者证进度")
    hotline_reason_check(reason)
    if volunteer_id is not None:
        volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    else:
        volunteer = hotline_lookup(
            user=user,
            reason=reason,
            id_type=id_type,
            id_number=id_number,
            volunteer_no=volunteer_no,
        )
    audit_log_write(
        action=AuditAction.HOTLINE_CARD_PROGRESS,
        actor=user,
        target_type="volunteers.volunteer",
        target_id=volunteer.pk if volunteer else "",
        reason=reason,
        data={"found": volunteer is not None},
    )
    if volunteer is None:
        raise NotFound("未找到该志愿者", code="volunteer_not_found")
    result = card_progress(volunteer)
    result["volunteer"] = {
        "id": volunteer.pk,
        "volunteer_no": volunteer.volunteer_no,
        "name": volunteer.name_masked,
        "id_number": volunteer.id_number_masked,
    }
    return result


# --- the personal QR -------------------------------------------------------------------------


def my_qr_payload(volunteer: Volunteer) -> str:
    """The QR payload of the volunteer's current (open) card."""
    app = (
        CardApplication.objects.filter(volunteer=volunteer, status__in=OPEN_STATUSES)
        .only("qr_payload")
        .first()
    )
    if app is None:
        raise NotFound("您还没有有效的志愿者证，暂无个人二维码", code="no_active_card")
    return app.qr_payload


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
_SVG_SIZE = re.compile(r'width="(?P<w>\d+)" height="(?P<h>\d+)"')


def qr_svg_inline(payload: str, *, scale: int = 4) -> str:
    """The QR as an ``<svg>`` element to put inside a page: no XML declaration, and a
    viewBox so CSS can size it without cropping."""
    svg = _XML_DECL.sub("", qr.render_svg(payload, scale=scale))
    return _SVG_SIZE.sub(r'\g<0> viewBox="0 0 \g<w> \g<h>"', svg, count=1)


@dataclass
class QrRecord:
    """What a scanned card QR shows the public (and the admin who scans it)."""

    volunteer: Volunteer
    application: CardApplication
    valid: bool
    invalid_reason: str  # "", "cancelled", "replaced", "not_issued"
    invalid_message: str
    name_masked: str
    registered_on: dt.date
    organisations: list[str]
    service_hours: Decimal | None
    star_level: int
    city_name: str
    organisation_ids: list[int] = field(default_factory=list)

    @property
    def stars(self) -> str:
        return "★" * self.star_level

    def as_public_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "invalid_reason": self.invalid_reason,
            "message": self.invalid_message,
            "volunteer_no": self.volunteer.volunteer_no,
            "name": self.name_masked,
            "registered_on": self.registered_on,
            "city": self.city_name,
            "organisations": self.organisations,
            "service_hours": self.service_hours,
            "star_level": self.star_level,
            "card_serial": self.application.card_serial,
        }


INVALID_MESSAGES = {
    "cancelled": "该志愿者证已注销，此二维码已失效",
    "replaced": "该志愿者证已换卡，此二维码已失效",
    "not_issued": "该志愿者证未发放（申请已撤回或未受理），此二维码已失效",
}


def qr_record(token: str) -> QrRecord:
    """Verify a scanned token (any letter case) and find its card and volunteer. A forged,
    unknown or retired token is the same NotFound (``qr_invalid``, one message). A cancelled or replaced card's
    record comes back with ``valid`` False and the reason in words."""
    try:
        claim = qr.verify_payload((token or "").strip().upper())
    except qr.InvalidQr as exc:
        # One answer for forged, malformed, retired-key and unknown tokens: no hints.
        raise NotFound(qr.InvalidQr.default_message, code=qr.InvalidQr.code) from exc
    app = (
        CardApplication.objects.select_related("volunteer")
        .filter(volunteer__volunteer_no=claim.volunteer_no, card_serial=claim.card_serial)
        .first()
    )
    if app is None:
        raise NotFound(qr.InvalidQr.default_message, code=qr.InvalidQr.code)
    volunteer = app.volunteer
    newer_open = CardApplication.objects.filter(
        volunteer=volunteer, card_serial__gt=app.card_serial, status__in=OPEN_STATUSES
    ).exists()
    if newer_open:
        reason = "replaced"
    elif app.status == S.CANCELLED:
        reason = "cancelled"
    elif app.status not in OPEN_STATUSES:
        reason = "not_issued"
    else:
        reason = ""
    memberships = list(
        Membership.objects.filter(volunteer=volunteer, status=Membership.Status.APPROVED)
        .select_related("organisation")
        .order_by("applied_at", "id")
    )
    hours = volunteer_hours(volunteer)
    return QrRecord(
        volunteer=volunteer,
        application=app,
        valid=not reason,
        invalid_reason=reason,
        invalid_message=INVALID_MESSAGES.get(reason, ""),
        name_masked=mask_name(volunteer.name),
        registered_on=timezone.localdate(volunteer.registered_at),
        organisations=[m.organisation.name for m in memberships],
        organisation_ids=[m.organisation_id for m in memberships],
        service_hours=hours.service,
        star_level=hours.star_level,
        city_name=city_name(volunteer.city_code),
    )


def qr_scanner_may_check_in(user: Any, record: QrRecord) -> bool:
    """An organisation admin of one of the volunteer's organisations, on a current card."""
    if not record.valid or not getattr(user, "is_authenticated", False):
        return False
    memberships = Membership.objects.filter(
        volunteer=record.volunteer, status=Membership.Status.APPROVED
    ).select_related("organisation")
    return any(user_administers(user, m.organisation) for m in memberships)


def qr_checkin_days(user: Any, volunteer: Volunteer, *, on: dt.date | None = None) -> list[Any]:
    """Today's activity days of the organisations ``user`` administers, each marked with
    whether the volunteer is admitted to it (``admitted``)."""
    from django.db.models import Exists, OuterRef

    from volunteers.selectors import admin_subtree_q

    day = on or timezone.localdate()
    return list(
        ActivityDay.objects.filter(
            admin_subtree_q(user, "activity__organisation__"),
            date=day,
            activity__status__in=Activity.OPEN_FOR_ATTENDANCE,
        )
        .select_related("activity__organisation")
        .annotate(
            admitted=Exists(
                SignUp.objects.filter(
                    activity=OuterRef("activity"),
                    volunteer=volunteer,
                    status=SignUp.Status.ADMITTED,
                )
            )
        )
        .order_by("-admitted", "starts_at", "pk")
    )
