"""The OpenID Connect client: Authlib's Django integration, configured from settings.

Authlib does the protocol: discovery, the authorization request with state, nonce and PKCE
(S256), the code exchange, and the ID token check (signature against the provider's JWKS,
issuer, authorized party, expiry and issue time, nonce, access-token hash). This module builds
the client from settings, keeps it (with the provider's metadata and keys) for an hour, adds
the audience check, and pins what the provider's metadata may not loosen.
"""

from __future__ import annotations

import threading
import time

from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings

# Seconds the provider's discovery document and keys are kept before they are fetched again
# (a key the provider rotated in is fetched at once: Authlib retries on an unknown key id).
METADATA_MAX_AGE = 3600
# Seconds any one request to the provider may take.
TIMEOUT = 10
# Seconds of clock difference tolerated in the ID token's times.
LEEWAY = 60
# Only asymmetric signatures: "none" and the HMAC family (keyed with the client secret) are
# never accepted, whatever the provider's metadata lists.
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)


class IssuerMismatch(Exception):
    """The discovery document names another issuer than OIDC_ISSUER."""


class SubjectMismatch(Exception):
    """The user-info endpoint answered about another subject than the ID token's."""


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class CityLogin(DjangoOAuth2App):
    def load_server_metadata(self):
        metadata = super().load_server_metadata()
        if not _same_issuer(metadata.get("issuer", ""), settings.OIDC_ISSUER):
            raise IssuerMismatch()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        allowed = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
        metadata["id_token_signing_alg_values_supported"] = allowed or ["RS256"]
        return metadata

    def parse_id_token(self, token, nonce, claims_options=None, claims_cls=None, leeway=LEEWAY):
        # Authlib checks the audience only indirectly (an `azp` is demanded when `aud` is not
        # K-0 alone); OpenID Connect Core 3.1.3.7 demands that `aud` contain K-0's client id.
        options = {
            "iss": {"essential": True, "values": [self.load_server_metadata()["issuer"]]},
            "aud": {"essential": True, "values": [self.client_id]},
        }
        return super().parse_id_token(token, nonce, options, claims_cls, leeway)


_clients: dict[tuple, tuple[float, CityLogin]] = {}
_lock = threading.Lock()


def get_client() -> CityLogin:
    """The client for the current settings (tests change them between runs)."""
    key = (
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        tuple(settings.OIDC_SCOPES),
    )
    now = time.monotonic()
    with _lock:
        created, client = _clients.get(key, (0.0, None))
        if client is None or now - created > METADATA_MAX_AGE:
            client = CityLogin(
                DjangoIntegration("k0_oidc"),
                "k0_oidc",
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                server_metadata_url=(
                    settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
                ),
                client_kwargs={
                    "scope": " ".join(settings.OIDC_SCOPES),
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": "client_secret_basic",
                    "default_timeout": TIMEOUT,
                },
            )
            _clients.clear()
            _clients[key] = (now, client)
        return client
