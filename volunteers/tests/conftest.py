"""The activities tests' organisation tree with admins and their activity helpers, for the
organisation pages' tests (test_org_pages.py)."""

from activities.tests.conftest import publish, ready, world  # noqa: F401
