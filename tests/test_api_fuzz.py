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
import os
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
if os.environ.get("FUZZ_PATHS"):  # e.g. FUZZ_PATHS=organisations: a part of the API only
    schema = schema.include(path_regex=os.environ["FUZZ_PATHS"])

_CSRF = secrets.token_hex(16)
# Filled by the fixture: the ids of the rows it made, by parameter name.
KNOWN: dict[str, list[Any]] = {}


# Values that broke parsers before: non-ASCII digits (str.isdigit says yes, int() says no),
# integers beyond bigint, NUL characters (PostgreSQL refuses them), years that overflow
# date arithmetic or cannot be written with four digits.
NASTY = [
    "²",
    "٣",
    "9" * 30,
    "-" + "9" * 30,
    10**30,
    -(10**30),
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
]


def _with_known(values: dict[str, Any]) -> st.SearchStrategy:
    keys = [k for k in values if KNOWN.get(k)]
    if not keys:
        return st.just(values)
    return st.fixed_dictionaries(
        {k: st.one_of(st.just(values[k]), st.sampled_from(KNOWN[k])) for k in keys}
    ).map(lambda drawn: {**values, **drawn})


def _one_nasty(values: dict[str, Any], names: list[str]) -> st.SearchStrategy:
    """The values as generated or, two times in three, with one of ``names`` (generated or
    only declared) set to a known-bad value: the others stay valid, so the bad one gets past
    validation if anything lets it."""
    if not names:
        return st.just(values)
    mutated = st.tuples(st.sampled_from(sorted(names)), st.sampled_from(NASTY)).map(
        lambda pair: {**values, pair[0]: pair[1]}
    )
    return st.one_of(st.just(values), mutated, mutated)


def _adversarial(values: Any, declared: list[str] = ()) -> st.SearchStrategy:
    if not isinstance(values, dict):
        return st.just(values)
    names = sorted(set(values) | set(declared))
    return _with_known(values).flatmap(lambda v: _one_nasty(v, names))


def _declared(context, location: str) -> list[str]:
    operation = getattr(context, "operation", None)
    return [p.name for p in getattr(operation, location, None) or []]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _adversarial(path_parameters, _declared(context, "path_parameters"))


@schema.hook
def flatmap_query(context, query):
    return _adversarial(query or {}, _declared(context, "query"))


@schema.hook
def flatmap_body(context, body):
    return _adversarial(body)


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
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
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


OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_known_bad_values_in_every_parameter(operation, everyone):
    """The sweep the fuzzer may miss: every known-bad value in every query and path
    parameter of every operation, the other path parameters set to rows that exist."""
    path = {p.name: (KNOWN.get(p.name) or [1])[0] for p in operation.path_parameters}
    for location in ("path_parameters", "query"):
        for param in getattr(operation, location):
            for value in NASTY:
                if location == "query":
                    case = operation.Case(path_parameters=path, query={param.name: value})
                else:
                    case = operation.Case(path_parameters={**path, param.name: value})
                response = case.call(headers=everyone["headers"], cookies=everyone["cookies"])
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} answered {response.status_code}: "
                    f"{response.text[:500]}\n\nreproduce: {case.as_curl_command()}"
                )
