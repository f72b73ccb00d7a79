"""Fixtures of the help centre tests: uploads in a temporary MEDIA_ROOT, the demo's
insurance-terms PDFs, and clients for operations and for staff without the role."""

from __future__ import annotations

import pytest
from django.test import Client

from volunteers.tests.factories import UserFactory, operations_user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def terms(db):
    """The demo's three PDFs (BOC, CEB, ICBC), published as operations would."""
    from helpcentre import demo
    from helpcentre.models import Download

    demo.seed()
    return {d.bank_id: d for d in Download.objects.all()}


@pytest.fixture
def ops(db):
    return operations_user(username="ops1", is_staff=True)


@pytest.fixture
def ops_client(ops) -> Client:
    c = Client()
    c.force_login(ops)
    return c


@pytest.fixture
def staff_client(db) -> Client:
    """Staff, but not operations: the help centre's admin is not theirs."""
    c = Client()
    c.force_login(UserFactory(username="clerk", is_staff=True))
    return c
