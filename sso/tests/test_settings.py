"""Settings of 一号通 as a fresh process reads them from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], "
    "'backends': s.AUTHENTICATION_BACKENDS}))"
)


def read_settings(**env):
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_provider_may_receive_the_link_and_logout_forms():
    found = read_settings(OIDC_ISSUER="https://yht.example.org/oidc")
    assert found["form_action"] == ["'self'", "https://yht.example.org"]


def test_forms_go_nowhere_else_while_sso_is_off():
    found = read_settings(OIDC_ISSUER="")
    assert found["form_action"] == ["'self'"]
    assert found["backends"][0] == "axes.backends.AxesStandaloneBackend"
