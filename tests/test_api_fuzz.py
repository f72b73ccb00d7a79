"""No input gives a 5xx: every operation of the OpenAPI schema is fuzzed by schemathesis
(valid and invalid data, boundary values) against the Django WSGI app, on the real database,
as a user who holds every role (volunteer, organisation admin, hotline, operations,
superuser) so that the most operations get past their permission checks. Ids in paths and
bodies are drawn half of the time from rows that exist, so that the services are reached.

The examples are derandomized so that CI is stable; their number is high enough that the
known 500s (huge integers and limits, year 0001/9999 dates, NUL bytes, non-ASCII digits) are
found when their fix is reverted."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

_CSRF = secrets.token_hex(16)
# Filled by the fixture: the ids of the rows it made, by parameter name.
KNOWN: dict[str, list[Any]] = {}


def _with_known(values: dict[str, Any] | None) -> st.SearchStrategy:
    if not isinstance(values, dict):
        return st.just(values)
    keys = [k for k in values if KNOWN.get(k)]
    if not keys:
        return st.just(values)
    return st.fixed_dictionaries(
        {k: st.one_of(st.just(values[k]), st.sampled_from(KNOWN[k])) for k in keys}
    ).map(lambda drawn: {**values, **drawn})


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _with_known(path_parameters)


@schema.hook
def flatmap_body(context, body):
    return _with_known(body)


@pytest.fixture
def everyone(db):
    """A volunteer who also administers the root organisation, answers the hotline, runs
    operations and is a superuser, an activity with a sign-up; returns the cookies and
    headers of the session."""
    from django.contrib.auth.models import Group

    from activities import services as activity_services
    from volunteers.models import Organisation
    from volunteers.roles import HOTLINE_GROUP, OPERATIONS_GROUP
    from volunteers.services import organisation_admin_add
    from volunteers.tests.factories import OrganisationFactory, make_volunteer

    root = OrganisationFactory(name="广东省志愿者联合会", kind=Organisation.Kind.FEDERATION)
    org = OrganisationFactory(name="测试组织", parent=root)
    volunteer = make_volunteer(organisations=[org])
    signer = make_volunteer(organisations=[org], name="王五")
    other = make_volunteer(organisations=[org], approve=False, name="李四")
    user = volunteer.user
    type(user).objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    for name in (HOTLINE_GROUP, OPERATIONS_GROUP):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    organisation_admin_add(organisation=root, user=user)
    user.refresh_from_db()
    activity = activity_services.activity_create(
        admin=user,
        organisation=org,
        name="社区服务",
        days=[(dt.date.today() + dt.timedelta(days=1), dt.time(9), dt.time(12))],
        places=10,
        address="广州市天河区珠江东路4号",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
    )
    activity_services.activity_change_status(
        admin=user, activity_id=activity.pk, status="published"
    )
    signup = activity_services.signup_create(volunteer=signer, activity_id=activity.pk)
    KNOWN.clear()
    KNOWN.update(
        organisation_id=[root.pk, org.pk],
        volunteer_id=[volunteer.pk, signer.pk, other.pk],
        activity_id=[activity.pk],
        day_id=list(activity.days.values_list("pk", flat=True)),
        signup_id=[signup.pk],
        membership_id=list(other.memberships.values_list("pk", flat=True)),
    )

    login = Client()
    login.force_login(user)
    # The WSGI handler would close the test transaction's connection after each request, as
    # Django's own test client knows; keep it open for the duration of the test.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "cookies": {"sessionid": login.cookies["sessionid"].value, "csrftoken": _CSRF},
        "headers": {"X-CSRFToken": _CSRF},
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    KNOWN.clear()


@schema.parametrize()
@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gives_a_server_error(case, everyone):
    response = case.call(headers=everyone["headers"], cookies=everyone["cookies"])
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}:\n"
        f"{response.text[:2000]}\n\nreproduce: {case.as_curl_command()}"
    )
