"""The Django admin finds a volunteer by the full ID number or mobile (blind index)."""

from __future__ import annotations

import pytest

from volunteers.tests.factories import UserFactory, make_volunteer

pytestmark = pytest.mark.django_db


def test_admin_finds_a_volunteer_by_full_id_number_only(client):
    v = make_volunteer(name="王五")
    other = make_volunteer(name="赵六")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/volunteers/volunteer/", {"q": v.id_number}).content.decode()
    assert v.volunteer_no in html and other.volunteer_no not in html
    html = client.get("/admin/volunteers/volunteer/", {"q": v.id_number.lower()}).content.decode()
    assert v.volunteer_no in html  # a lower-case x still finds it (normalised)
    html = client.get("/admin/volunteers/volunteer/", {"q": v.id_number[:10]}).content.decode()
    assert v.volunteer_no not in html  # no partial match on personal data
    html = client.get("/admin/volunteers/volunteer/", {"q": other.mobile}).content.decode()
    assert other.volunteer_no in html and v.volunteer_no not in html
    assert v.id_number not in html  # still shown masked
