"""Test suite: SQLite by default, PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set."""

from .base import *

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105 - test settings only
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ALLOW_SYNTHETIC_IDENTITY_NUMBERS = True
# The demo's curated patients only: the indicators' synthetic history (two years of stays) is
# written where a test asks for it (tests/indicators/test_demo_history.py).
INDICATORS_DEMO_HISTORY_MONTHS = 0
# Hashing speed is not under test here; argon2 stays the production default (base.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = dict(BROKER_TIMEOUT_TRANSPORT_OPTIONS)  # as in base
CELERY_TASK_ALWAYS_EAGER = False
AXES_ENABLED = True
LANGUAGE_CODE = "nb"
WEBHOOK_ALLOW_INSECURE_URLS = True  # tests run receivers on 127.0.0.1
# One process: the rate limits' counters in memory (tests/conftest.py clears them for each
# test), never in the Redis that CI shares with the broker. Rates generous enough for any
# test; the rate-limit tests set low ones.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMITS = {"api_client": "100000/min", "api_anonymous": "100000/min",
               "api_key_failures": "100000/min", "login_failures": "100000/min"}
