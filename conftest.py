"""Project-wide pytest fixtures."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counters live in the cache and outlive a test's transaction: each test
    starts with none (axes' failed-login rows are database rows, rolled back as usual)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient authenticated as ``user``."""

    def make(user) -> APIClient:
        c = APIClient()
        c.force_authenticate(user=user)
        return c

    return make


@pytest.fixture
def org_tree(db):
    """The manual's example: A (a city federation) with B under it."""
    from volunteers.models import Organisation
    from volunteers.tests.factories import OrganisationFactory

    province = OrganisationFactory(name="广东省志愿者联合会", kind=Organisation.Kind.FEDERATION)
    a = OrganisationFactory(name="A组织", kind=Organisation.Kind.CITY, parent=province)
    b = OrganisationFactory(name="B组织", parent=a)
    c = OrganisationFactory(name="C组织", parent=province)
    return {"province": province, "A": a, "B": b, "C": c}
