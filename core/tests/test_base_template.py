"""One base: every page of the service is built on templates/base.html, which alone writes
the page skeleton and loads the site's styles and scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from volunteers import services as volunteer_services
from volunteers.tests.factories import make_volunteer

BASE = Path(settings.BASE_DIR)
# The demo identity provider stands for another site (the 一号通 login), not this service.
OTHER_SITES = {"idp/templates/registration/login.html"}


def _templates() -> list[Path]:
    return [
        p
        for p in sorted(BASE.glob("**/templates/**/*.html"))
        if ".venv" not in p.parts and "node_modules" not in p.parts
    ]


def test_only_the_site_base_writes_a_page_skeleton_or_loads_the_sites_assets():
    skeleton = re.compile(r"<!doctype|<html|<body|<head>", re.IGNORECASE)
    site_assets = re.compile(r"core/site\.(css|js)|core/menu\.js")
    found = _templates()
    assert BASE / "templates/base.html" in found
    for path in found:
        where = str(path.relative_to(BASE))
        if where in ("templates/base.html", *OTHER_SITES):
            continue
        text = path.read_text(encoding="utf-8")
        assert not skeleton.search(text), f"{where} writes its own page skeleton"
        assert not site_assets.search(text), f"{where} loads what the base loads"
    names = [str(p.relative_to(BASE)) for p in found if p.name == "base.html"]
    assert names == ["templates/base.html"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "activity-list-page",
        "my-hours-page",
        "help-index",
        "help-contact",
        "my-uniform-page",
        "org-home",
    ],
)
def test_the_apps_pages_have_the_sites_header_menu_styles_and_script(client, url):
    volunteer = make_volunteer()
    organisation = volunteer.memberships.first().organisation
    volunteer_services.organisation_admin_add(organisation=organisation, user=volunteer.user)
    client.force_login(volunteer.user)
    response = client.get(reverse(url), follow=True)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert '<header class="site">' in html and 'id="site-nav"' in html
    assert html.count("<html") == 1 and html.count("core/site.css") == 1
    assert html.count("core/site.js") == 1
