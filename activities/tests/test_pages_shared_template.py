"""The activity pages use the site's shared template (header, menu, styles, favicon), and
the star level reads the same everywhere."""

from __future__ import annotations

import pytest

from core.templatetags.stars import stars
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_activity_pages_extend_the_site_template(client):
    client.force_login(make_volunteer().user)
    for url in ("/activities/", "/activities/me/hours/"):
        html = client.get(url).content.decode()
        assert '<header class="site">' in html and "core/site.css" in html, url
        assert 'id="site-nav"' in html and 'rel="icon"' in html, url
        assert 'href="/me/"' in html  # the role menu
        assert "activities.css" not in html


@pytest.mark.parametrize(
    "level,shown", [(0, "暂无星级"), (None, "暂无星级"), (1, "★☆☆☆☆ 1星"), (5, "★★★★★ 5星")]
)
def test_star_filter(level, shown):
    assert stars(level) == shown
