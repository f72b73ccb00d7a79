"""Writes for volunteers, organisations and memberships. Each is atomic and audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import crypto
from core.audit_actions import AuditAction
from core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from core.hooks import IN_TRANSACTION, Hook
from core.masking import mask_id_number
from core.notify import notify
from core.services import audit_log_write
from volunteers import identity
from volunteers.models import (
    MAX_MEMBERSHIPS,
    ApiToken,
    Membership,
    Organisation,
    OrganisationAdmin,
    Volunteer,
)
from volunteers.roles import administered_org_ids
from volunteers.verification import get_backend

GUANGDONG_CITY_CODES = {
    "440100": "广州市", "440200": "韶关市", "440300": "深圳市", "440400": "珠海市",
    "440500": "汕头市", "440600": "佛山市", "440700": "江门市", "440800": "湛江市",
    "440900": "茂名市", "441200": "肇庆市", "441300": "惠州市", "441400": "梅州市",
    "441500": "汕尾市", "441600": "河源市", "441700": "阳江市", "441800": "清远市",
    "441900": "东莞市", "442000": "中山市", "445100": "潮州市", "445200": "揭阳市",
    "445300": "云浮市",
}  # fmt: skip
# 深圳市: the volunteer card programme has no branches there (card applications, the directory).
SHENZHEN = "440300"


VOLUNTEER_VERIFIED = Hook(
    "volunteers.verified",
    when=IN_TRANSACTION,
    doc="A volunteer's identity was verified: called with volunteer_id= in the verifying "
    "transaction (the card service queues the applications that waited for the check).",
)
VOLUNTEER_IDENTITY_CORRECTED = Hook(
    "volunteers.identity_corrected",
    when=IN_TRANSACTION,
    doc="A correction changed what a card application carries (name, ID and its dates): "
    "called with volunteer_id= in the correcting transaction, after the new real-name result "
    "is saved and before VOLUNTEER_VERIFIED; the card service rebuilds, holds or withdraws the "
    "application not yet sent to the bank. Each receiver returns what to tell the person, or None.",
)


def id_number_index(id_type: str, id_number: str) -> str:
    return crypto.blind_index(f"{id_type}:{id_number}", purpose="id_number")


def mobile_index(mobile: str) -> str:
    return crypto.blind_index(mobile, purpose="mobile")


# --- organisations ---------------------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: Organisation | None = None,
    city_code: str = "",
    actor: Any = None,
) -> Organisation:
    """Create a node of the organisation tree under ``parent``."""
    if Organisation.objects.filter(code=code).exists():
        raise Conflict(f"组织编号 {code} 已存在", code="org_code_taken", extra={"field": "code"})
    org = Organisation.objects.create(
        name=name.strip(),
        code=code,
        kind=kind,
        parent=parent,
        city_code=city_code or (parent.city_code if parent else ""),
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    audit_log_write(action=AuditAction.ORGANISATION_CREATE, actor=actor, target=org)
    return org


ORG_PARENT_CYCLE = "上级组织不能是本组织或其下级组织"


def organisation_parent_is_own_subtree(node: Organisation, parent: Organisation | None) -> bool:
    """Whether ``parent`` is ``node`` itself or below it (a node placed there would leave the
    tree). A node not yet placed (no pk, or path ``/``) has no subtree."""
    if parent is None or node.pk is None:
        return False
    placed = node.path not in ("", "/")
    return parent.pk == node.pk or (placed and parent.path.startswith(node.path))


def organisation_tree_place(*, organisation: Organisation, actor: Any = None) -> None:
    """Put an organisation saved outside ``organisation_create`` (the Django admin) at its
    place in the tree: its ``path`` follows its parent's, and when the parent changed the
    whole subtree moves with it, in one statement. Moving a node under itself is refused."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Length, Substr

    parent = organisation.parent
    if organisation_parent_is_own_subtree(organisation, parent):
        raise ValidationFailed(ORG_PARENT_CYCLE, code="org_parent_cycle", extra={"field": "parent"})
    new_path = f"{parent.path if parent else '/'}{organisation.pk}/"
    old_path = organisation.path
    if new_path == old_path:
        return
    with transaction.atomic():
        if old_path not in ("", "/"):
            Organisation.objects.filter(path__startswith=old_path).exclude(
                pk=organisation.pk
            ).update(path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)))
        Organisation.objects.filter(pk=organisation.pk).update(path=new_path)
        organisation.path = new_path
        audit_log_write(
            action=AuditAction.ORGANISATION_MOVE,
            actor=actor,
            target=organisation,
            data={"from": old_path, "to": new_path},
        )


ORG_INTRO_MAX = 2000


@transaction.atomic
def organisation_profile_update(*, organisation_id: int, actor: Any, **fields: str) -> Organisation:
    """Change the public page's introduction and contacts (``Organisation.PROFILE_FIELDS``):
    by an admin of the organisation or of an ancestor, or by staff. Audited with the names
    of the fields that changed; nothing changed, nothing written."""
    unknown = set(fields) - set(Organisation.PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能在此修改：{'、'.join(sorted(unknown))}", code="org_field")
    org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("未找到该组织")
    if not (getattr(actor, "is_staff", False) or user_administers(actor, org)):
        raise PermissionDenied("只有该组织（或上级组织）的管理员可以修改组织资料")
    clean = {name: str(value or "").strip() for name, value in fields.items()}
    if len(clean.get("intro", "")) > ORG_INTRO_MAX:
        raise ValidationFailed(
            f"组织简介最多 {ORG_INTRO_MAX} 字", code="org_intro_long", extra={"field": "intro"}
        )
    changed = [name for name, value in clean.items() if getattr(org, name) != value]
    for name in changed:
        setattr(org, name, clean[name])
    try:
        org.clean_fields(
            exclude=[f.name for f in Organisation._meta.fields if f.name not in changed]
        )
    except DjangoValidationError as exc:
        field, errors = next(iter(exc.error_dict.items()))
        label = Organisation._meta.get_field(field).verbose_name
        raise ValidationFailed(
            f"{label}：{errors[0].messages[0]}", code="org_profile", extra={"field": field}
        ) from None
    if not changed:
        return org
    org.save(update_fields=changed)
    audit_log_write(
        action=AuditAction.ORGANISATION_PROFILE_UPDATE,
        actor=actor,
        target=org,
        data={"fields": changed},
    )
    return org


@transaction.atomic
def organisation_admin_add(*, organisation: Organisation, user: Any, actor: Any = None) -> None:
    """Make ``user`` an admin of ``organisation`` (and so of its subtree); audited when it
    changes something (an existing admin stays as they are, with no new audit row)."""
    _, created = OrganisationAdmin.objects.get_or_create(organisation=organisation, user=user)
    if not created:
        return
    audit_log_write(
        action=AuditAction.ORGANISATION_ADMIN_ADD,
        actor=actor,
        target=organisation,
        data={"user": user.pk},
    )


def user_administers(user: Any, organisation: Organisation) -> bool:
    """True when ``user`` administers ``organisation`` or one of its ancestors."""
    ids = administered_org_ids(user)
    if not ids:
        return False
    ancestry = {int(p) for p in organisation.path.strip("/").split("/") if p}
    return bool(ids & ancestry)


# --- registration --------------------------------------------------------------------------


class IdNumberTaken(Conflict):
    """The ID number already has an account. Only for callers that may know it (staff
    tools, the demo): the public sign-up never tells (volunteer_sign_up)."""

    code = "id_registered"
    default_message = "该证件号码已注册，请直接登录"


def _validated_identity(
    *,
    name: str,
    id_type: str,
    id_number: str,
    gender: str | None,
    birth_date: dt.date | None,
    nationality: str | None,
) -> dict[str, Any]:
    if id_type not in identity.IdType.values:
        raise ValidationFailed("请选择有效的证件类型", code="id_type", extra={"field": "id_type"})
    number = identity.validate_id_number(id_type, id_number)
    clean_name = identity.validate_name(name, id_type)
    derived = identity.derive_birth_and_gender(id_type, number)
    if derived is not None:
        birth_date, gender = derived
    if birth_date is None:
        raise ValidationFailed(
            "请填写出生日期", code="birth_date_required", extra={"field": "birth_date"}
        )
    if gender not in ("M", "F"):
        raise ValidationFailed("请选择性别", code="gender_required", extra={"field": "gender"})
    nat = identity.nationality_for(id_type, number) or (nationality or "").strip().upper()
    if len(nat) != 3 or not nat.isalpha() or not nat.isascii():
        raise ValidationFailed(
            "请填写国籍（ISO 3166-1 三位字母代码，如 USA）",
            code="nationality",
            extra={"field": "nationality"},
        )
    return {
        "name": clean_name,
        "id_number": number,
        "birth_date": birth_date,
        "gender": gender,
        "nationality": nat,
    }


def _volunteer_number(volunteer: Volunteer) -> str:
    # 4 digits of the registered city + 8-digit serial: unique, printable, not a secret.
    return f"{volunteer.city_code[:4]}{volunteer.pk:08d}"


@transaction.atomic
def volunteer_register(
    *,
    username: str,
    password: str,
    name: str,
    id_type: str,
    id_number: str,
    id_expiry: dt.date,
    mobile: str,
    city_code: str,
    organisation_ids: list[int],
    address: str = "",
    postcode: str = "",
    gender: str | None = None,
    birth_date: dt.date | None = None,
    nationality: str | None = None,
    surname_pinyin: str | None = None,
    given_pinyin: str | None = None,
) -> Volunteer:
    """Register a volunteer with a login, a real-name identity and 1–5 organisations."""
    ident = _validated_identity(
        name=name,
        id_type=id_type,
        id_number=id_number,
        gender=gender,
        birth_date=birth_date,
        nationality=nationality,
    )
    clean_mobile = identity.validate_mobile(mobile)
    if city_code not in GUANGDONG_CITY_CODES:
        raise ValidationFailed(
            "请选择广东省内的注册地市", code="city_code", extra={"field": "city_code"}
        )
    org_ids = list(dict.fromkeys(organisation_ids or []))
    if not org_ids:
        raise ValidationFailed(
            "请至少选择一个归属组织",
            code="membership_required",
            extra={"field": "organisation_ids"},
        )
    if len(org_ids) > MAX_MEMBERSHIPS:
        raise ValidationFailed(
            f"最多只能选择{MAX_MEMBERSHIPS}个归属组织",
            code="membership_limit",
            extra={"field": "organisation_ids", "max": MAX_MEMBERSHIPS},
        )
    orgs = list(Organisation.objects.filter(pk__in=org_ids))
    if len(orgs) != len(org_ids):
        raise ValidationFailed(
            "所选组织不存在", code="organisation_unknown", extra={"field": "organisation_ids"}
        )
    if id_expiry < timezone.localdate():
        raise ValidationFailed("证件已过有效期", code="id_expired", extra={"field": "id_expiry"})
    if postcode and (len(postcode) != 6 or not (postcode.isascii() and postcode.isdigit())):
        raise ValidationFailed("邮政编码应为6位数字", code="postcode", extra={"field": "postcode"})
    if any(ch in address for ch in "|\r\n"):
        raise ValidationFailed(
            "地址不能包含 | 或换行", code="address_chars", extra={"field": "address"}
        )
    if address and identity.gb18030_len(address) > 120:
        raise ValidationFailed(
            "通讯地址过长：最多120字节（约60个汉字）",
            code="address_length",
            extra={"field": "address"},
        )
    surname, given = identity.name_pinyin_fields(
        ident["name"], surname_pinyin=surname_pinyin, given_pinyin=given_pinyin
    )
    User = get_user_model()
    _check_username(username, own_id=(id_type, ident["id_number"]), own_mobile=clean_mobile)
    password_check(password=password, user=User(username=username))
    index = id_number_index(id_type, ident["id_number"])
    if Volunteer.objects.filter(id_number_index=index).exists():
        raise IdNumberTaken(extra={"field": "id_number"})
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
    except IntegrityError as exc:  # a concurrent registration of the same username
        raise Conflict(
            "用户名已被使用", code="username_taken", extra={"field": "username"}
        ) from exc
    result = get_backend().verify(id_type=id_type, id_number=ident["id_number"], name=ident["name"])
    try:
        volunteer = Volunteer.objects.create(
            user=user,
            name=ident["name"],
            surname_pinyin=surname,
            given_pinyin=given,
            gender=ident["gender"],
            birth_date=ident["birth_date"],
            nationality=ident["nationality"],
            id_type=id_type,
            id_number=ident["id_number"],
            id_number_index=index,
            id_expiry=id_expiry,
            mobile=clean_mobile,
            mobile_index=mobile_index(clean_mobile),
            address=address.strip(),
            postcode=postcode,
            city_code=city_code,
            verification=result.status,
            verification_note=result.note,
            verified_at=timezone.now() if result.status == "verified" else None,
        )
    except IntegrityError as exc:  # a concurrent registration of the same ID
        raise IdNumberTaken() from exc
    volunteer.volunteer_no = _volunteer_number(volunteer)
    volunteer.save(update_fields=["volunteer_no"])
    for org in orgs:
        Membership.objects.create(volunteer=volunteer, organisation=org)
    audit_log_write(
        action=AuditAction.VOLUNTEER_REGISTER,
        actor=user,
        target=volunteer,
        data={"id_type": id_type, "id_number": mask_id_number(ident["id_number"])},
    )
    return volunteer


def _check_username(username: str, *, own_id: tuple[str, str], own_mobile: str) -> None:
    """A username a person may take: the user model's characters, not taken, and — because
    login looks a username up before ID numbers and mobiles (``resolve_login``) — one that
    reads as a mobile or an ID number (the four structured types) only when it is the
    person's own, so no one can take over another person's login by ID number or mobile."""
    User = get_user_model()
    try:
        User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "用户名只能包含字母、数字和 @/./+/-/_，最多150个字符",
            code="username_invalid",
            extra={"field": "username"},
        ) from exc
    readings: set[tuple[str, str]] = set()
    for id_type in ("01", "02", "03", "04"):
        try:
            readings.add((id_type, identity.validate_id_number(id_type, username)))
        except ValidationFailed:
            pass
    try:
        mobile = identity.validate_mobile(username)
    except ValidationFailed:
        mobile = None
    if (readings and own_id not in readings) or (mobile is not None and mobile != own_mobile):
        raise ValidationFailed(
            "用户名不能是他人的证件号码或手机号码：请使用本人的证件号码、手机号码，或字母和数字的组合",
            code="username_reserved",
            extra={"field": "username"},
        )
    # Usernames are public handles and may be said to be taken; whether an ID number is
    # registered is only ever told to its owner (see volunteer_sign_up).
    if User.objects.filter(username=username).exists():
        raise Conflict("用户名已被使用", code="username_taken", extra={"field": "username"})


USERNAME_CHANGED_SMS = (
    "您的志愿者账号用户名已修改，请使用新用户名登录。如非本人操作，请立即联系客服热线 12355。"
)


@transaction.atomic
def volunteer_change_username(*, volunteer: Volunteer, actor: Any, username: str) -> Volunteer:
    """Change one's username, which is also the login: once only, as the manual says
    (修改用户名将同时修改登录账户，用户名仅允许修改一次)."""
    volunteer = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    if volunteer.username_changed_at is not None:
        when = timezone.localtime(volunteer.username_changed_at)
        raise Conflict(
            f"用户名仅允许修改一次，您已于 {when:%Y-%m-%d} 修改过，不能再次修改",
            code="username_changed_once",
            extra={"field": "username"},
        )
    new = (username or "").strip()
    if not new:
        raise ValidationFailed(
            "请填写新的用户名", code="username_required", extra={"field": "username"}
        )
    user = volunteer.user
    if new == user.get_username():
        raise ValidationFailed(
            "新用户名与当前用户名相同", code="username_unchanged", extra={"field": "username"}
        )
    _check_username(
        new, own_id=(volunteer.id_type, volunteer.id_number), own_mobile=volunteer.mobile
    )
    setattr(user, user.USERNAME_FIELD, new)
    try:
        with transaction.atomic():
            user.save(update_fields=[user.USERNAME_FIELD])
    except IntegrityError as exc:  # taken by a concurrent registration or change
        raise Conflict(
            "用户名已被使用", code="username_taken", extra={"field": "username"}
        ) from exc
    volunteer.username_changed_at = timezone.now()
    volunteer.save(update_fields=["username_changed_at"])
    # Neither name is kept: a username may be the person's own ID number or mobile.
    audit_log_write(action=AuditAction.VOLUNTEER_CHANGE_USERNAME, actor=actor, target=volunteer)
    notify(user=user, text=USERNAME_CHANGED_SMS, channels=("site", "sms"))
    return volunteer


SIGN_UP_WELCOME = (
    "欢迎注册广东志愿者！您的志愿者编号为 {volunteer_no}，请使用注册时设置的用户名和密码登录。"
)
SIGN_UP_ID_TAKEN = (
    "有人于 {when} 尝试使用您的证件号码（{id_number}）注册新的志愿者账号，未创建任何账号。"
    "如是您本人，请直接使用原账号登录（忘记密码可找回）；如非本人操作，请留意个人信息安全。"
)


@transaction.atomic
def volunteer_sign_up(**fields: Any) -> Volunteer | None:
    """Public self-registration, as ``volunteer_register`` but never telling the caller
    whether an ID number is registered: when it is, nothing is created, the existing
    account's owner is told through the notifier (site and SMS) and None is returned."""
    try:
        volunteer = volunteer_register(**fields)
    except IdNumberTaken:
        index = id_number_index(
            fields["id_type"], identity.validate_id_number(fields["id_type"], fields["id_number"])
        )
        owner = Volunteer.objects.select_related("user").filter(id_number_index=index).first()
        # Hash the password all the same, so the answer takes as long as a real registration.
        make_password(fields["password"])
        if owner is not None:
            when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
            text = SIGN_UP_ID_TAKEN.format(when=when, id_number=owner.id_number_masked)
            notify(user=owner.user, text=text, channels=("site", "sms"))
            audit_log_write(
                action=AuditAction.VOLUNTEER_SIGN_UP_ID_TAKEN,
                target=owner,
                data={"id_type": owner.id_type, "id_number": owner.id_number_masked},
            )
        return None
    notify(
        user=volunteer.user,
        text=SIGN_UP_WELCOME.format(volunteer_no=volunteer.volunteer_no),
        channels=("site", "sms"),
    )
    return volunteer


@transaction.atomic
def volunteer_update_contact(
    *,
    volunteer: Volunteer,
    actor: Any,
    mobile: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    surname_pinyin: str | None = None,
    given_pinyin: str | None = None,
) -> Volunteer:
    """Change what a volunteer may change themselves: contact details and the pinyin."""
    fields: list[str] = []
    if mobile is not None:
        volunteer.mobile = identity.validate_mobile(mobile)
        volunteer.mobile_index = mobile_index(volunteer.mobile)
        fields += ["mobile", "mobile_index"]
    if address is not None:
        if any(ch in address for ch in "|\r\n"):
            raise ValidationFailed(
                "地址不能包含 | 或换行", code="address_chars", extra={"field": "address"}
            )
        if identity.gb18030_len(address) > 120:
            raise ValidationFailed(
                "通讯地址过长：最多120字节（约60个汉字）",
                code="address_length",
                extra={"field": "address"},
            )
        volunteer.address = address.strip()
        fields.append("address")
    if postcode is not None:
        if postcode and (len(postcode) != 6 or not (postcode.isascii() and postcode.isdigit())):
            raise ValidationFailed(
                "邮政编码应为6位数字", code="postcode", extra={"field": "postcode"}
            )
        volunteer.postcode = postcode
        fields.append("postcode")
    if surname_pinyin is not None:
        volunteer.surname_pinyin = identity.validate_pinyin(
            surname_pinyin, 20, field="surname_pinyin"
        )
        fields.append("surname_pinyin")
    if given_pinyin is not None:
        volunteer.given_pinyin = identity.validate_pinyin(given_pinyin, 30, field="given_pinyin")
        fields.append("given_pinyin")
    if fields:
        volunteer.save(update_fields=fields)
        audit_log_write(
            action=AuditAction.VOLUNTEER_UPDATE_CONTACT,
            actor=actor,
            target=volunteer,
            data={"fields": fields},
        )
    return volunteer


@transaction.atomic
def volunteer_verify(
    *, volunteer: Volunteer, actor: Any, approve: bool, note: str = ""
) -> Volunteer:
    """An admin of one of the volunteer's organisations verifies a non-mainland ID by hand."""
    org_ids = Membership.objects.filter(
        volunteer=volunteer, status__in=Membership.LIVE
    ).values_list("organisation", flat=True)
    if not any(user_administers(actor, o) for o in Organisation.objects.filter(pk__in=org_ids)):
        raise PermissionDenied("只有归属组织的管理员可以核验该志愿者的证件")
    # The lock card_application_submit takes: a submit in flight finishes (and its waiting
    # application is released below) or starts after this commits and sees the new status.
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.verification == Volunteer.Verification.VERIFIED:
        return volunteer
    volunteer.verification = (
        Volunteer.Verification.VERIFIED if approve else Volunteer.Verification.FAILED
    )
    volunteer.verification_note = note[:200]
    volunteer.verified_at = timezone.now() if approve else None
    volunteer.save(update_fields=["verification", "verification_note", "verified_at"])
    if approve:
        VOLUNTEER_VERIFIED.fire(volunteer_id=volunteer.pk)
    audit_log_write(
        action=AuditAction.VOLUNTEER_VERIFY,
        actor=actor,
        target=volunteer,
        reason=note,
        data={"approve": approve},
    )
    notify(
        user=volunteer.user,
        text="您的实名认证已通过" if approve else f"您的实名认证未通过：{note or '请核对证件信息'}",
    )
    return volunteer


# --- memberships ---------------------------------------------------------------------------


@transaction.atomic
def membership_apply(*, volunteer: Volunteer, organisation: Organisation) -> Membership:
    """Apply to join ``organisation``; at most five live memberships."""
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    live = Membership.objects.filter(volunteer=volunteer, status__in=Membership.LIVE)
    if live.filter(organisation=organisation).exists():
        raise Conflict("您已加入或已申请加入该组织", code="membership_exists")
    if live.count() >= MAX_MEMBERSHIPS:
        raise ValidationFailed(
            f"最多只能加入{MAX_MEMBERSHIPS}个归属组织，请先退出一个再申请",
            code="membership_limit",
            extra={"max": MAX_MEMBERSHIPS},
        )
    membership = Membership.objects.create(volunteer=volunteer, organisation=organisation)
    audit_log_write(action=AuditAction.MEMBERSHIP_APPLY, actor=volunteer.user, target=membership)
    return membership


def _locked_membership(membership_id: int) -> Membership:
    m = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "volunteer__user")
        .filter(pk=membership_id)
        .first()
    )
    if m is None:
        raise NotFound("未找到该入会申请")
    return m


@transaction.atomic
def membership_decide(
    *, membership_id: int, actor: Any, approve: bool, note: str = ""
) -> Membership:
    """The organisation's admin approves or rejects an application to join."""
    m = _locked_membership(membership_id)
    if not user_administers(actor, m.organisation):
        raise NotFound("未找到该入会申请")
    if m.status != Membership.Status.PENDING:
        raise Conflict("该申请已处理", code="membership_decided")
    m.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    m.decided_at = timezone.now()
    m.decided_by = actor
    m.note = note[:200]
    m.save(update_fields=["status", "decided_at", "decided_by", "note"])
    audit_log_write(
        action=AuditAction.MEMBERSHIP_DECIDE, actor=actor, target=m, data={"approve": approve}
    )
    verb = "已通过" if approve else "未通过"
    notify(user=m.volunteer.user, text=f"您加入「{m.organisation.name}」的申请{verb}")
    return m


@transaction.atomic
def membership_remove(*, membership_id: int, actor: Any, reason: str = "") -> Membership:
    """Leave an organisation (the volunteer) or remove a member (its admin). A volunteer who
    leaves keeps at least one organisation; an admin may remove a member from their only one
    (the manual: the volunteer then reapplies, and cannot sign up until approved again)."""
    m = _locked_membership(membership_id)
    is_self = m.volunteer.user_id == getattr(actor, "pk", None)
    if not is_self and not user_administers(actor, m.organisation):
        raise NotFound("未找到该归属组织")
    if m.status not in Membership.LIVE:
        raise Conflict("该归属组织已退出", code="membership_not_live")
    Volunteer.objects.select_for_update().filter(pk=m.volunteer_id).first()
    if is_self and m.status == Membership.Status.APPROVED:
        others = (
            Membership.objects.filter(
                volunteer_id=m.volunteer_id, status=Membership.Status.APPROVED
            )
            .exclude(pk=m.pk)
            .count()
        )
        if others == 0:
            raise Conflict(
                "志愿者至少需要保留一个已加入的归属组织：请先加入另一个组织并通过审核后再退出",
                code="membership_last",
            )
    m.status = Membership.Status.REMOVED
    m.decided_at = timezone.now()
    m.decided_by = actor
    m.note = reason[:200]
    m.save(update_fields=["status", "decided_at", "decided_by", "note"])
    audit_log_write(action=AuditAction.MEMBERSHIP_REMOVE, actor=actor, target=m, reason=reason)
    if not is_self:
        notify(user=m.volunteer.user, text=f"您已被移出「{m.organisation.name}」")
    return m


# --- passwords and API tokens ------------------------------------------------------------------


def password_check(*, password: str, user: Any) -> None:
    """Apply ``AUTH_PASSWORD_VALIDATORS`` to a password about to be set for ``user``; a weak
    one is refused with the validators' messages (Chinese under zh-hans)."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed(
            "密码不符合要求：" + "".join(messages),
            code="password_weak",
            extra={"field": "password", "reasons": messages},
        ) from None


@transaction.atomic
def api_token_issue(*, user: Any) -> tuple[ApiToken, str]:
    """Issue an API token to ``user``: returns the row and the key, which is shown this once
    (only its SHA-256 is stored). The user's expired tokens are removed."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        created=now,
        expires_at=now + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_log_write(
        action=AuditAction.API_TOKEN_ISSUE,
        actor=user,
        target=token,
        data={"expires_at": token.expires_at.isoformat()},
    )
    return token, key


# --- identity correction ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IdentityCorrected:
    volunteer: Volunteer
    notes: list[str]  # what the correction did elsewhere (a card application held), in words


# What an APPLY record carries of the identity: a change to any of them reaches the bank.
IDENTITY_RECORD_FIELDS = (
    "name", "id_type", "id_number", "id_expiry", "gender", "birth_date", "nationality",
)  # fmt: skip


@transaction.atomic
def volunteer_correct_identity(
    *,
    volunteer: Volunteer,
    actor: Any,
    name: str,
    id_type: str,
    id_number: str,
    id_expiry: dt.date,
    gender: str | None = None,
    birth_date: dt.date | None = None,
    nationality: str | None = None,
) -> IdentityCorrected:
    """Correct one's own name or ID. The same rules as registration apply and the real-name
    check runs again: until it passes again the volunteer is not verified, and a card
    application not yet sent waits for it (``VOLUNTEER_IDENTITY_CORRECTED``)."""
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    ident = _validated_identity(
        name=name,
        id_type=id_type,
        id_number=id_number,
        gender=gender or volunteer.gender,
        birth_date=birth_date or volunteer.birth_date,
        nationality=nationality or volunteer.nationality,
    )
    if id_expiry < timezone.localdate():
        raise ValidationFailed("证件已过有效期", code="id_expired", extra={"field": "id_expiry"})
    index = id_number_index(id_type, ident["id_number"])
    if Volunteer.objects.filter(id_number_index=index).exclude(pk=volunteer.pk).exists():
        # Said to the signed-in owner of another account only; audited.
        audit_log_write(
            action=AuditAction.VOLUNTEER_CORRECT_IDENTITY_REFUSED,
            actor=actor,
            target=volunteer,
            data={"id_type": id_type, "id_number": mask_id_number(ident["id_number"])},
        )
        raise Conflict(
            "该证件号码无法用于本账号，请联系客服热线 12355",
            code="id_number_unavailable",
            extra={"field": "id_number"},
        )
    changed = (
        ident["name"] != volunteer.name
        or id_type != volunteer.id_type
        or index != volunteer.id_number_index
    )
    was_verified = volunteer.verification == Volunteer.Verification.VERIFIED
    before = {f: getattr(volunteer, f) for f in IDENTITY_RECORD_FIELDS}
    volunteer.name = ident["name"]
    volunteer.id_type = id_type
    volunteer.id_number = ident["id_number"]
    volunteer.id_number_index = index
    volunteer.id_expiry = id_expiry
    volunteer.gender = ident["gender"]
    volunteer.birth_date = ident["birth_date"]
    volunteer.nationality = ident["nationality"]
    fields = ["name", "id_type", "id_number", "id_number_index", "id_expiry", "gender"]
    fields += ["birth_date", "nationality"]
    if changed:
        result = get_backend().verify(
            id_type=id_type, id_number=ident["id_number"], name=ident["name"]
        )
        volunteer.verification = result.status
        volunteer.verification_note = result.note
        volunteer.verified_at = timezone.now() if result.status == "verified" else None
        fields += ["verification", "verification_note", "verified_at"]
    volunteer.save(update_fields=fields)
    notes: list[str] = []
    if any(getattr(volunteer, f) != before[f] for f in IDENTITY_RECORD_FIELDS):
        notes = [n for n in VOLUNTEER_IDENTITY_CORRECTED.collect(volunteer_id=volunteer.pk) if n]
    if changed and volunteer.verification == Volunteer.Verification.VERIFIED and not was_verified:
        VOLUNTEER_VERIFIED.fire(volunteer_id=volunteer.pk)
    audit_log_write(
        action=AuditAction.VOLUNTEER_CORRECT_IDENTITY,
        actor=actor,
        target=volunteer,
        data={
            "id_type": id_type,
            "id_number": mask_id_number(ident["id_number"]),
            "reverified": changed,
            "verification": volunteer.verification,
        },
    )
    return IdentityCorrected(volunteer=volunteer, notes=notes)


# --- password reset by SMS code ------------------------------------------------------------

RESET_CODE_MINUTES = 10
RESET_CODE_TRIES = 5
# At most this many codes per identifier per RESET_WINDOW, and per address.
RESET_PER_IDENTIFIER = 3
RESET_PER_ADDRESS = 10
RESET_WINDOW_SECONDS = 3600
RESET_SMS = (
    "您正在找回志愿者账号的密码，验证码 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。"
)
RESET_CODE_WRONG = "验证码不正确或已失效，请重新输入或重新获取验证码"


class ResetThrottled(ServiceError):
    code = "reset_throttled"
    http_status = 429
    default_message = "获取验证码过于频繁，请 1 小时后再试"


def _reset_code_hash(code_id: int, code: str) -> str:
    return crypto.blind_index(f"{code_id}:{code}", purpose="password_reset_code")


def _reset_throttle(key: str, limit: int) -> None:
    from django.core.cache import cache

    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        count = 1
    if count > limit:
        raise ResetThrottled()


@transaction.atomic
def password_reset_request(*, identifier: str, address: str = "") -> None:
    """Send a reset code by SMS to the mobile of the account ``identifier`` (username, ID
    number or mobile) names. The caller is never told whether it names one: the answer, the
    throttle and the time taken are the same."""
    from volunteers.backends import resolve_login
    from volunteers.models import PasswordResetCode

    typed = (identifier or "").strip()
    if not typed:
        raise ValidationFailed(
            "请输入用户名、证件号码或手机号码",
            code="identifier_required",
            extra={"field": "identifier"},
        )
    _reset_throttle(f"pwreset:addr:{address}", RESET_PER_ADDRESS)
    _reset_throttle(
        "pwreset:id:" + crypto.blind_index(typed.upper(), purpose="reset_throttle"),
        RESET_PER_IDENTIFIER,
    )
    user = resolve_login(typed)
    volunteer = Volunteer.objects.filter(user=user).first() if user is not None else None
    code = f"{secrets.randbelow(10**6):06d}"
    if volunteer is None or not user.is_active:
        make_password(code)  # about the same work as below
        return
    now = timezone.now()
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    row = PasswordResetCode.objects.create(
        user=user,
        code_hash="",
        created_at=now,
        expires_at=now + dt.timedelta(minutes=RESET_CODE_MINUTES),
    )
    row.code_hash = _reset_code_hash(row.pk, code)
    row.save(update_fields=["code_hash"])
    notify(
        user=user, text=RESET_SMS.format(code=code, minutes=RESET_CODE_MINUTES), channels=("sms",)
    )
    audit_log_write(action=AuditAction.PASSWORD_RESET_REQUEST, actor=user, target=row)


def password_reset_confirm(*, identifier: str, code: str, password: str) -> Any:
    """Set a new password with the code sent by ``password_reset_request``. A wrong, expired
    or used code, or an identifier with no account, get the same answer; the fifth wrong
    guess spends the code. Returns the user."""
    from volunteers.backends import resolve_login
    from volunteers.models import PasswordResetCode

    with transaction.atomic():
        user = resolve_login(identifier)
        row = None
        if user is not None:
            row = (
                PasswordResetCode.objects.select_for_update()
                .filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
                .order_by("-created_at", "-id")
                .first()
            )
        typed = "".join((code or "").split())
        if row is None:
            raise ValidationFailed(
                RESET_CODE_WRONG, code="reset_code_wrong", extra={"field": "code"}
            )
        if not secrets.compare_digest(row.code_hash, _reset_code_hash(row.pk, typed)):
            row.attempts += 1
            fields = ["attempts"]
            if row.attempts >= RESET_CODE_TRIES:
                row.used_at = timezone.now()
                fields.append("used_at")
            row.save(update_fields=fields)
            audit_log_write(
                action=AuditAction.PASSWORD_RESET_WRONG_CODE, actor=user, target=row,
                data={"attempts": row.attempts},
            )  # fmt: skip
            wrong = ValidationFailed(
                RESET_CODE_WRONG, code="reset_code_wrong", extra={"field": "code"}
            )
        else:
            wrong = None
    if wrong is not None:  # raised outside the block, so the counted attempt is kept
        raise wrong
    with transaction.atomic():
        row = PasswordResetCode.objects.select_for_update().get(pk=row.pk)
        if row.used_at is not None:
            raise ValidationFailed(
                RESET_CODE_WRONG, code="reset_code_wrong", extra={"field": "code"}
            )
        password_check(password=password, user=user)
        user.set_password(password)
        user.save(update_fields=["password"])
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
        audit_log_write(action=AuditAction.PASSWORD_RESET_CONFIRM, actor=user, target=row)
    return user
