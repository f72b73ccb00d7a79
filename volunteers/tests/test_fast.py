"""volunteers.fast against its plain-ORM equivalents: the same users, tokens and volunteers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from volunteers.fast import first_volunteer, token_owner
from volunteers.models import ApiToken, Volunteer
from volunteers.roles import HOTLINE_GROUP, OPERATIONS_GROUP
from volunteers.services import api_token_issue
from volunteers.tests.factories import UserFactory, make_volunteer

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _orm_owner(key_hash: str, now: dt.datetime):
    """The plain-ORM token check: the token with its user, then the user's groups."""
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
    if token is None:
        return None
    groups = sorted(token.user.groups.values_list("name", flat=True))
    return _fields(token.user), token.pk, token.expires_at > now, groups


@pytest.mark.parametrize("groups", [[], [HOTLINE_GROUP], [HOTLINE_GROUP, OPERATIONS_GROUP]])
def test_the_token_check_reads_what_the_orm_reads(groups):
    user = UserFactory(groups=groups, first_name="小明")
    _, key = api_token_issue(user=user)
    key_hash = ApiToken.hash_key(key)
    for now in (timezone.now(), timezone.now() + dt.timedelta(days=365)):  # live, expired
        owner = token_owner(key_hash, now=now)
        got = (_fields(owner.user), owner.token_id, owner.live, sorted(owner.groups))
        assert got == _orm_owner(key_hash, now)
        assert isinstance(owner.user, get_user_model())
    assert token_owner(ApiToken.hash_key("0" * 40), now=timezone.now()) is None
    assert _orm_owner(ApiToken.hash_key("0" * 40), timezone.now()) is None


@pytest.mark.parametrize("column", ["user_id", "volunteer_no", "id_number_index"])
def test_a_volunteer_read_by_a_unique_column_is_the_orms(column):
    volunteers = [make_volunteer() for _ in range(3)]
    missing = 0 if column == "user_id" else "no such value"
    values = [getattr(v, column) for v in volunteers[1:]] + [missing]
    plain = Volunteer.objects.filter(**{f"{column}__in": values}).order_by("id").first()
    found = first_volunteer(column, values)
    assert _fields(found) == _fields(plain)
    assert found.id_number == volunteers[1].id_number  # decrypted, as the ORM does
    assert not found._state.adding
    assert first_volunteer(column, [missing]) is None


def test_only_unique_columns_are_read_this_way():
    with pytest.raises(ValueError):
        first_volunteer("name", ["张三"])
