"""Production: no insecure defaults; refuses to start without a secret key and allowed hosts."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .env import env_bool, env_int, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts the portal answers for.")
ALLOW_SYNTHETIC_IDENTITY_NUMBERS = env_bool("ALLOW_SYNTHETIC_IDENTITY_NUMBERS", False)

CITIZEN_DEMO_LOGIN = False  # citizens sign in with ID-porten only
DEMO_DATA_ALLOWED = False  # and the published demo credentials are refused at sign-in
OTP_ADMIN = True  # the admin asks for a TOTP token (manage.py add_totp_device)
WEBHOOK_ALLOW_INSECURE_URLS = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Container and load-balancer probes speak plain HTTP to the app port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# gunicorn serves no static files: WhiteNoise serves the collected, hashed files (admin,
# Swagger UI from the sidecar, the UI's vendored assets) straight after SecurityMiddleware.
MIDDLEWARE = [
    *MIDDLEWARE[:1], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
