"""The OpenID Connect clients (Authlib's Django client) for the providers in
settings.CITIZEN_OIDC_PROVIDERS.

Each client is built from its settings entry and kept while the entry stays the same, so the
provider's metadata (discovery) and keys (JWKS) are fetched once per process and not on every
sign-in; a changed entry (another deployment's environment, or a test's override_settings)
builds a new client at the next request. Metadata older than METADATA_MAX_AGE is fetched again;
a key the cached set lacks makes Authlib fetch the keys again (the provider rotated them).
"""

import threading
import time

from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings

METADATA_MAX_AGE = 24 * 3600

_lock = threading.Lock()
_clients: dict[str, tuple[tuple, DjangoOAuth2App]] = {}


def is_configured(entry: dict) -> bool:
    return bool(entry.get("metadata_url") and entry.get("client_id"))


def providers(signs_in: str = "citizen") -> dict[str, dict]:
    """The configured providers that sign in this kind of person, by name."""
    return {name: entry for name, entry in settings.CITIZEN_OIDC_PROVIDERS.items()
            if entry.get("signs_in", "citizen") == signs_in and is_configured(entry)}


def provider(name: str, signs_in: str = "citizen") -> dict | None:
    return providers(signs_in).get(name)


def _fingerprint(entry: dict) -> tuple:
    return tuple(sorted((key, repr(value)) for key, value in entry.items()))


def client(name: str, signs_in: str = "citizen") -> DjangoOAuth2App | None:
    """The provider's client, or None where it is not configured."""
    entry = provider(name, signs_in)
    if entry is None:
        return None
    fingerprint = _fingerprint(entry)
    with _lock:
        cached = _clients.get(name)
        if cached and cached[0] == fingerprint and _fresh(cached[1]):
            return cached[1]
        app = _build(name, entry)
        _clients[name] = (fingerprint, app)
        return app


def _fresh(app: DjangoOAuth2App) -> bool:
    loaded_at = app.server_metadata.get("_loaded_at")
    return loaded_at is None or time.time() - loaded_at < METADATA_MAX_AGE


def _build(name: str, entry: dict) -> DjangoOAuth2App:
    registry = OAuth()
    return registry.register(
        name,
        server_metadata_url=entry["metadata_url"],
        client_id=entry["client_id"],
        client_secret=entry.get("client_secret", ""),
        client_kwargs={
            "scope": entry.get("scope", "openid"),
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": entry.get("token_endpoint_auth_method",
                                                    "client_secret_basic"),
            # A provider that does not answer must not hold a request (and a worker) forever.
            "default_timeout": entry.get("timeout_seconds", 10),
        },
    )


def end_session_url(name: str, *, id_token: str, post_logout_redirect_uri: str,
                    signs_in: str = "citizen") -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout),
    or None where the provider publishes no end_session_endpoint."""
    app = client(name, signs_in)
    if app is None or not id_token:
        return None
    if not app.load_server_metadata().get("end_session_endpoint"):
        return None
    return app.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                 id_token_hint=id_token)["url"]


def forget() -> None:
    """Drop every client (tests, or after a provider's configuration changed in place)."""
    with _lock:
        _clients.clear()
