"""The whole 一号通 sign-in against the demo's real provider (django-oauth-toolkit, idp/),
run as its own server on a free loopback port: as ./bin/demo shows it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from idp.people import CLIENT_ID, CLIENT_SECRET, PASSWORD
from sso.models import OidcLink
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_idp(tmp_path_factory):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "idp.settings"}
    env["IDP_VAR_DIR"] = str(tmp_path_factory.mktemp("idp"))
    env.pop("DATABASE_URL", None)
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*django, "idp_seed", "--service-url", "http://testserver"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        for _ in range(100):
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield issuer
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def sso_demo(settings, demo_idp):
    settings.OIDC_ISSUER = demo_idp
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    return demo_idp


def at_provider(browser: requests.Session, authorize_url: str, username: str) -> str:
    """The person signs in at the provider; returns where it sends the browser back."""
    response = browser.get(authorize_url, allow_redirects=True)
    assert "一号通" in response.text
    response = browser.post(
        response.url,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
            "next": parse_qs(urlparse(response.url).query)["next"][0],
        },
        headers={"Referer": response.url},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    response = browser.get(
        urljoin(response.url, response.headers["Location"]), allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_demo_sign_in_and_logout_of_both(client, sso_demo):
    volunteer = make_volunteer()
    OidcLink.objects.create(user=volunteer.user, issuer=sso_demo, sub="yht-000001")
    browser = requests.Session()
    back = at_provider(browser, client.get("/sso/login/")["Location"], "xiaoming")
    assert back.startswith("http://testserver/sso/callback/?")
    response = client.get(back.removeprefix("http://testserver"))
    assert response["Location"] == "/start/"
    assert client.get("/me/").status_code == 200

    logout = client.post("/accounts/logout/")["Location"]
    assert logout.startswith(sso_demo + "/logout/?")
    assert "id_token_hint=" in logout
    response = browser.get(logout, allow_redirects=False)
    assert response.headers["Location"] == "http://testserver/accounts/login/"
    # The provider's session ended too: the next sign-in asks for the password again.
    again = browser.get(client.get("/sso/login/")["Location"], allow_redirects=False)
    assert "/accounts/login/" in again.headers["Location"]


def test_demo_new_person_lands_on_registration(client, sso_demo):
    browser = requests.Session()
    back = at_provider(browser, client.get("/sso/login/")["Location"], "xinren")
    assert client.get(back.removeprefix("http://testserver"))["Location"] == "/sso/register/"
    assert client.get("/sso/register/")["Location"] == "/register/"
    values = client.get("/register/").context["values"]
    assert (values["name"], values["mobile"]) == ("李新人", "13900139000")
