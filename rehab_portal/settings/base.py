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
    "referrals",  # referrals, needs assessments, waiting lists; over coordination
    "plo",  # PLO messages in and out (MsgHead, AppRec); over pathways
    "fhir_api",
    "indicators",  # aggregates over every app; nothing imports it
    "citizen",  # the patient's own door, over coordination and pathways; nothing imports it
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
    "citizen.middleware.CitizenBoundaryMiddleware",  # citizens and staff keep to their side
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
    # Citizens: an identity verified by ID-porten (OpenID Connect), never a password.
    "citizen.auth.CitizenBackend",
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
# Nynorsk falls back to bokmål where a string has no nynorsk translation (Django falls back
# to LANGUAGE_CODE): the patient's own door is translated in full.
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
# One date style per language, 24-hour clocks in both (common/formats).
FORMAT_MODULE_PATH = ["common.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files the portal writes through STORAGES["default"] (the stored plan PDFs,
# coordination/pdf.py) hold health data: no URL serves MEDIA_ROOT (there is no MEDIA_URL
# route), only views that check access and audit read it. Several web instances share it as
# a volume (MEDIA_ROOT) or through an S3-compatible backend in STORAGES["default"].
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# The PLO folder transport: EPJ systems drop messages in inbox/, receipts go to outbox/.
PLO_FOLDER = Path(env_str("PLO_FOLDER", str(VAR_DIR / "plo")))
# The health network's message service (EDI 2.0, plo/message_service.py), used instead of the
# folder when its URL is set: HelseID client credentials with a signed client assertion, and
# the HER-ids the portal receives messages for (comma-separated).
PLO_MESSAGE_SERVICE_URL = env_str("PLO_MESSAGE_SERVICE_URL", "")
PLO_HELSEID_TOKEN_URL = env_str("PLO_HELSEID_TOKEN_URL", "")
PLO_HELSEID_CLIENT_ID = env_str("PLO_HELSEID_CLIENT_ID", "")
PLO_HELSEID_PRIVATE_KEY_FILE = env_str("PLO_HELSEID_PRIVATE_KEY_FILE", "")
PLO_HER_IDS = env_list("PLO_HER_IDS", [])
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
# The beat schedule, deadlines, reminder periods and retry queues.
from .schedule import *  # noqa: E402

# The patient's own door (the citizen app): its pages live under this prefix; citizens reach
# nothing else, staff reach only its sign-in pages (CITIZEN_PUBLIC_PATHS, under the prefix).
CITIZEN_URL_PREFIX = "/me/"
CITIZEN_PUBLIC_PATHS = ("sign-in/",)
# The local demo login (pick a demo patient, no password): development only. Production
# refuses it (prod.py; manage.py check --deploy, citizen.E001).
CITIZEN_DEMO_LOGIN = env_bool("CITIZEN_DEMO_LOGIN", False)
# A citizen's session ends after this much idleness (helsenorge: 30 minutes).
CITIZEN_SESSION_IDLE_SECONDS = env_int("CITIZEN_SESSION_IDLE_SECONDS", 30 * 60)
# OpenID Connect providers (citizen/oidc.py, Authlib's Django client: code flow with PKCE
# S256, state and nonce, the id_token checked against the provider's published keys). An
# entry without a metadata URL or client id is off: the sign-in page does not offer it.
# Registering the portal with ID-porten: README, "Citizens: signing in with ID-porten".
CITIZEN_OIDC_PROVIDERS = {
    "idporten": {
        "label": "ID-porten",
        "signs_in": "citizen",  # who this provider signs in: a Citizen by identity number
        # https://idporten.no/.well-known/openid-configuration in production,
        # https://test.idporten.no/.well-known/openid-configuration in Digdir's test.
        "metadata_url": env_str("IDPORTEN_METADATA_URL", ""),
        "client_id": env_str("IDPORTEN_CLIENT_ID", ""),
        "client_secret": env_str("IDPORTEN_CLIENT_SECRET", ""),
        # client_secret_basic or client_secret_post, as registered with Digdir.
        "token_endpoint_auth_method": env_str("IDPORTEN_TOKEN_ENDPOINT_AUTH_METHOD",
                                              "client_secret_basic"),
        "scope": env_str("IDPORTEN_SCOPES", "openid profile"),
        # The level asked for, and the levels (the id_token's acr) accepted: lower is refused.
        "acr_values": env_str("IDPORTEN_ACR_VALUES", "idporten-loa-substantial"),
        "accepted_acr": env_list("IDPORTEN_ACCEPTED_ACR",
                                 ["idporten-loa-substantial", "idporten-loa-high"]),
        "identity_claim": "pid",  # ID-porten's personidentifikator (fødselsnummer/D-number)
        # The addresses registered with Digdir; empty: this request's own address
        # (https://<host>/me/sign-in/idporten/callback/ and https://<host>/me/sign-in/).
        "redirect_uri": env_str("IDPORTEN_REDIRECT_URI", ""),
        "post_logout_redirect_uri": env_str("IDPORTEN_POST_LOGOUT_REDIRECT_URI", ""),
        "timeout_seconds": env_int("IDPORTEN_TIMEOUT_SECONDS", 10),
    },
    # HelseID for staff is a later step, as a second entry: "helseid": {"label": "HelseID",
    # "signs_in": "staff", "metadata_url": "https://helseid-sts.nhn.no/.well-known/openid-
    # configuration", its client, "identity_claim": "helseid://claims/identity/pid", ...}.
    # The citizen views use only "signs_in": "citizen" entries; a staff view would use the
    # same client registry (moved from citizen/oidc.py to common/, since staff code never
    # imports citizen) with its own callback under /accounts/ and map the identity to a
    # staff User with memberships, never to a Citizen.
}

# `manage.py seed_demo` writes demo users with published passwords; prod turns this off.
DEMO_DATA_ALLOWED = True
# Months of synthetic history seed_demo writes for the indicators (indicators/demo.py); 0: none.
# 36: the whole of the last year with a registered daily rate (2024) has figures and cost.
INDICATORS_DEMO_HISTORY_MONTHS = env_int("INDICATORS_DEMO_HISTORY_MONTHS", 36)

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
