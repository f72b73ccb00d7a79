"""card_service.fast against its plain-ORM equivalent, and the card progress answered through
the compiled serializer against DRF's own."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from card_service.fast import applications_with_events
from card_service.models import CardApplication, CardEvent
from card_service.selectors import card_progress
from card_service.serializers import CardProgressSerializer
from card_service.tests.helpers import submit
from core.fast import representation
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

DEFERRED = {"apply_record", "guardian_id_number"}


def _fields(obj, skip=()) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.name not in skip
    }


def _history(volunteer) -> list:
    """Three applications: a withdrawn one mailed, a rejected one, an open one at a branch."""
    mailed = submit(volunteer, product="C", bank_code="CEB")
    CardApplication.objects.filter(pk=mailed.pk).update(status="withdrawn")
    rejected = submit(volunteer, bank_code="ICBC")
    at = timezone.now()
    for to in ("sent", "rejected"):
        CardEvent.objects.create(
            application=rejected, from_status="", to_status=to, at=at, source="bank_file",
            note="银行退回",
        )  # fmt: skip
    CardApplication.objects.filter(pk=rejected.pk).update(status="rejected", reason_code="1001")
    return [mailed, rejected, submit(volunteer)]


def test_the_cards_and_timelines_are_the_orms():
    volunteer = make_volunteer()
    _history(volunteer)
    _history(make_volunteer())  # other people's cards stay out
    plain = list(
        CardApplication.objects.filter(volunteer=volunteer)
        .defer(*DEFERRED)
        .select_related("bank", "branch")
        .prefetch_related("events")
        .order_by("-applied_at", "-id")[:20]
    )
    fast = applications_with_events(volunteer.pk, limit=20)
    assert len(fast) == len(plain) == 3
    for (app, events), want in zip(fast, plain, strict=True):
        assert _fields(app, DEFERRED) == _fields(want, DEFERRED)
        assert _fields(app.bank) == _fields(want.bank)
        assert (app.branch and _fields(app.branch)) == (want.branch and _fields(want.branch))
        assert [_fields(e) for e in events] == [_fields(e) for e in want.events.all()]
        assert app.mail_address == want.mail_address  # decrypted, as the ORM does
    assert [a.pk for a, _ in applications_with_events(volunteer.pk, limit=2)] == [
        a.pk for a in plain[:2]
    ]
    assert applications_with_events(0) == []


def test_the_progress_answer_is_drfs():
    volunteer = make_volunteer()
    render = JSONRenderer().render
    empty = card_progress(volunteer)
    assert render(representation(CardProgressSerializer)(empty)) == render(
        CardProgressSerializer(empty).data
    )
    _history(volunteer)
    progress = card_progress(volunteer)
    assert progress["current"]["timeline"] and progress["history"]
    assert render(representation(CardProgressSerializer)(progress)) == render(
        CardProgressSerializer(progress).data
    )
