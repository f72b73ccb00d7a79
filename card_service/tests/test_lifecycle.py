import datetime as dt

import pytest
from django.utils import timezone

from card_service.lifecycle import TRANSITIONS, transition
from card_service.models import CardApplication, CardEvent, CardStatus
from card_service.tests.helpers import submit
from core.errors import IllegalTransition, ServiceError
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]


@pytest.fixture
def app():
    return submit(make_volunteer())


def put(app: CardApplication, status: str) -> CardApplication:
    CardApplication.objects.filter(pk=app.pk).update(status=status)
    app.refresh_from_db()
    return app


@pytest.mark.parametrize(("src", "dst"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_legal_transition_moves_and_records_an_event(app, src, dst):
    put(app, src)
    before = app.events.count()
    assert transition(app, dst, source=CardEvent.Source.BANK_FILE, source_ref="X_EVENT_1") is True
    app.refresh_from_db()
    assert app.status == dst
    event = app.events.order_by("-id").first()
    assert app.events.count() == before + 1
    assert (event.from_status, event.to_status, event.source) == (src, dst, "bank_file")
    assert event.at is not None


ILLEGAL = [
    (CardStatus.SUBMITTED, CardStatus.ACTIVATED),
    (CardStatus.SENT, CardStatus.PRODUCED),
    (CardStatus.AT_BRANCH, CardStatus.ACTIVATED),
    (CardStatus.CANCELLED, CardStatus.ACTIVATED),
    (CardStatus.REJECTED, CardStatus.ACCEPTED),
    (CardStatus.ACTIVATED, CardStatus.SENT),
]


@pytest.mark.parametrize(("src", "dst"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transitions_are_refused_and_change_nothing(app, src, dst):
    put(app, src)
    before = app.events.count()
    with pytest.raises(IllegalTransition) as e:
        transition(app, dst, source=CardEvent.Source.ADMIN)
    assert "不能变更为" in e.value.message
    app.refresh_from_db()
    assert app.status == src and app.events.count() == before


def test_a_replayed_transition_does_nothing(app):
    put(app, CardStatus.SENT)
    assert transition(app, CardStatus.ACCEPTED, source="bank_file", changes={"card_ref": "R1"})
    n = app.events.count()
    assert (
        transition(app, CardStatus.ACCEPTED, source="bank_file", changes={"card_ref": "R1"})
        is False
    )
    assert app.events.count() == n


def aware(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def test_reapply_three_working_days_after_cancellation_across_national_day_and_a_make_up_day():
    """Cancelled Wed 2026-09-30. 1–7 Oct are holidays, Sat 10 Oct is a make-up working day:
    the 3 working days are 8, 9 and 10 Oct, so a new application opens on Sun 11 Oct."""
    v = make_volunteer()
    app = submit(v, now=aware(2026, 6, 1))
    CardApplication.objects.filter(pk=app.pk).update(
        status=CardStatus.CANCELLED, cancelled_at=aware(2026, 9, 30, 15), card_ref="REF1"
    )
    with pytest.raises(ServiceError) as e:
        submit(v, now=aware(2026, 10, 10, 20))
    assert e.value.code == "reapply_too_soon"
    assert "2026-10-11" in e.value.message
    new = submit(v, now=aware(2026, 10, 11, 9))
    assert new.apply_type == CardApplication.ApplyType.REPLACEMENT
    assert new.fee_payer == CardApplication.FeePayer.VOLUNTEER


def test_reapply_in_a_normal_week():
    v = make_volunteer()
    app = submit(v, now=aware(2026, 6, 1))
    CardApplication.objects.filter(pk=app.pk).update(
        status=CardStatus.CANCELLED, cancelled_at=aware(2026, 11, 23, 9), card_ref="REF2"
    )
    with pytest.raises(ServiceError):
        submit(v, now=aware(2026, 11, 26, 23))
    assert submit(v, now=aware(2026, 11, 27, 0)).card_serial == 2
