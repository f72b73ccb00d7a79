"""Demo data for insurance: the coverage years of every demo card, and for each activated
card that has no policy from its bank yet a policy for its first coverage year, as the
bank's POLICY file would bring it (later years are left to the reconciliation page to show
as missing). Running it twice changes nothing."""

from __future__ import annotations

from card_service.models import CardApplication
from insurance.coverage import local_date, year_bounds
from insurance.directory import insurer_for_bank
from insurance.models import Policy
from insurance.services import coverage_years_rebuild


def seed() -> str:
    made = 0
    # A card the (simulated) bank already sent a POLICY for keeps that one: a demo policy
    # beside it would be a second policy for the same volunteer and year.
    activated = (
        CardApplication.objects.filter(activated_at__isnull=False, card_ref__isnull=False)
        .exclude(policies__in=Policy.objects.exclude(policy_no__startswith="DEMO"))
        .order_by("volunteer_id", "activated_at")
    )
    seen: set[int] = set()
    for app in activated:
        if app.volunteer_id in seen:
            continue
        seen.add(app.volunteer_id)
        insurer = insurer_for_bank(app.bank_id)
        if insurer is None:
            continue
        start, end = year_bounds(local_date(app.activated_at), 0)
        _, created = Policy.objects.get_or_create(
            bank_id=app.bank_id,
            policy_no=f"DEMO{app.pk:010d}",
            defaults={
                "application": app,
                "volunteer_id": app.volunteer_id,
                "insurer": insurer.code,
                "coverage_start": start,
                "coverage_end": end,
                "status": Policy.Status.IN_FORCE,
                "source_file": "demo",
            },
        )
        made += created
    years = coverage_years_rebuild()
    return f"{years} coverage years computed, {made} demo policies; hotline login: hotline"
