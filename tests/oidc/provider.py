"""Runs the test OpenID Connect provider (provider.mjs, node-oidc-provider) for K-0's tests.

The provider is a separate node process on 127.0.0.1 with K-0 registered as a confidential
client (secret + PKCE) and a few test users. `log_in` walks its real log-in page with plain
HTTP, as a browser would, and returns the redirect back to K-0, so integration tests get
codes, states and tokens that the provider really issued.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
CLIENT_ID = "k0"
CLIENT_SECRET = "k0-test-client-secret-that-is-long-enough"
OTHER_CLIENT_ID = "other-service"
OTHER_CLIENT_SECRET = "other-service-secret-that-is-long-enough"
PASSWORD = "provider-password"
CALLBACK_PATH = "/login/city/callback/"
LOGGED_OUT_PATH = "/login/"
STRONG_AMR = ["pwd", "mfa"]
STRONG_ACR = "urn:k0:test:loa:high"
WEAK_AMR = ["pwd"]
WEAK_ACR = "urn:k0:test:loa:low"


def unavailable_reason() -> str | None:
    """Why the provider cannot run here, or None."""
    if NODE is None:
        return "Node.js is not installed: the city log-in tests run a real OIDC provider in node"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc/node_modules is missing: run bin/setup dev to install the provider"
    return None


def _drain(stream, log):
    with log:
        for chunk in iter(lambda: stream.read1(4096), b""):
            log.write(chunk)
            log.flush()


@dataclass
class Provider:
    state_path: Path
    log_path: Path
    issuer: str = ""
    process: subprocess.Popen | None = None
    state: dict = field(default_factory=dict)

    def __post_init__(self):
        clients = []
        for client_id, secret in (
            (CLIENT_ID, CLIENT_SECRET),
            (OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
        ):
            clients.append(
                {
                    "client_id": client_id,
                    "client_secret": secret,
                    "client_name": client_id,
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "redirect_uris": [f"http://testserver{CALLBACK_PATH}"],
                    "post_logout_redirect_uris": [f"http://testserver{LOGGED_OUT_PATH}"],
                }
            )
        self.state = {"clients": clients, "users": {}, "settings": {}}
        self._save()

    # -- process -------------------------------------------------------------------------
    def start(self, timeout=20):
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [NODE, str(HERE / "provider.mjs"), str(self.state_path)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "NODE_ENV": "test"},
        )
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 1024)
                if not chunk:
                    break
                line += chunk
        if not line.startswith(b"ready "):
            self.stop()
            raise RuntimeError(
                f"the OIDC provider did not start; see {self.log_path}: {line[:200]!r}"
            )
        self.issuer = line.split()[1].decode()
        # Keep reading what the provider prints (its notices), so that a full pipe never
        # blocks it; it goes to the log file.
        threading.Thread(target=_drain, args=(self.process.stdout, log), daemon=True).start()
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    # -- state (read by the provider at every look-up) ------------------------------------
    def _save(self):
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state))
        os.replace(tmp, self.state_path)

    def add_user(
        self,
        username,
        *,
        sub=None,
        name=None,
        email=None,
        locale=None,
        groups=None,
        strong=True,
        amr=None,
        acr=None,
        extra=None,
    ):
        claims = {"email_verified": True}
        for key, value in (("name", name), ("email", email), ("locale", locale)):
            if value is not None:
                claims[key] = value
        if groups is not None:
            claims["groups"] = groups
        claims.update(extra or {})
        self.state["users"][username] = {
            "sub": sub or f"sub-{username}-{os.urandom(4).hex()}",
            "password": PASSWORD,
            "active": True,
            "amr": amr if amr is not None else (STRONG_AMR if strong else WEAK_AMR),
            "acr": acr if acr is not None else (STRONG_ACR if strong else WEAK_ACR),
            "claims": claims,
        }
        self._save()
        return self.state["users"][username]

    def set_user(self, username, **changes):
        user = self.state["users"][username]
        claims = changes.pop("claims", None)
        user.update(changes)
        if claims is not None:
            user["claims"].update(claims)
        self._save()

    def deactivate(self, username):
        self.set_user(username, active=False)

    def allow_site(self, base_url):
        """Registers a K-0 address (e.g. the live server's) for both clients."""
        for client in self.state["clients"]:
            for key, path in (
                ("redirect_uris", CALLBACK_PATH),
                ("post_logout_redirect_uris", LOGGED_OUT_PATH),
            ):
                uri = base_url.rstrip("/") + path
                if uri not in client[key]:
                    client[key].append(uri)
        self._save()

    def k0_settings(self, **overrides):
        values = {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": ["openid", "profile", "email", "groups"],
            "OIDC_SUBJECT_CLAIM": "sub",
            "OIDC_EMAIL_CLAIM": "email",
            "OIDC_GROUPS_CLAIM": "groups",
            "OIDC_STRONG_AMR": ["mfa"],
            "OIDC_STRONG_ACR": [],
            "OIDC_WEAK_LOGIN": "refuse",
            "OIDC_GROUP_MAPPING": False,
            "OIDC_LOCAL_LOGIN": True,
            "OIDC_RECHECK_MINUTES": 15,
        }
        values.update(overrides)
        return values

    # -- the provider's log-in page, walked over HTTP --------------------------------------
    def log_in(
        self, authorize_url, username, *, password=PASSWORD, browser=None, cancel=False, stop=False
    ):
        """Follows `authorize_url` through the provider's log-in page and returns the URL the
        provider sends the browser back to (K-0's callback, with code and state or error).

        `browser` is a requests.Session standing for the browser's cookies at the provider;
        pass the same one again to reuse the provider session (prompt=none, log-out). With
        `stop`, returns the provider's log-in page instead of filling it in."""
        browser = browser or requests.Session()
        response = self._follow(browser, browser.get(authorize_url, allow_redirects=False))
        if not isinstance(response, requests.Response) or stop:
            return response  # a URL: straight back to K-0, the provider session was valid
        if cancel:
            action = urljoin(response.url, self._form_action(response.text, r"/abort"))
            return self._follow(browser, browser.post(action, allow_redirects=False))
        action = urljoin(response.url, self._form_action(response.text, r"/login"))
        answer = browser.post(
            action, data={"username": username, "password": password}, allow_redirects=False
        )
        return self._follow(browser, answer)

    def log_out(self, end_session_url, browser):
        """Confirms the provider's log-out page; returns where the provider sends the browser."""
        page = self._follow(browser, browser.get(end_session_url, allow_redirects=False))
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
        data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        data["logout"] = "yes"
        action = urljoin(page.url, unescape(form.group(1)))
        return self._follow(browser, browser.post(action, data=data, allow_redirects=False))

    def tokens_for(self, client_id, secret, username):
        """The test itself as a client of the provider (e.g. another city service): returns
        the token response the provider issues to `client_id`, and the nonce it was asked for.
        """
        metadata = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        metadata = metadata.json()
        verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        nonce = os.urandom(8).hex()
        redirect_uri = f"http://testserver{CALLBACK_PATH}"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid profile email",
                "state": os.urandom(8).hex(),
                "nonce": nonce,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        back = self.log_in(f"{metadata['authorization_endpoint']}?{query}", username)
        code = parse_qs(urlsplit(back).query)["code"][0]
        response = requests.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client_id, secret),
            timeout=10,
        )
        response.raise_for_status()
        return response.json(), nonce

    def _follow(self, browser, response):
        """Follows redirects within the provider; returns a URL leaving it, or the page."""
        for _ in range(10):
            if response.status_code not in (302, 303):
                return response
            location = urljoin(response.url, response.headers["Location"])
            if urlsplit(location).netloc != urlsplit(self.issuer).netloc:
                return location
            response = browser.get(location, allow_redirects=False)
        raise AssertionError("too many redirects at the provider")

    @staticmethod
    def _form_action(html, ending):
        match = re.search(r'action="([^"]*' + ending + r')"', html)
        assert match, f"no form ending {ending} on the provider's page: {html[:500]}"
        return match.group(1)
