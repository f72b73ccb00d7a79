"""A small OpenID provider on a free loopback port, for the tests: discovery, JWKS, token and
userinfo endpoints, id_tokens signed RS256 with a key generated here. The test plays the
person at the provider's authorisation page (``approve``) and may bend the next id_token
(wrong issuer, audience, expiry, nonce) to see the service refuse it."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "card-service"
CLIENT_SECRET = "s3cret-of-the-test-client"


class LocalProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, list[str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/idp"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The person approves the login at the provider: a code for the redirect back.
    def approve(self, authorize_url: str, *, sub: str, claims: dict | None = None, **bend: Any):
        params = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
        assert params["client_id"] == CLIENT_ID
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "sub": sub,
            "nonce": params.get("nonce"),
            "claims": claims or {},
            "bend": bend,
            "redirect_uri": params["redirect_uri"],
        }
        return code, params["state"]

    def id_token(self, *, sub: str, nonce: str | None, bend: dict) -> str:
        now = int(time.time())
        payload = {
            "iss": bend.get("iss", self.issuer),
            "sub": sub,
            "aud": bend.get("aud", CLIENT_ID),
            "iat": bend.get("iat", now),
            "exp": bend.get("exp", now + 300),
            "nonce": bend.get("nonce", nonce),
        }
        key = bend.get("key", self.key)
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def discovery(self) -> dict:
        base = self.issuer
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/logout",
        }

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                if path == "/idp/.well-known/openid-configuration":
                    return self._send(200, provider.discovery())
                if path == "/idp/jwks":
                    return self._send(200, provider.jwks())
                if path == "/idp/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = provider.tokens.get(token)
                    if grant is None:
                        return self._send(401, {"error": "invalid_token"})
                    return self._send(200, {"sub": grant["sub"], **grant["claims"]})
                return self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                provider.token_requests.append(form)
                if urlparse(self.path).path != "/idp/token":
                    return self._send(404, {"error": "not_found"})
                grant = provider.codes.pop(form.get("code", [""])[0], None)
                if (
                    grant is None
                    or form.get("client_id") != [CLIENT_ID]
                    or form.get("client_secret") != [CLIENT_SECRET]
                    or form.get("redirect_uri") != [grant["redirect_uri"]]
                ):
                    return self._send(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = grant
                id_token = provider.id_token(
                    sub=grant["sub"], nonce=grant["nonce"], bend=grant["bend"]
                )
                return self._send(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": id_token,
                    },
                )

        return Handler
