"""After login each role lands on its own page; the header menu lists the pages every role
of the person opens."""

from __future__ import annotations

import pytest

from volunteers.models import OrganisationAdmin
from volunteers.tests.factories import (
    OrganisationFactory,
    UserFactory,
    hotline_user,
    make_volunteer,
    operations_user,
)

pytestmark = pytest.mark.django_db


def org_admin(user=None):
    user = user or UserFactory()
    OrganisationAdmin.objects.create(user=user, organisation=OrganisationFactory())
    return user


PEOPLE = {
    "volunteer": (lambda: make_volunteer().user, "/me/"),
    "org_admin": (org_admin, "/org/"),
    "hotline": (hotline_user, "/staff/hotline/"),
    "operations": (operations_user, "/staff/ops/"),
    "admin": (lambda: UserFactory(is_staff=True), "/admin/"),
    "superuser": (lambda: UserFactory(is_staff=True, is_superuser=True), "/admin/"),
    "nobody": (UserFactory, "/me/"),
}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_each_role_lands_on_its_page(client, who):
    make, page = PEOPLE[who]
    client.force_login(make())
    resp = client.get("/start/")
    assert resp.status_code == 302 and resp.url == page


def test_login_form_sends_staff_to_their_page_not_a_403(client):
    user = hotline_user()
    resp = client.post("/accounts/login/", {"username": user.username, "password": "pass-word-123"})
    assert resp.status_code == 302 and resp.url == "/start/"
    resp = client.get(resp.url, follow=True)
    assert resp.status_code == 200 and resp.redirect_chain[-1][0] == "/staff/hotline/"
    # From the home page too (the header's login link carries no next=/ there).
    assert client.get("/").url == "/staff/hotline/"


def _menu(client) -> str:
    html = client.get("/staff/hotline/").content.decode()
    return html.split('<nav id="site-nav">')[1].split("</nav>")[0]


def test_several_roles_land_on_the_most_specific_and_see_the_others(client):
    volunteer = make_volunteer()
    user = volunteer.user
    user.groups.add(*hotline_user().groups.all(), *operations_user().groups.all())
    org_admin(user)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get("/start/").url == "/staff/hotline/"
    nav = _menu(client)
    for url in ("/staff/hotline/", "/staff/ops/", "/staff/donations/", "/org/", "/admin/", "/me/"):
        assert f'href="{url}"' in nav, url


def test_menu_shows_only_the_pages_of_the_roles_held(client):
    client.force_login(hotline_user())
    nav = _menu(client)
    assert 'href="/staff/hotline/"' in nav
    for url in ("/staff/ops/", "/org/", "/admin/", "/me/"):
        assert f'href="{url}"' not in nav, url
    client.force_login(operations_user())
    html = client.get("/staff/ops/").content.decode()
    nav = html.split('<nav id="site-nav">')[1].split("</nav>")[0]
    assert 'href="/staff/ops/"' in nav and 'href="/staff/hotline/"' not in nav


def test_favicon(client):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html
    resp = client.get("/favicon.ico")
    assert resp.status_code == 301 and resp.url.endswith("core/favicon.svg")
