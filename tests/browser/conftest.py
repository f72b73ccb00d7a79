"""The browser test harness: Playwright driving Debian's chromium against a live server.

Every page a test visits through ``web.visit()`` (or checks with ``web.check()``) must load
without a console error (a CSP violation, a failed static file or a JS exception all count)
and without horizontal scroll, at the desktop and the phone width; each test runs at both.
``./bin/shots`` (``BROWSER_SHOTS=1``) also writes a full-page screenshot of every checked
page to ``var/shots/<name>-<width>.png`` for a reviewer.

The browser is never downloaded: the tests use ``/usr/bin/chromium`` (``.ci/run`` installs
Debian's package) and are skipped with a reason where it is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = os.environ.get("BROWSER_SHOTS", "") not in ("", "0")
SHOTS_DIR = Path(settings.VAR_DIR) / "shots"

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls
# (fixtures, asserts) are synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (Debian package `chromium`)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": LAUNCH_ARGS,
    }


@pytest.fixture(autouse=True)
def _bank_directory(transactional_db: Any) -> None:
    """The live server needs a transactional database, whose flush after each test also
    empties the banks and branches a data migration loaded: load them again. (pytest-django
    runs transactional tests after all the others, so those still find them.)"""
    from card_service.directory import load_directory

    load_directory()


class PageProblems(AssertionError):
    pass


def fill_form(page: Any, values: dict[str, str]) -> None:
    """Type each value into the field ``#id_<name>`` (choosing it in a <select>)."""
    for name, value in values.items():
        field = page.locator(f"#id_{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


# What every registration in these tests types besides the person's own details.
REGISTRATION = {
    "id_expiry": "2099-01-01",
    "city_code": "440100",
    "password": "Kapok-flower-2026",
    "password2": "Kapok-flower-2026",
}


class Web:
    """One test's browser at one width: pages logged in as a user, each checked."""

    def __init__(self, *, browser: Any, base_url: str, width_name: str, request: Any) -> None:
        self.browser = browser
        self.base_url = base_url
        self.width_name = width_name
        self.viewport = VIEWPORTS[width_name]
        self.errors: list[str] = []
        self.contexts: list[Any] = []
        self.request = request

    def page(self, user: Any = None) -> Any:
        """A new browser tab (own cookies) logged in as ``user`` (anonymous when None)."""
        context = self.browser.new_context(
            viewport=self.viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=self.base_url,
        )
        self.contexts.append(context)
        if user is not None:
            from django.test import Client

            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"{page.url}: {m.text}"),
        )
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        return page

    def login(self, user: Any, name: str, password: str = "pass-word-123") -> Any:
        """A new tab where ``user`` logs in on the login page (checked as ``login-<name>``);
        the caller waits for where the login leads."""
        page = self.page()
        self.visit(page, "/accounts/login/", f"login-{name}")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        return page

    def visit(self, page: Any, path: str, name: str) -> Any:
        response = page.goto(path)
        assert response is not None and response.status < 400, (
            f"{path}: HTTP {response.status if response else '-'}"
        )
        self.check(page, name)
        return response

    def check(self, page: Any, name: str, *, shot: bool = True) -> None:
        """The page as it is now: no console error, no horizontal scroll; screenshot it."""
        page.wait_for_load_state("load")
        if SHOTS and shot:
            SHOTS_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS_DIR / f"{name}-{self.width_name}.png"), full_page=True)
        scroll = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll[0] <= scroll[1], (
            f"{name} ({self.width_name}): horizontal scroll, content {scroll[0]}px wide "
            f"in a {scroll[1]}px window"
        )
        self.assert_no_console_errors()

    def assert_no_console_errors(self) -> None:
        if self.errors:
            found, self.errors = self.errors, []
            raise PageProblems("browser console errors:\n" + "\n".join(found))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=list(VIEWPORTS))
def web(request: Any, browser: Any, live_server: Any) -> Iterator[Web]:
    """``web.page(user)`` → a logged-in tab; ``web.visit(page, path, name)`` checks a page."""
    w = Web(browser=browser, base_url=live_server.url, width_name=request.param, request=request)
    yield w
    try:
        w.assert_no_console_errors()
    finally:
        w.close()


@pytest.fixture
def roles(db: Any) -> dict[str, Any]:
    """One user of each role, made through the factories: ``volunteer`` (in 「A组织」, with an
    approved membership), ``org_admin`` (of 「A组织」), ``hotline``, ``operations``, ``admin``."""
    from volunteers import services as volunteer_services
    from volunteers.models import Organisation
    from volunteers.tests.factories import (
        OrganisationFactory,
        UserFactory,
        hotline_user,
        make_volunteer,
        operations_user,
    )

    province = OrganisationFactory(name="广东省志愿者联合会", kind=Organisation.Kind.FEDERATION)
    org = OrganisationFactory(name="A组织", kind=Organisation.Kind.CITY, parent=province)
    org_admin = UserFactory(username="orgadmin", first_name="陈管理")
    volunteer_services.organisation_admin_add(organisation=org, user=org_admin)
    volunteer = make_volunteer(organisations=[org], name="张小明")
    return {
        "organisation": org,
        "province": province,
        "volunteer": volunteer,
        "volunteer_user": volunteer.user,
        "org_admin": org_admin,
        "hotline": hotline_user(username="hotline"),
        "operations": operations_user(username="ops"),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def today_activity(roles: dict[str, Any]) -> dict[str, Any]:
    """A published activity of 「A组织」 running all day today, 张小明 admitted and face-checked."""
    from activities import services
    from activities.tests.helpers import all_day_today

    admin = roles["org_admin"]
    activity = services.activity_create(
        admin=admin,
        organisation=roles["organisation"],
        name="社区义诊志愿服务",
        days=[all_day_today()],
        places=10,
        address="广州市天河区体育西路1号",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
    )
    services.activity_change_status(admin=admin, activity_id=activity.pk, status="published")
    signup = services.signup_create(volunteer=roles["volunteer"], activity_id=activity.pk)
    services.signup_admit(admin=admin, signup_id=signup.pk)
    services.face_check_record(
        admin=admin, activity_id=activity.pk, volunteer_id=roles["volunteer"].pk
    )
    return {"activity": activity, "day": activity.days.get()}
