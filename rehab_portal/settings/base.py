"""Settings shared by every environment; environment files override what differs."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("REHAB_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "rehab_portal.apps.PortalAdminConfig",  # django.contrib.admin, OTP_ADMIN below
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "common",  # the shared base: imports no app
    "registry",
    "webhooks",
    "pathways",
    "coordination",
    "fhir_api",
    "rehab_portal",  # the composition root: settings, URLs, the API router, Celery, bench
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.security_headers.SecurityHeadersMiddleware",  # CSP, no-store
    "common.middleware.RequestContextMiddleware",
    "common.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "registry.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rehab_portal.urls"
WSGI_APPLICATION = "rehab_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rehab_portal.context_processors.navigation",
            ],
        },
    },
]

# Covering indexes (INCLUDE) are PostgreSQL's; SQLite builds the same index on its key alone.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must fail /healthz and requests, not hang them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # No JIT compilation: the pages' queries read a few hundred rows through indexes, where
    # compiling buys nothing (make bench prints "JIT on/off": within its noise at 1 M
    # admissions) and a plan whose estimate crosses jit_above_cost pays the compile on a page.
    # No parallel workers either: a page's query stops after its rows or a bounded count
    # (1 001 keys), and starting workers costs more than they share: at 1 M admissions a
    # list's bounded count took 16 ms without them and 32 ms with two; whole pages are within
    # the noise or faster (make bench prints "parallel workers").
    DATABASES["default"]["OPTIONS"].setdefault("options", " ".join([
        *([] if env_bool("DATABASE_JIT", False) else ["-c jit=off"]),
        f"-c max_parallel_workers_per_gather={env_int('DATABASE_PARALLEL_WORKERS', 0)}",
    ]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that refuses the published demo passwords where DEMO_DATA_ALLOWED is off.
    "registry.backends.PortalModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes): per user name and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# 429 with Retry-After, for this lockout and for the per-address one (RATE_LIMITS below).
AXES_LOCKOUT_CALLABLE = "registry.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"

# Proxies (addresses or networks, e.g. 10.0.0.5,172.16.0.0/12) whose X-Forwarded-For is
# believed: the client is the right-most address in it that is not one of them. Empty: the
# header is ignored and the connecting address is the client (common.client_ip).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Rate limits, "<count>/<period>" (s, min, h, day; "10/10min"), counted in CACHES
# (common.ratelimit); over a limit the answer is 429 with Retry-After.
RATE_LIMITS = {
    # API requests of one authenticated client (an EPJ system's key, or a signed-in person).
    "api_client": env_str("RATE_LIMIT_API_CLIENT", "600/min"),
    # API requests without valid credentials, per client address.
    "api_anonymous": env_str("RATE_LIMIT_API_ANONYMOUS", "60/min"),
    # Failed API keys per client address; over it, every key from there waits.
    "api_key_failures": env_str("RATE_LIMIT_API_KEY_FAILURES", "10/10min"),
    # Failed sign-ins per client address across user names (django-axes locks a user name
    # at one address after AXES_FAILURE_LIMIT).
    "login_failures": env_str("RATE_LIMIT_LOGIN_FAILURES", "30/15min"),
}

# A second factor (TOTP, django-otp) for the Django admin, which reaches every record: on in
# production (prod.py), off by default elsewhere. Enrol a device: manage.py add_totp_device.
OTP_ADMIN = env_bool("OTP_ADMIN", False)
OTP_TOTP_ISSUER = "Rehab Portal"

SESSION_COOKIE_HTTPONLY = True
# Flash messages may name a patient: keep them server-side, not in a signed (readable) cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files the portal writes through STORAGES["default"] (the stored plan PDFs,
# coordination/pdf.py) hold health data: no URL serves MEDIA_ROOT (there is no MEDIA_URL
# route), only views that check access and audit read it. Several web instances share it as
# a volume (MEDIA_ROOT) or through an S3-compatible backend in STORAGES["default"].
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Requests larger than this are refused with 413 before a view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1_000_000)

# Synthetic identity numbers (month + 80, as in the national test population).
ALLOW_SYNTHETIC_IDENTITY_NUMBERS = env_bool("ALLOW_SYNTHETIC_IDENTITY_NUMBERS", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "common.api.throttling.AnonymousRateLimit",  # last: counts who is left anonymous
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "registry.api.scopes.HasClientScope"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["common.api.filters.StrictFilterBackend"],  # empty = 400
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.JSONParser"],  # nesting limit
    "DEFAULT_THROTTLE_CLASSES": ["common.api.throttling.ClientRateThrottle"],  # RATE_LIMITS
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rehab Portal API",
    "DESCRIPTION": "Rehabilitation pathway coordination between hospitals and municipalities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

REDIS_URL = env_str("REDIS_URL", "")
# The cache holds the rate limits' counters, which every process must share: Redis when
# configured, otherwise files under REHAB_VAR_DIR (one machine, no server needed).
CACHES = {"default": (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
     "KEY_PREFIX": "rehab",
     # A Redis that hangs must not hang requests: the rate limits then let them through.
     "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    if REDIS_URL else
    {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
     "LOCATION": str(VAR_DIR / "cache")}
)}
# Celery: Redis when configured, otherwise the filesystem transport that needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
# A broker that hangs (frozen, not stopped) must not hang a request: publishing a task gives
# up after BROKER_TIMEOUT_SECONDS (connect, read and write on the Redis socket), is not
# retried, and the outbox sweeps below send the rows (common.publishing).
BROKER_TIMEOUT_SECONDS = env_int("BROKER_TIMEOUT_SECONDS", 2)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY = False
BROKER_TIMEOUT_TRANSPORT_OPTIONS = {"socket_timeout": BROKER_TIMEOUT_SECONDS,
                                    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS}
CELERY_BROKER_TRANSPORT_OPTIONS = dict(BROKER_TIMEOUT_TRANSPORT_OPTIONS)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL_SECONDS = env_int("HEARTBEAT_INTERVAL_SECONDS", 60)
# The outbox sweeps (retry-notifications, retry-webhook-deliveries) run this often. After a
# broker outage the rows whose messages were lost are queued by the first sweep after the
# broker is back (within this interval), or, if written in the last FRESH_GRACE_SECONDS (30 s,
# RETRY below) before it, when that grace is over: everything is out within a minute
# (README, Production).
OUTBOX_SWEEP_SECONDS = 15
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "common.tasks.record_heartbeat",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    # Reminders, alerts and escalations for pathway deadlines (REMINDERS below).
    # Idempotent: a run that overlaps the next one, or a second beat, sends nothing twice.
    # Every 30 s, so that reminders due while the broker was down are written within 30 s of
    # its return (and their e-mail queued at once).
    "pathway-sweeps": {
        "task": "pathways.tasks.run_pathway_sweeps",
        "schedule": 30,
        "options": {"expires": 25},
    },
    # Reminders of the KE's work (REMINDERS below): evaluations due, requests
    # waiting, coordinators over capacity. Day-based and idempotent (dedupe keys).
    "coordination-sweeps": {
        "task": "coordination.tasks.run_coordination_sweeps",
        "schedule": 900,
        "options": {"expires": 840},
    },
    # E-mail that failed (after its backoff) or whose queueing was lost.
    "retry-notifications": {
        "task": "registry.tasks.retry_notifications",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS - 1},
    },
    # Webhook deliveries whose backoff is over, whose queueing was lost or whose worker died
    # (RETRY["webhook"] below: 30 s grace for a fresh row, 30 s lease for an attempt).
    "retry-webhook-deliveries": {
        "task": "webhooks.tasks.retry_deliveries",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS - 1},
    },
    "forget-idempotency-keys": {
        "task": "common.tasks.forget_idempotency_keys",
        "schedule": 3600,
        "options": {"expires": 3500},
    },
}

# `manage.py seed_demo` writes demo users with published passwords; prod turns this off.
DEMO_DATA_ALLOWED = True

# Pathway deadlines. Periods in hours are elapsed time (24 h after admission is 24 real
# hours, also across a daylight-saving change); periods in days or weeks are calendar days
# in Europe/Oslo.
PATHWAY_DEADLINES = {
    # The early notification is due this long after admission (forskrift: 24 hours), unless
    # a registry.CooperationAgreement between health trust and municipality says otherwise.
    "EARLY_NOTIFICATION_HOURS": env_int("EARLY_NOTIFICATION_HOURS", 24),
}

# The KE's deadlines (coordination.services). Days are calendar days in Europe/Oslo.
COORDINATION_DEADLINES = {
    # The next evaluation, when none is given, this many days after activation or the last
    # evaluation.
    "EVALUATION_INTERVAL_DAYS": env_int("COORDINATION_EVALUATION_INTERVAL_DAYS", 180),
}

# Reminder kinds (common.sweeps), by name: the periods each kind's query and message
# read when the sweep runs, over the declaration's defaults. A new kind is its query and
# message in its app's tasks.py (@sweeps.reminder), a line here and a test. Hours are elapsed
# time; days and weeks are calendar days in Europe/Oslo.
REMINDERS = {
    # pathways.tasks, every 30 s ("pathway-sweeps" above).
    "early_notification_missing": {
        # Remind the ward's planners this long before the notice deadline; alert them at it.
        "BEFORE_HOURS": env_int("NOTICE_REMINDER_BEFORE_HOURS", 4),
        # Escalate to the health trust's KE this long after the deadline.
        "ESCALATE_AFTER_HOURS": env_int("NOTICE_ESCALATION_AFTER_HOURS", 12),
    },
    # Remind the municipal KE when a sent notice is not acknowledged within this time.
    "notice_unacknowledged": {"AFTER_HOURS": env_int("ACKNOWLEDGE_WITHIN_HOURS", 8)},
    # Remind the municipal KE when a ready-for-discharge declaration is unanswered this long.
    "ready_unanswered": {"AFTER_HOURS": env_int("READY_ANSWER_WITHIN_HOURS", 4)},
    # Prompt the planner when discharge is this close and no meeting is scheduled.
    "meeting_prompt": {"DAYS_BEFORE": env_int("MEETING_PROMPT_DAYS", 3)},
    # Remind meeting participants this many hours before the meeting.
    "meeting_reminder": {"HOURS_BEFORE": [24, 1]},
    # Remind the organiser when minutes are missing this long after the meeting.
    "minutes_missing": {"AFTER_HOURS": env_int("MINUTES_DUE_HOURS", 24)},
    # Follow-up contact this many weeks after discharge from a rehabilitation stay.
    "follow_up": {"AFTER_WEEKS": env_int("FOLLOW_UP_WEEKS", 6)},
    # coordination.tasks, every 15 minutes ("coordination-sweeps" above).
    # Remind the coordinator this many days before a plan's evaluation date (and again on the
    # day, and once when it is overdue).
    "evaluations": {"DAYS_BEFORE": env_int("COORDINATION_EVALUATION_REMINDER_DAYS", 14)},
    # Alert the KE when a request has waited this many days without a decision (forvaltnings-
    # loven § 11 a: a preliminary answer is due when a case takes more than a month).
    "requests_waiting": {"AFTER_DAYS": env_int("COORDINATION_REQUEST_WAITING_DAYS", 14)},
    # Coordinators over their capacity: once a day, nothing to set.
    "over_capacity": {},
}
# Where the sweeps' notifications go: the outbox whose unique dedupe key is the claim.
REMINDER_OUTBOX = "registry.notifications.notify_many"

# The portal's public address: the absolute links in e-mail notifications (no health data,
# only a pointer into the portal) and the resource URLs in webhook deliveries (`data.url`)
# are built on it, so EPJ systems fetch from the address set here.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# Sync cursors (common.api.pagination) show a change this many seconds after it is saved,
# so that a transaction committing late cannot slip behind a cursor.
API_SYNC_SETTLE_SECONDS = env_int("API_SYNC_SETTLE_SECONDS", 5)
# How long a process keeps reference data (pyramid levels, daily rates) before it reads it
# again; a change saved in the same process is seen at once (registry.reference).
REFERENCE_DATA_TTL = env_int("REFERENCE_DATA_TTL", 300)
# How long an Idempotency-Key is remembered (common.idempotency).
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)
# Webhook receivers must use https; plain http to 127.0.0.1/localhost only where this is on
# (dev and test; prod forces it off).
WEBHOOK_ALLOW_INSECURE_URLS = env_bool("WEBHOOK_ALLOW_INSECURE_URLS", False)
# Retry queues (common.retry): e-mail notifications (registry.tasks) and webhook
# deliveries (webhooks.tasks), one shape. After a failed attempt the next waits
# BACKOFF_BASE_SECONDS × 2^(attempts-1), at most BACKOFF_MAX_SECONDS, plus up to JITTER of it;
# after MAX_ATTEMPTS an e-mail is undeliverable (listed for administrators) and a delivery
# failed (its client's admin can replay it).
# An attempt holds its claim (a lease) for LEASE_SECONDS, three times the send's timeout
# (EMAIL_TIMEOUT, webhooks.tasks.TIMEOUT_SECONDS, 10 s), so a slow send is never taken by a
# second worker; a claim whose worker died is queued again by the next sweep after the lease
# (within LEASE_SECONDS + OUTBOX_SWEEP_SECONDS, 45 s).
# A fresh row whose own message is late (lost to a broker that was down or hung) is queued
# FRESH_GRACE_SECONDS after it was written, by the next sweep (45 s at most, or 15 s after
# the broker is back). A sweep queues at most BATCH rows.
RETRY = {
    "email": {
        "MAX_ATTEMPTS": 8,
        "BACKOFF_BASE_SECONDS": 60,
        "BACKOFF_MAX_SECONDS": 3600,
        "JITTER": 0,
        "LEASE_SECONDS": 30,
        "FRESH_GRACE_SECONDS": 30,
        "BATCH": 500,
    },
    "webhook": {
        "MAX_ATTEMPTS": 10,
        "BACKOFF_BASE_SECONDS": 30,
        "BACKOFF_MAX_SECONDS": 6 * 3600,
        # Up to 10 % more: a receiver coming back is not hit by every retry in one second.
        "JITTER": 0.1,
        "LEASE_SECONDS": 30,
        "FRESH_GRACE_SECONDS": 30,
        "BATCH": 500,
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "rehabportal@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No identity number in any log line (common/logmask.py; gunicorn: gunicorn.conf.py).
    "filters": {"mask_identity_numbers": {"()": "common.logmask.MaskIdentityNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["mask_identity_numbers"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
                # Django's own handlers (runserver's access log, mail_admins with the whole
                # request) do not mask: everything goes through the root's console instead.
                "django": {"handlers": [], "propagate": True},
                "django.server": {"handlers": [], "propagate": True}},
}
