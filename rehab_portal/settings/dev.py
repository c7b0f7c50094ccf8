"""Local development: embedded database and broker, synthetic identities allowed."""

from .base import *
from .env import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
ALLOW_SYNTHETIC_IDENTITY_NUMBERS = env_bool("ALLOW_SYNTHETIC_IDENTITY_NUMBERS", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
WEBHOOK_ALLOW_INSECURE_URLS = env_bool("WEBHOOK_ALLOW_INSECURE_URLS", True)
CITIZEN_DEMO_LOGIN = env_bool("CITIZEN_DEMO_LOGIN", True)  # demo patients, no ID-porten
