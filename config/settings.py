"""Settings, all read from the environment (django-environ). Every variable is listed in
the README. Defaults give the embedded set-up: SQLite under var/, Celery on kombu's
filesystem transport, demo keys under var/keys/."""

from __future__ import annotations

from pathlib import Path

import environ

from config import keys as _keys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)
# The four secrets have public development defaults (config/keys.py); with DEBUG=false the
# security section below refuses to start unless each is set to a real value.
SECRET_KEY = env.str("SECRET_KEY", default=_keys.DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where people reach the site (activity QR links); by default the local port (``PORT``, as
# ``./bin/demo`` runs the server on it), so ``PORT=8001 ./bin/demo`` links to :8001.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "core",
    "volunteers",
    "activities",
    "card_service",
    "bank_adapters",
    "insurance",
    "uniforms",
    "org_console",
    "certificates",
    "helpcentre",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "volunteers.landing.role_menu",
                "django.template.context_processors.i18n",
                "core.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the embedded database. IMMEDIATE:
    # a transaction takes the write lock when it starts, so a second writer waits (up to
    # the timeout) instead of failing at once with "database is locked" when its snapshot
    # went stale (two `exchange send` at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_TIMEOUT", default=20),  # seconds a writer waits
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    # Persistent connections: a new PostgreSQL connection costs more than a whole look-up.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# The largest request body: the apply form with its photo (at most card_service.rules'
# PHOTO_MAX_BYTES) fits well inside; bigger bodies are refused with 413 before they are read.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/start/"  # volunteers.landing: each role to its own page

# --- Personal-data encryption -------------------------------------------------------------
# FIELD_ENCRYPTION_KEYS: "kid:base64key,kid2:base64key" (32-byte AES-256-GCM keys). The
# first one encrypts; all decrypt, so keys rotate without re-encrypting at once.
# BLIND_INDEX_KEY: the HMAC key of the look-up hashes; it never rotates silently.
# Neither is derived from SECRET_KEY: rotating the secret leaves every record readable.
FIELD_ENCRYPTION_KEYS = env.str("FIELD_ENCRYPTION_KEYS", default=_keys.DEV_FIELD_ENCRYPTION_KEYS)
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default=_keys.DEV_BLIND_INDEX_KEY)

# --- Personal QR ---------------------------------------------------------------------------
# QR_SIGNING_KEYS: "kid:base64key,..." — kid is one character [0-9A-Z]; the first signs.
# QR_RETIRED_KEY_IDS: key ids that no longer verify.
QR_SIGNING_KEYS = env.str("QR_SIGNING_KEYS", default=_keys.DEV_QR_SIGNING_KEYS)
QR_RETIRED_KEY_IDS = env.list("QR_RETIRED_KEY_IDS", default=[])
QR_BASE_URL = env.str("QR_BASE_URL", default="HTTPS://V.GDZYZ.CN/Q/")
# Service certificates: the key id of QR_SIGNING_KEYS that signs them (empty: the first key)
# and the URL in their QR (empty: QR_BASE_URL with its last segment replaced by C).
CERT_SIGNING_KEY_ID = env.str("CERT_SIGNING_KEY_ID", default="")
CERT_QR_BASE_URL = env.str("CERT_QR_BASE_URL", default="")

# Key of the activities' rotating check-in QR codes (short-lived; SECRET_KEY when empty).
ACTIVITY_QR_KEY = env.str("ACTIVITY_QR_KEY", default="")

# --- Partners ------------------------------------------------------------------------------
CARD_PARTNERS_FILE = env.str("CARD_PARTNERS_FILE", default=str(VAR_DIR / "partners.toml"))
ALERT_EMAIL = env.str("ALERT_EMAIL", default="")

# --- Celery ----------------------------------------------------------------------------------
from kombu import Exchange, Queue  # noqa: E402

_celery_dir = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_celery_dir / "out"),
        "data_folder_out": str(_celery_dir / "out"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("out", "processed", "control"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None) or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queues (bench/README.md, "Scaling out"): one per partner for its sends and receives, so
# that one bank's million-record file never delays another bank's cut-off and each partner's
# traffic may run on a machine of its own; "nightly" for the set-wise rebuilds (long and
# bound to the database); "celery" for everything else. A worker started without -Q
# consumes every queue here (one machine); more machines each take some of them with -Q.
# The codes are bank_adapters.partners.PARTNER_CODES (a test keeps the two equal).
EXCHANGE_PARTNER_CODES = ("BOC", "ICBC", "CEB", "UNF")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("celery", "nightly", *(f"exchange.{code}" for code in EXCHANGE_PARTNER_CODES))
]
CELERY_TASK_ROUTES = ("config.celery.route_task",)
EXCHANGE_POLL_SECONDS = env.int("EXCHANGE_POLL_SECONDS", default=120)
CELERY_BEAT_SCHEDULE = {
    "exchange-send-due": {
        "task": "bank_adapters.tasks.exchange_send_due",
        "schedule": EXCHANGE_POLL_SECONDS,
    },
    "exchange-receive": {
        "task": "bank_adapters.tasks.exchange_receive_all",
        "schedule": EXCHANGE_POLL_SECONDS,
    },
}
# Insurance: coverage years nightly; the SERVICE files from each month's first business day.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["insurance-coverage-rebuild"] = {
    "task": "insurance.tasks.coverage_years_rebuild",
    "schedule": crontab(hour=2, minute=30),
}
CELERY_BEAT_SCHEDULE["insurance-service-files"] = {
    "task": "insurance.tasks.service_files_send",
    "schedule": crontab(hour=6, minute=0),
}
# Working-day calendar: alert when this year's or (from 1 December) next year's notice is missing.
CELERY_BEAT_SCHEDULE["active-volunteer-ranking"] = {
    "task": "activities.tasks.active_ranking_rebuild",
    "schedule": crontab(hour=3, minute=10),
}
CELERY_BEAT_SCHEDULE["working-day-calendar-check"] = {
    "task": "core.tasks.working_day_calendar_check",
    "schedule": crontab(hour=8, minute=30),
}
# Hotline: hours before check-in and after check-out counted as travel to and from an activity.
INSURANCE_TRAVEL_WINDOW_HOURS = env.int("INSURANCE_TRAVEL_WINDOW_HOURS", default=2)
# 时长公示: days an hours entry stays published (open to 我有异议) before it counts.
# The manual names no length; 7 days is the service's choice.
HOURS_DISCLOSURE_DAYS = env.int("HOURS_DISCLOSURE_DAYS", default=7)

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="card-service@localhost")

# --- Pluggable backends ----------------------------------------------------------------------
REAL_NAME_BACKEND = env.str(
    "REAL_NAME_BACKEND", default="volunteers.verification.LocalRulesBackend"
)
NOTIFIER_BACKEND = env.str("NOTIFIER_BACKEND", default="core.notify.InSiteNotifier")

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "volunteers.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.inputs.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "core.inputs.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
}
# --- Logins, passwords, API tokens and throttles --------------------------------------------
# Failed logins (the login page and POST /api/auth/token/) are counted per username and per
# address by django-axes; after LOGIN_FAILURE_LIMIT failures logins are refused for
# LOGIN_LOCKOUT_MINUTES. API tokens expire after API_TOKEN_TTL_DAYS. DRF's scoped throttles
# guard the anonymous and look-up endpoints (THROTTLE_<SCOPE>, e.g. "10/hour"; empty: off).
# Behind a reverse proxy, TRUSTED_PROXY_COUNT says how many X-Forwarded-For hops to trust.
import datetime as _dt  # noqa: E402

INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that also takes an ID number or a mobile as the username (volunteers).
    "volunteers.backends.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator"},  # Chinese message (see there)
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = _dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "volunteers.lockout.lockout_response"
# Failures count per resolved account, whether the username, ID number or mobile was typed.
AXES_USERNAME_CALLABLE = "volunteers.backends.axes_username"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["rest_framework.throttling.ScopedRateThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    scope: env.str(f"THROTTLE_{scope.upper()}", default=rate) or None
    for scope, rate in {
        "register": "10/hour",  # per address
        "token": "20/min",  # per address; axes counts the failures
        "hotline": "120/min",  # per staff user
        "qr": "60/min",  # per address
        "directory": "120/min",  # the public organisation directory and pages, per address
    }.items()
}

API_MAX_PAGE_SIZE = 200
SPECTACULAR_SETTINGS = {
    "TITLE": "注册志愿者证服务 API",
    "DESCRIPTION": "Guangdong registered volunteer card service",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a "status" or "kind": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "activities.models.Activity.Kind",
        "ActivityStatusEnum": "activities.models.Activity.Status",
        "SignUpStatusEnum": "activities.models.SignUp.Status",
        "HoursKindEnum": "activities.models.HoursEntry.Kind",
        "HoursStatusEnum": "activities.models.HoursEntry.Status",
        "AttendanceMethodEnum": "activities.models.AttendanceMethod",
        "OrganisationKindEnum": "volunteers.models.Organisation.Kind",
        "MembershipStatusEnum": "volunteers.models.Membership.Status",
        "CardStatusEnum": "card_service.models.CardStatus",
        "UniformStatusEnum": "uniforms.models.UniformStatus",
        "PolicyStatusEnum": "insurance.models.Policy.Status",
    },
}

# --- Logging: personal data is masked on every record ----------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "core.logging.PersonalDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        },
        # runserver's access lines: Django's own handler, masked like every other record.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_personal_data"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# === Security (issue 14) ====================================================================
# One place for what makes a production start safe: the secrets guard, HTTPS and cookies,
# the Content-Security-Policy, static files under gunicorn and the offline API docs.
# `python manage.py check --deploy` is clean with DEBUG=false and the secrets set.

# No insecure start: each secret set, none a development value, none derived (config/keys.py).
if not DEBUG:
    _keys.check_production({name: env.str(name, default="") for name in _keys.DEV_DEFAULTS})

# HTTPS. Defaults are on in production; a TLS-terminating proxy in front sets
# X-Forwarded-Proto and SECURE_PROXY_SSL_HEADER=true tells Django to trust it.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), in development too so a violation shows at once.
# Nothing inline: no <script> without src, no <style>, no style="" or on*="" attributes;
# a template links its own files from static/ in {% block head %}. data: images are for the
# icons inside Swagger UI's stylesheet.
MIDDLEWARE.append("csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Static files served by the app itself (WhiteNoise), so pages render under gunicorn; in
# production with hashed names (collectstatic first), long-cached.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development (and tests) straight from the apps' static/ folders, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# API docs offline: Swagger UI and Redoc from the pinned drf-spectacular-sidecar package,
# served as our own static files (no CDN).
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)

# === 一号通 single sign-on (issue 18) =========================================================
# The service is an OpenID Connect relying party (mozilla-django-oidc, in sso/). Off while
# OIDC_ISSUER is empty; password login always works. Endpoints come from
# OIDC_ISSUER/.well-known/openid-configuration (OIDC_TIMEOUT seconds) unless set explicitly.
INSTALLED_APPS.append("sso")
AUTHENTICATION_BACKENDS.append("sso.backend.YihaotongBackend")  # after axes and passwords
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid profile phone")
OIDC_ID_NUMBER_CLAIM = env.str("OIDC_ID_NUMBER_CLAIM", default="id_number")
OIDC_CLOCK_SKEW_SECONDS = 60
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False  # a new identity goes to registration (sso.views.register)
# Linking (a POSTed form) and logout redirect to the provider: CSP form-action covers
# redirects after a form, so the provider's origins are allowed there.
if OIDC_ISSUER:
    from urllib.parse import urlsplit as _urlsplit

    for _url in (OIDC_ISSUER, OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_LOGOUT_ENDPOINT):
        if _url:
            _origin = "{0.scheme}://{0.netloc}".format(_urlsplit(_url))
            if _origin not in CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]:
                CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origin)
