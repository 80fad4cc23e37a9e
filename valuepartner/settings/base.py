"""Settings shared by every mode, read from the environment.

With nothing set, the product runs on the embedded default: SQLite, the in-memory channel layer,
a local-memory cache and a filesystem Celery broker, so a fresh clone needs no external service.
Setting ``REDIS_URL`` moves the cache, the channel layer and the Celery broker to Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Only the development default is insecure; production.py refuses to start without a real key.
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "corsheaders",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "channels",
    "django_celery_beat",
    "accounts",
    "compliance",
    "marketdata",
    "portfolios",
    "trading",
    "strategies",
    "reporting",
    "jobs",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "valuepartner.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireOperatorTwoFactorMiddleware",
    "valuepartner.middleware.RequestUserContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "valuepartner.urls"
WSGI_APPLICATION = "valuepartner.wsgi.application"
ASGI_APPLICATION = "valuepartner.asgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's pool rather than CONN_MAX_AGE: persistent connections leak under ASGI.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": 10, "timeout": 10},
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="vp"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNELS_PREFIX", default="vp")},
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")

CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables (broadcasts to workers); kombu's default is ./control in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every connection, and under prefork the whole psycopg pool, around each
# task unless "reused": the pool is then rebuilt per task (a new server connection each time) and
# other threads of the worker (the order broadcaster) find it closed. With this the pool lives as
# long as the worker process (recycled after a million tasks); each task hands its connection back
# to it instead (valuepartner.celery).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TIMEZONE = "UTC"
# Our JSON logging (request ids, redaction) applies to the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Identity --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

# Lockout after repeated failures, per username and address; attempts are kept in the database
# so compliance can review them.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Value Partner"
# Never show TOTP secrets, QR codes or backup codes in the admin: they are a second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Value Partner <no-reply@valuepartner.local>")

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "valuepartner.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "valuepartner.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "valuepartner.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("API_AUTH_THROTTLE", default="10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles key on the client address; without this DRF trusts any X-Forwarded-For a client sends.
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Value Partner API",
    "DESCRIPTION": "Households, clients and portfolios for registered investment advisors.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from drf-spectacular-sidecar through static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StrategyRunKindEnum": "strategies.models.choices.RunKind",
        "StrategyRunStatusEnum": "strategies.models.choices.RunStatus",
        "OrderStatusEnum": "trading.choices.OrderStatus",
        "TransactionKindEnum": "portfolios.choices.TransactionKind",
    },
}

# --- Market data -----------------------------------------------------------------------------
# Alpaca's market data API; without keys the price chain uses the bundled datasets only.
ALPACA_API_KEY = env.str("ALPACA_API_KEY", default="")
ALPACA_SECRET_KEY = env.str("ALPACA_SECRET_KEY", default="")
ALPACA_DATA_URL = env.str("ALPACA_DATA_URL", default="")
# Alpaca's trading API and its trade_updates stream (live accounts' orders); paper endpoints by default.
ALPACA_TRADING_URL = env.str("ALPACA_TRADING_URL", default="https://paper-api.alpaca.markets")
ALPACA_STREAM_URL = env.str("ALPACA_STREAM_URL", default="wss://paper-api.alpaca.markets/stream")
ALPACA_CONNECT_TIMEOUT_SECONDS = env.float("ALPACA_CONNECT_TIMEOUT_SECONDS", default=3.05)
ALPACA_READ_TIMEOUT_SECONDS = env.float("ALPACA_READ_TIMEOUT_SECONDS", default=10.0)

# --- Paper simulator (paper accounts' broker; see trading/simulation/matching.py) ---------------
# Adverse move on every execution (bps of the reference price), plus impact at 100 % of a bar's volume
# scaled by the execution's share of it; the largest share of one bar's volume one order may take
# (0 = no cap); order-to-market latency; where trade updates go; delivery attempts before an update
# is left for operators (admin); bars met per order per run.
SIMULATOR_SLIPPAGE_BPS = env.str("SIMULATOR_SLIPPAGE_BPS", default="5")
SIMULATOR_IMPACT_BPS = env.str("SIMULATOR_IMPACT_BPS", default="50")
SIMULATOR_PARTICIPATION = env.str("SIMULATOR_PARTICIPATION", default="0.10")
SIMULATOR_LATENCY_MS = env.int("SIMULATOR_LATENCY_MS", default=50)
SIMULATOR_TRADE_UPDATE_SINK = env.str("SIMULATOR_TRADE_UPDATE_SINK", default="trading.services.apply_trade_update")
SIMULATOR_MAX_DELIVERY_ATTEMPTS = env.int("SIMULATOR_MAX_DELIVERY_ATTEMPTS", default=5)
SIMULATOR_MAX_BARS_PER_RUN = env.int("SIMULATOR_MAX_BARS_PER_RUN", default=60)

# Trading core: dispatch retries, broker breaker, risk defaults, expiry and reconciliation (trading/).
TRADING_DISPATCH_ATTEMPTS = env.int("TRADING_DISPATCH_ATTEMPTS", default=4)
TRADING_DISPATCH_BACKOFF_SECONDS = env.float("TRADING_DISPATCH_BACKOFF_SECONDS", default=0.25)
TRADING_DISPATCH_BACKOFF_MAX_SECONDS = env.float("TRADING_DISPATCH_BACKOFF_MAX_SECONDS", default=4.0)
TRADING_BREAKER_FAILURE_THRESHOLD = env.int("TRADING_BREAKER_FAILURE_THRESHOLD", default=5)
TRADING_BREAKER_RESET_SECONDS = env.float("TRADING_BREAKER_RESET_SECONDS", default=30.0)
TRADING_MARKET_BUY_BUFFER_PERCENT = env.str("TRADING_MARKET_BUY_BUFFER_PERCENT", default="2")
TRADING_EXPIRY_GRACE_MINUTES = env.float("TRADING_EXPIRY_GRACE_MINUTES", default=15.0)
TRADING_RECONCILE_SETTLE_SECONDS = env.float("TRADING_RECONCILE_SETTLE_SECONDS", default=60.0)
# Firm-wide defaults below any RiskLimit row; None switches a limit off.
TRADING_RISK_DEFAULTS = {
    "max_order_notional": env.str("TRADING_MAX_ORDER_NOTIONAL", default="1000000"),
    "price_band_percent": env.str("TRADING_PRICE_BAND_PERCENT", default="10"),
    "max_position_notional": None,
    "max_concentration_percent": None,
}

# --- Web -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Client report PDFs: private (no URL), served only by the scoped, audited download view.
REPORTS_ROOT = Path(env.str("REPORTS_ROOT", default=str(MEDIA_ROOT / "private" / "reports")))
CSRF_FAILURE_VIEW = "valuepartner.errors.csrf_failure"

# --- Observability ---------------------------------------------------------------------------
# /metrics answers only these addresses (or a bearer METRICS_TOKEN): never the public by default.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "valuepartner.log.RequestContextFilter"},
        "redact": {"()": "valuepartner.log.RedactingFilter"},
    },
    "formatters": {
        "json": {
            "()": "valuepartner.log.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The filesystem broker has no host and kombu says so on every connection.
        "kombu.connection": {"level": "ERROR"},
    },
}
