"""The console tests' world: the manual's organisation tree with an admin of A (and so of B
below it) and an admin of C."""

import pytest

from volunteers import services as volunteer_services
from volunteers.tests.factories import UserFactory


@pytest.fixture
def world(org_tree):
    admin_a, admin_c = UserFactory(username="admin_a"), UserFactory(username="admin_c")
    volunteer_services.organisation_admin_add(organisation=org_tree["A"], user=admin_a)
    volunteer_services.organisation_admin_add(organisation=org_tree["C"], user=admin_c)
    return {**org_tree, "admin_a": admin_a, "admin_c": admin_c}
