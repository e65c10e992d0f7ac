"""Django settings.  Every value that varies between machines comes from ``sendcloud.config``."""

from datetime import timedelta

import dj_database_url

from sendcloud import config

BASE_DIR = config.BASE_DIR
VAR_DIR = config.VAR_DIR

SECRET_KEY = config.secret_key()
DEBUG = config.boolean("DEBUG", False)

PLATFORM_DOMAIN = config.hostname("PLATFORM_DOMAIN", "sendcloud.localhost")
PUBLIC_URL = config.url("PUBLIC_URL", "http://127.0.0.1:8000", ("http", "https")).rstrip("/")
DNS_NAMESERVERS = config.host_port_list("DNS_NAMESERVERS", "", default_port=53)
SMTP_LISTEN = config.host_port_list("SMTP_LISTEN", "127.0.0.1:2525")
SMTP_TLS_CERT = config.existing_file("SMTP_TLS_CERT")
SMTP_TLS_KEY = config.existing_file("SMTP_TLS_KEY")
if (SMTP_TLS_CERT is None) != (SMTP_TLS_KEY is None):
    raise config.ConfigError("SMTP_TLS_CERT and SMTP_TLS_KEY: set both or neither")
SMTP_HOSTNAME = config.hostname("SMTP_HOSTNAME", f"smtp.{PLATFORM_DOMAIN}")  # banner, EHLO, self-signed cert
SMTP_IMPLICIT_TLS_PORT = config.port("SMTP_IMPLICIT_TLS_PORT", 465)  # a listener on this port speaks TLS at once
SMTP_MAX_MESSAGE_SIZE = config.positive_int("SMTP_MAX_MESSAGE_SIZE", 16_000_000)  # bytes; EHLO SIZE, 552 above
SMTP_TIMEOUT_SECONDS = config.positive_int("SMTP_TIMEOUT_SECONDS", 300)  # idle client is disconnected after
DELIVERY_PORT = config.port("DELIVERY_PORT", 25)

ALLOWED_HOSTS = ["*"]  # tracking links arrive on customers' own CNAMEd hostnames
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "sendcloud",
    "accounts",
    "domains",
    "apiusers",
    "templates_app",
    "delivery",
    "tracking",
    "webhooks",
    "ingress",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sendcloud.urls"
WSGI_APPLICATION = "sendcloud.wsgi.application"

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
                "sendcloud.navigation.console_navigation",
            ],
        },
    },
]

# --- database: PostgreSQL in production and tests, an SQLite file for the quick start ---------
_database_url = config.optional_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sendcloud.sqlite3",
            # Web, worker and beat share the file: wait for locks and let readers run beside a writer.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
EMBEDDED = _database_url is None

# --- delivery -------------------------------------------------------------------------------------
# Sandbox: every email goes to the built-in inbox (console: 沙箱收件箱) instead of recipients' MX hosts.
DELIVERY_SANDBOX = config.boolean("DELIVERY_SANDBOX", EMBEDDED)
DELIVERY_HOSTNAME = config.hostname("DELIVERY_HOSTNAME", f"mta.{PLATFORM_DOMAIN}")  # our EHLO name
DELIVERY_MAX_AGE_HOURS = config.positive_int("DELIVERY_MAX_AGE_HOURS", 120)  # then a soft bounce is invalid
DELIVERY_TIMEOUT_SECONDS = config.positive_int("DELIVERY_TIMEOUT_SECONDS", 60)  # per SMTP step
DELIVERY_LEASE_SECONDS = config.positive_int("DELIVERY_LEASE_SECONDS", 600)  # a claim expires after
DELIVERY_CONNECTIONS_PER_HOST = config.positive_int("DELIVERY_CONNECTIONS_PER_HOST", 5)  # per worker process
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- webhooks ---------------------------------------------------------------------------------------
# Webhook URLs may point at 127.0.0.0/8 and ::1 (tests, the sandbox); every other private range stays refused.
WEBHOOK_ALLOW_LOOPBACK = config.boolean("WEBHOOK_ALLOW_LOOPBACK", EMBEDDED)

# --- broker: Redis when configured, else Kombu's filesystem transport under var/ ----------------
REDIS_URL = config.optional_url("REDIS_URL", ("redis", "rediss"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _queue_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
# Shared cache (rate limits, lock-outs): Redis when configured, else the database (shared by all processes).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "platform_cache"}
    )
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BEAT_SCHEDULE: dict = {}  # apps add their periodic jobs in their AppConfig.ready()
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- authentication and login throttling ------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Lets the login form tell an unactivated account why it cannot log in.
    "django.contrib.auth.backends.AllowAllUsersModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# --- e-mail sent by the platform itself (activation, password reset) --------------------------
DEFAULT_FROM_EMAIL = f"no-reply@{PLATFORM_DOMAIN}"
EMAIL_FILE_PATH = VAR_DIR / "outbox"
EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend" if EMBEDDED else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = 25

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # SendCloud reports times in UTC+08:00
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in the quick start

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "ERROR"}},
}
