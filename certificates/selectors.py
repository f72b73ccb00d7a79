"""Reads for certificates, with the caller's permissions applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, QuerySet, Sum

from activities.models import Activity, HoursEntry
from certificates import signing
from certificates.models import Certificate
from core.errors import Conflict, NotFound
from volunteers.models import Volunteer
from volunteers.roles import administered_org_ids
from volunteers.services import user_administers

NOT_YOURS = "未找到该志愿服务证明"


def counted_entries(
    *,
    volunteer: Volunteer | int,
    on: dt.date,
    scope: str,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    activity_id: int | None = None,
) -> QuerySet[HoursEntry]:
    """The hours a certificate of ``scope`` lists: credited and counted on ``on`` (the day it
    is issued), within the period (by the day served) or the one activity."""
    qs = HoursEntry.objects.filter(
        volunteer=volunteer, status=HoursEntry.Status.CREDITED, counts_from__lte=on
    )
    if scope == Certificate.Scope.PERIOD:
        qs = qs.filter(service_date__gte=period_start, service_date__lte=period_end)
    elif scope == Certificate.Scope.ACTIVITY:
        qs = qs.filter(activity_id=activity_id)
    return qs


def hours_by_activity(entries: QuerySet[HoursEntry]) -> list[dict[str, Any]]:
    """One row per activity and kind: name, organisation, first and last day, days, minutes."""
    return list(
        entries.order_by()
        .values(
            "activity_id",
            "kind",
            "activity__name",
            "activity__organisation_id",
            "activity__organisation__name",
        )
        .annotate(
            minutes=Sum("minutes"),
            days=Count("id"),
            first=Min("service_date"),
            last=Max("service_date"),
        )
        .order_by("first", "activity_id")
    )


def certifiable_activities(volunteer: Volunteer) -> QuerySet[Activity]:
    """Activities with hours of the volunteer counted today: the choices of a one-activity
    certificate."""
    from django.utils import timezone

    ids = (
        HoursEntry.objects.filter(
            volunteer=volunteer,
            status=HoursEntry.Status.CREDITED,
            counts_from__lte=timezone.localdate(),
        )
        .values("activity_id")
        .distinct()
    )
    return Activity.objects.filter(pk__in=ids).select_related("organisation").order_by("-id")


def my_certificates(volunteer: Volunteer) -> QuerySet[Certificate]:
    """The volunteer's own certificates, newest first (the PDF bytes left unread)."""
    return (
        Certificate.objects.filter(volunteer=volunteer)
        .select_related("activity")
        .defer("pdf", "content")
    )


def my_certificate(*, volunteer: Volunteer | None, certificate_id: int) -> Certificate:
    """One of the volunteer's own certificates; anyone else's is not found."""
    cert = (
        Certificate.objects.filter(pk=certificate_id, volunteer=volunteer)
        .select_related("activity")
        .defer("pdf")
        .first()
        if volunteer is not None
        else None
    )
    if cert is None:
        raise NotFound(NOT_YOURS)
    return cert


def my_certificate_pdf(*, volunteer: Volunteer | None, certificate_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the volunteer's own ready certificate."""
    cert = (
        Certificate.objects.filter(pk=certificate_id, volunteer=volunteer).first()
        if volunteer is not None
        else None
    )
    if cert is None:
        raise NotFound(NOT_YOURS)
    if cert.status == Certificate.Status.REVOKED:
        raise Conflict("该证明已被撤销，不能再下载", code="certificate_revoked")
    if cert.status != Certificate.Status.READY or not cert.pdf:
        raise Conflict("证明尚未生成，请稍后再试", code="certificate_not_ready")
    return f"{cert.number}.pdf", bytes(cert.pdf)


def public_content(content: dict[str, Any]) -> dict[str, Any]:
    """What the public page and API show: the certificate's content with the name masked (the
    PDF in the holder's hands has it in full; the digest covers both)."""
    shown = {k: v for k, v in content.items() if k != "name"}
    return shown


@dataclass(frozen=True, slots=True)
class Verified:
    certificate: Certificate
    claim: signing.CertClaim
    content: dict[str, Any]  # as public_content
    revoked: bool


def certificate_verify(token: str) -> Verified:
    """The certificate a QR token names, checked against the signature and the stored digest.
    Every failure is the same NotFound (InvalidCertificateToken)."""
    claim = signing.verify_token(token)
    cert = (
        Certificate.objects.filter(
            pk=claim.certificate_id,
            status__in=[Certificate.Status.READY, Certificate.Status.REVOKED],
        )
        .defer("pdf")
        .select_related("volunteer")
        .first()
    )
    if (
        cert is None
        or cert.volunteer.volunteer_no != claim.volunteer_no
        or not cert.content_digest.startswith(claim.content_digest)
        or signing.content_digest(cert.content) != cert.content_digest
    ):
        raise signing.InvalidCertificateToken(extra={"reason": "no_such_certificate"})
    return Verified(
        certificate=cert,
        claim=claim,
        content=public_content(cert.content),
        revoked=cert.status == Certificate.Status.REVOKED,
    )


def may_revoke(user: Any, certificate: Certificate) -> bool:
    """True when the user administers (directly or above) an organisation on the certificate."""
    if not administered_org_ids(user):
        return False
    return any(user_administers(user, org) for org in certificate.organisations.all())
