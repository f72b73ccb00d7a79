"""The existing pages in a real browser: each loads without a console error or horizontal
scroll at both widths."""

from __future__ import annotations


def test_login_form_takes_the_volunteer_to_their_profile(web, roles):
    page = web.page()
    web.visit(page, "/accounts/login/?next=/me/", "login")
    page.fill("#id_username", roles["volunteer_user"].username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    assert page.locator("h1").inner_text() == "个人中心"
    web.check(page, "me")


def test_the_volunteers_pages_load(web, roles):
    page = web.page(roles["volunteer_user"])
    web.visit(page, "/me/card/", "card-progress")
    web.visit(page, "/activities/", "activity-list")
    web.visit(page, "/activities/me/hours/", "my-hours")


def test_a_console_error_fails_the_page(web, roles):
    """The harness itself: a page whose script throws is reported, not passed."""
    import pytest

    from tests.browser.conftest import PageProblems

    page = web.page()
    web.visit(page, "/accounts/login/", "login")
    # Through the DevTools protocol, which the page's Content-Security-Policy does not govern:
    # an error thrown later in the page is an uncaught page error, as a broken script's is.
    page.evaluate("setTimeout(() => { throw new Error('boom'); })")
    page.wait_for_timeout(100)
    with pytest.raises(PageProblems, match="boom"):
        web.check(page, "broken", shot=False)


def test_horizontal_scroll_fails_the_page(web, roles):
    import pytest

    page = web.page()
    web.visit(page, "/accounts/login/", "login")
    page.evaluate(
        "() => { const d = document.createElement('div'); d.style.width = '2000px';"
        " d.textContent = 'x'; document.body.append(d); }"
    )
    with pytest.raises(AssertionError, match="horizontal scroll"):
        web.check(page, "too-wide", shot=False)
