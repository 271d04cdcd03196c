"""Settings for K-0, read from the environment (see `.env.example`).

Every variable is declared once in the `env` block below with its type, default and (for
integers) range; a value that does not fit stops the start-up with an error naming the
variable and what it allows (k0/environment.py). The defaults give the embedded set-up
(SQLite and a broker in `var/`, mail to files) but are safe for production: DEBUG is off
unless asked for, and with DEBUG off the process refuses to start without a real SECRET_KEY
and ALLOWED_HOSTS — except `manage.py` commands that only read and write the code
(migrations, translation catalogues), which never sign, serve or send anything."""

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from k0.environment import between, checked_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# A `.env` file in the project folder is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Every variable, once: NAME=(type, default) or NAME=(type, default, allowed values).
# Integers always give their range. k0.environment checks every value before anything is
# read: a boolean that is not true/false, an integer out of its range or a value not allowed
# stops the start-up with an error naming the variable. An empty value means the default.
env = checked_env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'k0.sqlite3'}"),
    CELERY_BROKER_URL=(str, "filesystem://"),
    CELERY_RESULT_BACKEND=(str, ""),
    CELERY_FILESYSTEM_DIR=(str, str(VAR_DIR / "celery")),
    CELERY_TASK_ALWAYS_EAGER=(bool, False),
    CELERY_VISIBILITY_TIMEOUT=(int, 6 * 3600, between(1, 7 * 24 * 3600)),
    CELERY_QUEUE=(str, "celery"),
    EMAIL_URL=(str, f"filemail://{VAR_DIR / 'mail'}"),
    EMAIL_TIMEOUT=(int, 30, between(1, 600)),
    DEFAULT_FROM_EMAIL=(str, "K-0 <k0-noreply@localhost>"),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_PROXY_SSL_HEADER=(bool, False),
    SECURE_HSTS_SECONDS=(int, 31536000, between(0, 2 * 31536000)),
    AXES_PROXY_COUNT=(int, 0, between(0, 5)),
    AXES_FAILURE_LIMIT=(int, 5, between(1, 100)),
    AXES_COOLOFF_MINUTES=(int, 15, between(1, 7 * 24 * 60)),
    SESSION_IDLE_MINUTES=(int, 30, between(1, 12 * 60)),
    TWO_FACTOR_REQUIRED=(bool, None),
    SERVER_TIMING=(bool, False),
    ENROLMENT_CODE_DAYS=(int, 7, between(1, 30)),
    STATIC_MANIFEST=(bool, True),
    ATTACHMENT_MAX_MB=(int, 10, between(1, 100)),
    RETENTION_YEARS=(int, 5, between(1, 100)),
    RETENTION_HOUR=(int, 2, between(0, 23)),
    CASE_INACTIVE_DAYS=(int, 730, between(90, 3650)),
    CASE_INACTIVE_GRACE_DAYS=(int, 90, between(14, 365)),
    INDICATOR_FREEZE_HOUR=(int, 3, between(0, 23)),
    LOG_LEVEL=(str, "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    K0_SUPPRESSION_THRESHOLD=(int, 5, between(1, 100)),
    K0_RESOLVED_OUTCOMES=(list, ["resolved", "improved"]),
    REMINDER_HOUR=(int, 7, between(0, 23)),
    REMINDER_MINUTE=(int, 0, between(0, 59)),
    DIGEST_WEEKDAY=(int, 1, between(1, 7)),
    REMINDER_DUE_SOON_DAYS=(int, 2, between(0, 60)),
    REMINDER_MAX_ATTEMPTS=(int, 5, between(1, 20)),
    CASE_STALE_DAYS=(int, 21, between(1, 365)),
    INFORMING_DEADLINE_DAYS=(int, 7, between(1, 90)),
    OUTBOX_SWEEP_MINUTES=(int, 15, between(1, 59)),
    JOBS_MAINTENANCE_MINUTES=(int, 30, between(1, 59)),
    JOB_RESULT_DAYS=(int, 7, between(1, 90)),
    CACHE_URL=(str, f"filecache://{VAR_DIR / 'cache'}"),
    RATE_LIMIT_LOGIN_PER_MINUTE=(int, 20, between(1, 1000)),
    RATE_LIMIT_PASSWORD_RESET_PER_HOUR=(int, 5, between(1, 100)),
    RATE_LIMIT_RESET_EMAILS_PER_HOUR=(int, 3, between(1, 20)),
    RATE_LIMIT_JOBS_PER_HOUR=(int, 30, between(1, 1000)),
    RATE_LIMIT_API_PER_MINUTE=(int, 30, between(1, 1000)),
    # City log-in (OpenID Connect); see the "City log-in" section at the end.
    OIDC_ISSUER=(str, ""),
    OIDC_CLIENT_ID=(str, ""),
    OIDC_CLIENT_SECRET=(str, ""),
    OIDC_SCOPES=(list, ["openid", "profile", "email"]),
    OIDC_SUBJECT_CLAIM=(str, "sub"),
    OIDC_EMAIL_CLAIM=(str, "email"),
    OIDC_GROUPS_CLAIM=(str, "groups"),
    OIDC_STRONG_AMR=(list, ["mfa"]),
    OIDC_STRONG_ACR=(list, []),
    OIDC_WEAK_LOGIN=(str, "refuse", ("refuse", "totp")),
    OIDC_GROUP_MAPPING=(bool, False),
    OIDC_LOCAL_LOGIN=(bool, True),
    OIDC_RECHECK_MINUTES=(int, 15, between(1, 12 * 60)),
)

DEBUG = env("DEBUG")

# Commands that work on the code, not on a site: `makemigrations --check` in a clean clone
# needs no secret. Decided from the command line, not from a variable, so that no setting can
# lift the refusals below for the web server, the worker or any other command.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}
CODE_ONLY = (
    Path(sys.argv[0]).name == "manage.py"
    and len(sys.argv) > 1
    and sys.argv[1] in CODE_ONLY_COMMANDS
)

SECRET_KEY = env("SECRET_KEY")
_DEV_SECRET_KEY = "django-insecure-k0-embedded-development-key-not-for-production-use"
if not SECRET_KEY:
    if CODE_ONLY and not DEBUG:
        SECRET_KEY = secrets.token_urlsafe(50)  # signs nothing: these commands serve nothing
    elif not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    else:
        SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not DEBUG and not ALLOWED_HOSTS and not CODE_ONLY:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "k0.accounts",
    "k0.accounts.oidc",
    "schools",
    "k0.cases",
    "k0.indicators",
    "k0.jobs",
    "k0.reminders",
    "k0.documents",
    "k0.privacy",
    "k0.bench",
]

MIDDLEWARE = [
    *(["k0.middleware.ServerTimingMiddleware"] if env("SERVER_TIMING") else []),
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "k0.middleware.NoStoreMiddleware",
    "k0.accounts.oidc.middleware.ProviderSessionMiddleware",
    "k0.middleware.RequireTwoFactorMiddleware",
    # Last, so that a lock-out answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "k0.urls"
WSGI_APPLICATION = "k0.wsgi.application"

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
                "k0.context_processors.navigation",
            ],
        },
    },
]

FORM_RENDERER = "k0.forms.K0FormRenderer"

DATABASES = {"default": env.db_url_config(env("DATABASE_URL"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the timeout rides out short locks.
    # Each request opens a new connection, so SQLite's own page cache starts empty every time:
    # memory-mapped reads use the operating system's cache instead (1 GiB of address space,
    # not of memory), and a 32 MiB page cache serves the rest of the request. At 100,000
    # cases this took the indicator report's SQL from about 730 to 460 ms.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the rate-limit counts (k0/ratelimits.py), so every web process must share
# it: Redis in production (redis://host:6379/1); the embedded default is a file cache under
# var/cache, shared by the processes of one machine.
CACHES = {"default": env.cache_url_config(env("CACHE_URL"))}
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    # Its increment writes the entry again with the default timeout, which would forget an
    # hour's count after five idle minutes: no default timeout (each window's count has its
    # own key, so an old one is never read again), and old entries are culled past
    # MAX_ENTRIES.
    CACHES["default"]["TIMEOUT"] = None
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 10_000}
elif CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A request waits at most this long for an unreachable Redis, then goes on unlimited.
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=2, socket_timeout=2)
# Rate limits: how many requests a window allows (k0/ratelimits.py has the table).
RATE_LIMIT_LOGIN_PER_MINUTE = env("RATE_LIMIT_LOGIN_PER_MINUTE")
RATE_LIMIT_PASSWORD_RESET_PER_HOUR = env("RATE_LIMIT_PASSWORD_RESET_PER_HOUR")
RATE_LIMIT_RESET_EMAILS_PER_HOUR = env("RATE_LIMIT_RESET_EMAILS_PER_HOUR")
RATE_LIMIT_JOBS_PER_HOUR = env("RATE_LIMIT_JOBS_PER_HOUR")
RATE_LIMIT_API_PER_MINUTE = env("RATE_LIMIT_API_PER_MINUTE")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Messages can name a child ("consent missing for: …"): keep them server-side, not in a
# cookie that proxies may log and a shared computer keeps.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: a school computer is often shared, so sessions end with the browser, after
# SESSION_IDLE_MINUTES without the user's own activity, and at the latest 12 hours after
# log-in (k0.middleware.NoStoreMiddleware enforces both limits). Background polls ("My work",
# job status) are not activity: they do not save the session, so neither the idle clock nor
# the stored session's expiry moves; each of the user's own requests does.
SESSION_IDLE_MINUTES = env("SESSION_IDLE_MINUTES")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username + address pair out after repeated failures, answer 429.
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env("AXES_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client address, found by django-ipware (k0.accounts.client.client_address): with no
# proxy the connection's own address, X-Forwarded-For ignored; behind TRUSTED_PROXY_COUNT
# proxies the address the outermost one received the request from.
AXES_CLIENT_IP_CALLABLE = "k0.accounts.client.client_address"
TRUSTED_PROXY_COUNT = env("AXES_PROXY_COUNT")

# Two-factor log-in (TOTP). On by default in production, off in the embedded demo.
TWO_FACTOR_REQUIRED = env("TWO_FACTOR_REQUIRED")
if TWO_FACTOR_REQUIRED is None:
    TWO_FACTOR_REQUIRED = not DEBUG
OTP_TOTP_ISSUER = "K-0"
# The admin lists and deletes devices but never shows a key or QR code (k0.accounts.admin).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Enrolling a phone needs a one-time code from an administrator, valid this many days.
ENROLMENT_CODE_DAYS = env("ENROLMENT_CODE_DAYS")

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
# One date format per language as read in Finland: 20.11.2026 (fi, sv), 20 Nov 2026 (en).
FORMAT_MODULE_PATH = ["k0.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "private"  # never served by URL; downloads go through checked views
ATTACHMENT_MAX_BYTES = env("ATTACHMENT_MAX_MB") * 1024 * 1024
# Personal data of cases closed more than this many years ago is pseudonymised nightly.
RETENTION_YEARS = env("RETENTION_YEARS")
# An open case with no activity for CASE_INACTIVE_DAYS is listed to its coordinator and the
# administrator, and closed as discontinued CASE_INACTIVE_GRACE_DAYS after that (k0.privacy).
CASE_INACTIVE_DAYS = env("CASE_INACTIVE_DAYS")
CASE_INACTIVE_GRACE_DAYS = env("CASE_INACTIVE_GRACE_DAYS")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env("STATIC_MANIFEST")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email_url_config(env("EMAIL_URL"))
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. HTTPS settings are on whenever DEBUG is off; behind a TLS-terminating
# proxy set SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if env("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: HDS icons are data: URLs, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Celery. The embedded default is kombu's filesystem transport under var/, so `make run`
# needs no broker server; production sets CELERY_BROKER_URL to Redis or RabbitMQ.
from celery.schedules import crontab  # noqa: E402  (kept with the Celery settings)

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER")
CELERY_BROKER_DIR = Path(env("CELERY_FILESYSTEM_DIR"))
if not CELERY_BROKER_DIR.is_absolute():
    CELERY_BROKER_DIR = BASE_DIR / CELERY_BROKER_DIR
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"file://{CELERY_BROKER_DIR / 'results'}"
)
if CELERY_BROKER_URL.startswith("filesystem://") or CELERY_RESULT_BACKEND.startswith("file://"):
    for _folder in ("queue", "processed", "control", "results"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis hands an unacknowledged task to another worker after the visibility timeout, and
    # that is also how a killed worker's task comes back. So it must be longer than the
    # longest task (CELERY_TASK_TIME_LIMIT) and the longest ETA/countdown (retries back off
    # for at most an hour); tests shorten it to see redelivery in seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env("CELERY_VISIBILITY_TIMEOUT"),
        # A web request enqueueing while Redis is unreachable fails fast instead of hanging;
        # the work is in the database and a periodic scan finds it.
        "socket_connect_timeout": 5,
    }
# One queue per K-0 instance: instances (or test runs) sharing a Redis database must not take
# each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_BROKER_DIR / "beat-schedule")
# The periodic schedule (one beat process). Each entry can be moved by environment and
# expires, so a backlog after an outage does not run stale copies: every task derives its
# work from the database, and the next run catches up anyway.
REMINDER_HOUR = env("REMINDER_HOUR")
REMINDER_MINUTE = env("REMINDER_MINUTE")
DIGEST_WEEKDAY = env("DIGEST_WEEKDAY")  # ISO: 1 = Monday … 7 = Sunday
OUTBOX_SWEEP_MINUTES = env("OUTBOX_SWEEP_MINUTES")
JOBS_MAINTENANCE_MINUTES = env("JOBS_MAINTENANCE_MINUTES")
CELERY_BEAT_SCHEDULE = {
    # Follow-up reminders, and on DIGEST_WEEKDAY the weekly digests (Helsinki time: the
    # crontab follows CELERY_TIMEZONE across DST changes).
    "daily-reminders": {
        "task": "k0.reminders.send_daily_reminders",
        "schedule": crontab(hour=REMINDER_HOUR, minute=REMINDER_MINUTE),
        "options": {"expires": 12 * 3600},
    },
    # E-mails left pending by a failure's back-off, a lost message or a broker outage.
    "outbox-sweep": {
        "task": "k0.reminders.sweep_outbox",
        "schedule": crontab(minute=f"*/{OUTBOX_SWEEP_MINUTES}"),
        "options": {"expires": OUTBOX_SWEEP_MINUTES * 60},
    },
    # Jobs whose message was lost, and result files past JOB_RESULT_DAYS.
    # Retention: personal data of cases closed more than RETENTION_YEARS ago (k0.privacy).
    "nightly-retention": {
        "task": "k0.privacy.apply_retention",
        "schedule": crontab(hour=env("RETENTION_HOUR"), minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Indicators: freeze the figures of the periods that ended (k0.indicators, a no-op on
    # most nights), so a year's published figures never depend on when someone first looks.
    "freeze-indicators": {
        "task": "k0.indicators.freeze_ended_periods",
        "schedule": crontab(hour=env("INDICATOR_FREEZE_HOUR"), minute=15),
        "options": {"expires": 6 * 3600},
    },
    "jobs-maintenance": {
        "task": "k0.jobs.maintenance",
        "schedule": crontab(minute=f"*/{JOBS_MAINTENANCE_MINUTES}"),
        "options": {"expires": JOBS_MAINTENANCE_MINUTES * 60},
    },
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

ADMIN_URL = "admin/"
CELERY_IMPORTS = ["k0.tasks"]

# Anonymised indicators (k0/indicators). Published counts from 1 to threshold-1 are hidden;
# "resolved" outcomes decide which closed cases the party indicators count.
K0_SUPPRESSION_THRESHOLD = env("K0_SUPPRESSION_THRESHOLD")
K0_RESOLVED_OUTCOMES = env("K0_RESOLVED_OUTCOMES")

# Reminders, digests and invitations (k0/reminders) and background jobs (k0/jobs).
# A follow-up is "due soon" this many calendar days ahead (today + N, Helsinki dates).
REMINDER_DUE_SOON_DAYS = env("REMINDER_DUE_SOON_DAYS")
# An e-mail that keeps failing is tried this many times (back-off 1, 4, 16, 60 min…).
REMINDER_MAX_ATTEMPTS = env("REMINDER_MAX_ATTEMPTS")
# An open case with no recorded activity for this many days is listed as idle.
CASE_STALE_DAYS = env("CASE_STALE_DAYS")
# The guardians of a pupil involved must be informed (Basic Education Act §29.7) within this
# many days of the referral, or of when the pupil was added to the case.
INFORMING_DEADLINE_DAYS = env("INFORMING_DEADLINE_DAYS")
# Job result files (exports, calendars, PDFs) are deleted this many days after they are made.
JOB_RESULT_DAYS = env("JOB_RESULT_DAYS")
# Seconds an SMTP connection may block: reminders hold row locks while they send.
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT")
# File mail (the embedded default, EMAIL_URL=filemail://…): django-environ drops the leading
# "/" of filemail:///abs/path, which would write mail relative to the working directory
# instead of var/mail/. Take the path from the URL as written; a relative one is under
# BASE_DIR.
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    from urllib.parse import urlsplit as _urlsplit  # noqa: E402

    _mail = _urlsplit(env("EMAIL_URL"))
    _mail_path = _mail.netloc + _mail.path
    EMAIL_FILE_PATH = str(
        Path("/" + _mail_path.lstrip("/")) if _mail_path.startswith("/") else BASE_DIR / _mail_path
    )


# ---------------------------------------------------------------------------------------------
# City log-in: OpenID Connect single sign-on for staff (k0.accounts.oidc, docs/security.md).
# Off unless OIDC_ISSUER is set; then the log-in page offers the city's log-in next to (or,
# with OIDC_LOCAL_LOGIN=false, instead of) K-0's own passwords.
# ---------------------------------------------------------------------------------------------
from urllib.parse import urlsplit as _oidc_urlsplit  # noqa: E402

OIDC_ISSUER = env("OIDC_ISSUER")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env("OIDC_SCOPES")
# Claim names: the provider's stable user id (Entra ID: `oid`), the e-mail and the groups.
OIDC_SUBJECT_CLAIM = env("OIDC_SUBJECT_CLAIM")
OIDC_EMAIL_CLAIM = env("OIDC_EMAIL_CLAIM")
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM")
# A provider log-in is strong (it stands in for K-0's own second factor) when its `amr` claim
# holds one of OIDC_STRONG_AMR or its `acr` claim is one of OIDC_STRONG_ACR. A log-in that is
# not strong is refused ("refuse") or must add K-0's own TOTP code ("totp").
OIDC_STRONG_AMR = env("OIDC_STRONG_AMR")
OIDC_STRONG_ACR = env("OIDC_STRONG_ACR")
OIDC_WEAK_LOGIN = env("OIDC_WEAK_LOGIN")
OIDC_GROUP_MAPPING = env("OIDC_GROUP_MAPPING")
# Password log-in for everyone; when false, only administrators (staff) may use a password.
OIDC_LOCAL_LOGIN = env("OIDC_LOCAL_LOGIN")
# A city log-in session is confirmed at the provider (prompt=none) this often; one that has
# not been confirmed for twice as long ends.
OIDC_RECHECK_MINUTES = env("OIDC_RECHECK_MINUTES")
if OIDC_ISSUER:
    _issuer = _oidc_urlsplit(OIDC_ISSUER)
    _loopback = _issuer.hostname in ("127.0.0.1", "localhost", "::1")
    if _issuer.scheme != "https" and not (_issuer.scheme == "http" and _loopback):
        raise ImproperlyConfigured("OIDC_ISSUER must be an https:// URL.")
    if not OIDC_CLIENT_ID or not OIDC_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
    if "openid" not in OIDC_SCOPES:
        raise ImproperlyConfigured("OIDC_SCOPES must include openid.")
    # Log-out is a form POST that K-0 redirects to the provider's end-session page; browsers
    # apply form-action to that redirect.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_issuer.scheme}://{_issuer.netloc}"
    )
elif OIDC_CLIENT_ID or OIDC_CLIENT_SECRET:
    raise ImproperlyConfigured("OIDC_CLIENT_ID and OIDC_CLIENT_SECRET need OIDC_ISSUER.")
if not OIDC_LOCAL_LOGIN and not OIDC_ISSUER:
    raise ImproperlyConfigured("OIDC_LOCAL_LOGIN=false needs the city log-in (OIDC_ISSUER).")
# Authlib logs request details (the PKCE verifier among them) at DEBUG.
LOGGING["loggers"]["authlib"] = {"level": "WARNING"}
