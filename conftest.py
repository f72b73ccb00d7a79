"""Project-wide pytest fixtures."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

# The exchange's demo PKI, real sshd and partners file, for every app that sends files.
pytest_plugins = ["bank_adapters.tests.fixtures"]


@pytest.fixture(autouse=True)
def _working_day_cache():
    """Each test reads the working-day calendar afresh: a rolled-back test's rows (which send
    no signal when they vanish) must not stay in the per-process cache."""
    from core.workdays import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying every table, the rows that data migrations load
    included (the working-day calendar, the banks and branches, the help centre's questions):
    load them again for the tests after it. (``serialized_rollback`` would restore them at the
    next test's set-up and clash with these.)"""
    yield
    # nextitem None: the session's fixtures, the test database among them, are gone by now.
    if nextitem is None or not _is_transactional(item):
        return
    from pytest_django.plugin import blocking_manager_key

    from card_service.directory import load_directory
    from core.workdays import calendar_seed_from_package
    from helpcentre.services import faq_seed

    with item.config.stash[blocking_manager_key].unblock():
        calendar_seed_from_package()
        load_directory()
        faq_seed()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


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


@pytest.fixture(autouse=True)
def _hours_disclosure_off(settings):
    """The suites written before 时长公示 test the delay rules alone: no disclosure period.
    The disclosure tests (activities/tests/test_disclosure*.py) set the days they test."""
    settings.HOURS_DISCLOSURE_DAYS = 0
