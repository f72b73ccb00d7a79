"""core.fast against its plain-ORM and plain-DRF equivalents: the same rows, the same JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.fast import audit_insert, label, representation
from core.models import AuditLog
from volunteers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["actor_id", "actor_label", "action", "target_type", "target_id", "reason", "data"]


def _row(**kw) -> AuditLog:
    return AuditLog(
        actor=kw.get("actor"), actor_label="hl", action="hotline_lookup",
        target_type="volunteers.volunteer", target_id="42", reason="来电查询",
        data={"id_number": "4401**********0012", "found": True},
    )  # fmt: skip


def test_the_audit_insert_stores_what_save_stores():
    user = UserFactory()
    fast, plain = _row(actor=user), _row(actor=user)
    before = timezone.now()
    audit_insert(fast)
    plain.save()  # the plain-ORM equivalent
    stored = AuditLog.objects.filter(pk__in=[fast.pk, plain.pk]).order_by("id")
    a, b = (AuditLog.objects.values(*COLUMNS).get(pk=r.pk) for r in stored)
    assert a == b
    assert fast.pk and not fast._state.adding
    assert all(r.at >= before for r in stored)


def test_the_audit_insert_keeps_the_log_append_only():
    row = _row()
    audit_insert(row)
    with pytest.raises(TypeError):
        audit_insert(row)  # a saved row is never written again
    row.reason = "改写"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=row.pk).update(reason="改写")
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).reason == "来电查询"


class Inner(serializers.Serializer):
    code = serializers.CharField()
    when = serializers.DateField(allow_null=True)


class Outer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    number = serializers.IntegerField()
    flag = serializers.BooleanField()
    at = serializers.DateTimeField()
    day = serializers.DateField()
    amount = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    choice = serializers.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    renamed = serializers.CharField(source="other")
    mapping = serializers.DictField(child=serializers.CharField())
    words = serializers.ListField(child=serializers.CharField())
    inner = Inner(allow_null=True)
    rows = Inner(many=True)
    secret = serializers.CharField(write_only=True, required=False)


def _sample(**changes) -> dict:
    at = timezone.localtime(timezone.make_aware(dt.datetime(2026, 12, 3, 9, 30, 15, 120000)))
    data = {
        "text": "志愿者", "number": 7, "flag": True, "at": at, "day": dt.date(2026, 12, 3),
        "amount": Decimal("12.34"), "choice": "a", "other": 5, "mapping": {"BOC": "95566"},
        "words": ["甲", 2], "inner": {"code": "X", "when": None},
        "rows": [{"code": "Y", "when": dt.date(2026, 1, 2)}], "secret": "never shown",
        "extra": "not a field",
    }  # fmt: skip
    return {**data, **changes}


@pytest.mark.parametrize(
    "data",
    [_sample(), _sample(inner=None, amount=None, rows=[], text=""), _sample(flag=0, number="8")],
)
def test_a_compiled_serializer_answers_what_drf_answers(data):
    render = JSONRenderer().render
    assert render(representation(Outer)(data)) == render(Outer(data).data)


def test_a_dict_without_a_field_or_an_object_goes_to_drf():
    data = _sample()
    del data["day"]
    with pytest.raises(KeyError):  # what DRF does with a required field missing from a dict
        representation(Outer)(data)
    brief = representation(Inner)

    class Obj:
        code = "Z"
        when = dt.date(2026, 5, 1)

    assert brief(Obj()) == Inner(Obj()).data


def test_a_label_is_what_get_foo_display_answers_in_every_language():
    from card_service.models import CardApplication, CardEvent, CardStatus

    app = CardApplication()
    event = CardEvent()
    pairs = [
        (CardStatus, app, "status"),
        (CardApplication.ApplyType, app, "apply_type"),
        (CardApplication.Product, app, "product"),
        (CardApplication.Delivery, app, "delivery"),
        (CardApplication.FeePayer, app, "fee_payer"),
        (CardEvent.Source, event, "source"),
    ]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for choices, obj, name in pairs:
                for value in [*choices.values, "no-such-value"]:
                    setattr(obj, name, value)
                    assert label(choices, value) == getattr(obj, f"get_{name}_display")()
                    if value in choices.values:
                        assert label(choices, value) == str(choices(value).label)
