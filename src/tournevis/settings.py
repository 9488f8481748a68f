"""Django settings, read from the environment.

Environment variables:
- TOURNEVIS_DEV=1        development mode: DEBUG allowed, a fixed dev secret, non-Secure cookies.
- DEBUG=1                Django debug pages (only honoured together with TOURNEVIS_DEV=1).
- SECRET_KEY             required outside development.
- DATABASE_URL           PostgreSQL (postgres://...); SQLite file var/tournevis.sqlite3 when unset.
- ALLOWED_HOSTS          comma-separated; defaults to localhost names.
- EMAIL_URL-like knobs   EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
                         DEFAULT_FROM_EMAIL.
- TOURNEVIS_VAR_DIR      where the SQLite file and uploads live (default: ./var).
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TOURNEVIS_VAR_DIR", Path.cwd() / "var"))

DEV = _flag("TOURNEVIS_DEV")
DEBUG = DEV and _flag("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEV:
        raise ImproperlyConfigured("SECRET_KEY must be set (or TOURNEVIS_DEV=1 for development).")
    SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "tournevis.core",
    "tournevis.identity",
    "tournevis.customers",
    "tournevis.installed_base",
    "tournevis.workforce",
    "tournevis.stock",
    "tournevis.contracts",
    "tournevis.notifications",
    "tournevis.tickets",
    "tournevis.telemetry",
    "tournevis.workorders",
    "tournevis.dispatch",
    "tournevis.mobile",
    "tournevis.web",
    "tournevis.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tournevis.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tournevis.identity.middleware.DenyByDefaultMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tournevis.urls"
WSGI_APPLICATION = "tournevis.wsgi.application"
ASGI_APPLICATION = "tournevis.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tournevis.web.context.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "tournevis.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside one writer; foreign keys are on in Django's SQLite backend.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
PASSWORD_HASHERS = ["tournevis.identity.hashers.OwaspArgon2idHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_SECURE = not DEV
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_SECURE = not DEV
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEV
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEV:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling (identity.throttle): failures counted in a sliding window.
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900"))
LOGIN_THROTTLE_PER_ACCOUNT = int(os.environ.get("LOGIN_THROTTLE_PER_ACCOUNT", "5"))
LOGIN_THROTTLE_PER_IP = int(os.environ.get("LOGIN_THROTTLE_PER_IP", "30"))

# Idempotency keys are answered for this many days, then purged by the worker tick.
IDEMPOTENCY_KEY_DAYS = int(os.environ.get("IDEMPOTENCY_KEY_DAYS", "7"))

# --- Technician app (mobile) ------------------------------------------------------------------------
# A device's session lasts this long (revocable); its operation log is kept this long (longer than any
# offline period); device times within this skew of the server's are trusted for status steps.
MOBILE_SESSION_DAYS = int(os.environ.get("MOBILE_SESSION_DAYS", "90"))
MOBILE_OPERATION_DAYS = int(os.environ.get("MOBILE_OPERATION_DAYS", "90"))
MOBILE_CLOCK_SKEW_SECONDS = int(os.environ.get("MOBILE_CLOCK_SKEW_SECONDS", "300"))
MOBILE_PHOTO_MAX_BYTES = int(os.environ.get("MOBILE_PHOTO_MAX_BYTES", str(15 * 1024 * 1024)))

# --- Work orders ----------------------------------------------------------------------------------
# The worker generates preventive work orders due up to this many days ahead.
PREVENTIVE_HORIZON_DAYS = int(os.environ.get("PREVENTIVE_HORIZON_DAYS", "30"))

# --- Contracts ------------------------------------------------------------------------------------
# When no contract, site, customer or default calendar applies, business time is 24/7 in this zone.
CONTRACTS_FALLBACK_TIMEZONE = os.environ.get("CONTRACTS_FALLBACK_TIMEZONE", "UTC")
# SLA clocks: the warning fires at this share of the target; these subject statuses pause the clocks.
CONTRACTS_SLA_WARNING_SHARE = 0.75
CONTRACTS_SLA_PAUSE_STATUSES = ("waiting_customer", "waiting_parts", "waiting_third_party")
# Stock: lead time inside a region without a configured lane (hours); days before a loan's due date
# and between reminders.
STOCK_DEFAULT_GROUND_HOURS = int(os.environ.get("TOURNEVIS_STOCK_GROUND_HOURS", "24"))
STOCK_LOAN_REMINDER_DAYS = int(os.environ.get("TOURNEVIS_STOCK_LOAN_REMINDER_DAYS", "2"))

# Links in e-mails and webhooks point here (the public URL of the back office)
TOURNEVIS_BASE_URL = os.environ.get("TOURNEVIS_BASE_URL", "http://localhost:8000")

# --- Tickets and intake ---------------------------------------------------------------------------
TICKETS_ATTACHMENT_MAX_BYTES = int(os.environ.get("TICKETS_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
TICKETS_SMTP_MAX_BYTES = int(os.environ.get("TICKETS_SMTP_MAX_BYTES", str(35 * 1024 * 1024)))
# `tournevis intake imap`: the mailbox polled (IMAPS unless TICKETS_IMAP_SSL=0)
TICKETS_IMAP_HOST = os.environ.get("TICKETS_IMAP_HOST", "")
TICKETS_IMAP_PORT = int(os.environ.get("TICKETS_IMAP_PORT", "993"))
TICKETS_IMAP_USER = os.environ.get("TICKETS_IMAP_USER", "")
TICKETS_IMAP_PASSWORD = os.environ.get("TICKETS_IMAP_PASSWORD", "")
TICKETS_IMAP_FOLDER = os.environ.get("TICKETS_IMAP_FOLDER", "INBOX")
TICKETS_IMAP_SSL = os.environ.get("TICKETS_IMAP_SSL", "1") != "0"
# `tournevis intake snmp`: v1/v2c communities (comma-separated) and SNMPv3 users (JSON list of
# {"user", "auth_protocol", "auth_key", "priv_protocol", "priv_key", "engine_ids"})
TICKETS_SNMP_COMMUNITIES = [c for c in os.environ.get("TICKETS_SNMP_COMMUNITIES", "").split(",") if c]
TICKETS_SNMP_V3_USERS = json.loads(os.environ.get("TICKETS_SNMP_V3_USERS", "[]"))
TICKETS_SNMP_SERIAL_OIDS: list[str] = []
TICKETS_SNMP_FINGERPRINT_OIDS = ["1.3.6.1.2.1.2.2.1.1"]  # ifIndex: two ports are two tickets
TICKETS_SNMP_WINDOW_MINUTES = int(os.environ.get("TICKETS_SNMP_WINDOW_MINUTES", "30"))
# Software bugs are handed to this tracker: {"kind": "generic"|"github", "url": ..., "token": ...}
TICKETS_BUG_TRACKER = json.loads(os.environ.get("TICKETS_BUG_TRACKER", "{}"))
TICKETS_BUG_WEBHOOK_SECRET = os.environ.get("TICKETS_BUG_WEBHOOK_SECRET", "")
# `tournevis intake mqtt`: the broker of the IoT telemetry
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")

# --- Notifications --------------------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "tournevis.notifications.sms.ConsoleBackend")
SMS_FILE_PATH = VAR_DIR / "sms.jsonl"
NOTIFICATIONS_MESSAGE_ID_DOMAIN = os.environ.get("NOTIFICATIONS_MESSAGE_ID_DOMAIN", "")
NOTIFICATIONS_LEASE_SECONDS = 300
NOTIFICATIONS_WEBHOOK_TIMEOUT = 10

# --- Requests -------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # API payloads above 1 MiB are refused with 413.

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tournevis.formats"]  # English dates day-first with a 24-hour clock
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- E-mail (delivered by the notifications outbox) -------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tournevis <noreply@tournevis.localhost>")
if DEV and not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Background work ------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
