"""The test provider's settings: its own SQLite file, a fresh RS256 key on every start, and
the client and people serve.py was given (through the environment)."""

import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ISSUER = os.environ["OIDC_PROVIDER_ISSUER"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [HERE / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["OIDC_PROVIDER_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Oslo"
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Its own cookie names: a browser test runs the portal on another port of the same machine.
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrftoken"

# The client (the portal) and the people who can sign in, as serve.py registers them.
CLIENT_ID = os.environ["OIDC_PROVIDER_CLIENT_ID"]
CLIENT_SECRET = os.environ["OIDC_PROVIDER_CLIENT_SECRET"]
REDIRECT_URIS = os.environ["OIDC_PROVIDER_REDIRECT_URIS"].split()
POST_LOGOUT_REDIRECT_URIS = os.environ.get("OIDC_PROVIDER_POST_LOGOUT_REDIRECT_URIS", "").split()
# {username: {"password", "pid", "given_name", "family_name", "acr"}}: the claims each
# person's id_token carries (a person without "pid" gets none; "acr" may be a lower level).
PEOPLE = json.loads(os.environ["OIDC_PROVIDER_PEOPLE"])

_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode(),
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": "Name"},
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validator.IdPortenLikeValidator",
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # A browser test's portal (pytest-django's live server) runs on a port chosen at start:
    # "http://localhost/..." then matches any port, as loopback addresses do (RFC 8252).
    "ALLOW_LOCALHOST_LOOPBACK": True,
}
