"""Settings for the Review Portal: one module, every difference between environments
comes from environment variables (see the README's table)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "")
    if raw not in {"", "0", "1"}:
        raise ImproperlyConfigured(f"{name} must be 0 or 1, not {raw!r}")
    return default if raw == "" else raw == "1"


def env_list(name: str, default: str) -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def _required(name: str) -> str:
    raise ImproperlyConfigured(
        f"{name} is not set. Set it to a long random string, or set DJANGO_DEBUG=1 "
        "for local development."
    )


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY")
    or (DEBUG and "django-insecure-dev-only")
    or _required("DJANGO_SECRET_KEY")
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# HTTPS hardening, on when the portal is served over TLS (DJANGO_HTTPS=1).
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY"):
    # The TLS-terminating proxy must set this header and strip it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "recommendations",
    "sources",
    "alerts",
]

MIDDLEWARE = [
    # First, so that even a response another middleware makes carries CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session and CSRF middleware, so it sees every cookie a page sets.
    "review_portal.lib.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records the signed-in user as the author of each change in the history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below), loosened for the
    # API's Redoc page only.
    "review_portal.middleware.ContentSecurityPolicyMiddleware",
    "review_portal.middleware.PermissionsPolicyMiddleware",
    # Locks out admin sign-in after repeated failures; django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp 4): everything from our own origin, no inline
# scripts or styles anywhere on the site's own pages (their scripts are static
# files), nothing may frame the site, no plugins. Images may also be data: URLs
# (GOV.UK Frontend's CSS uses a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The API's Redoc page (not our markup) also needs inline styles and a worker from a
# blob: URL: review_portal/middleware.py adds these there. /api/docs/ is a page of
# the site's own (review_portal/api.py docs), under the same policy as every page.
CSP_API_DOCS_PATHS = ("/api/redoc/",)
CSP_API_DOCS_UPDATE = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}
# Permissions-Policy (review_portal/middleware.py): features no page uses, off for
# the portal and for anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    ]
}

# Read-only CORS (django-cors-headers): any site's scripts, a notebook in a browser
# say, may GET the API and the downloads; no cookies are sent, no other method.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/(api/.*|[a-z-]+\.(csv|json)|data/.*)$"

ROOT_URLCONF = "review_portal.urls"
WSGI_APPLICATION = "review_portal.wsgi.application"

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
                "review_portal.navigation.navigation",
            ],
            # review_portal is no app, so its template tags are named here.
            "libraries": {
                "glossary": "review_portal.templatetags.glossary",
                "public": "review_portal.lib.templatetags.public",
            },
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE),
    # so concurrent writers wait for each other (up to the 5-second busy timeout)
    # instead of failing when a reader tries to become a writer.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the corrections throttle's counts (sources/corrections.py), so it
# must be shared by every server process. In production, Redis (REDIS_URL, e.g.
# redis://127.0.0.1:6379/0), whose INCR is atomic. Without it, the database's cache
# table (made by `manage.py createcachetable`, which `make run` runs): slower, but
# shared by every process that uses the database, unlike the per-process LocMemCache.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "review-portal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Whole pages for anonymous readers (review_portal/lib/pagecache.py), keyed by the
# data version, so never stale: in each process's memory by default, or in Redis
# (REDIS_URL) where several servers share them. DJANGO_PAGE_CACHE=0 turns it off.
CACHES["pages"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "review-portal-pages",
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
)
PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_ENABLED = env_bool("DJANGO_PAGE_CACHE", default=True)
# Pages that differ by reader (forms, the admin) or are large files cached already.
PAGE_CACHE_SKIP = ["/admin/", "/report/", "/alerts/", "/data/review-portal."]

# django-axes checks for a lockout before any other backend sees the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failed attempts from
# one address, or for one username, sign-in is refused (429, templates/locked_out.html)
# until AXES_COOLOFF_TIME has passed since the last failure. Attempts are kept in
# the database, so every server process sees them; `manage.py axes_reset` lifts
# every lockout at once. Behind a proxy the address is the one the corrections
# throttle uses (sources.corrections.client_ip, following DJANGO_BEHIND_PROXY).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(
    minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sources.corrections.client_ip"
AXES_LOCKOUT_CALLABLE = "review_portal.lockout.locked_out"
# Without this, every manage.py command starts by logging axes' configuration.
# Failed attempts and lockouts are logged either way.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The public API under /api/ (review_portal/api.py): read-only, open, no sessions.
# Its viewsets set their own pagination (50 a page, ?page_size= up to 200).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "review_portal.lib.api.PublicSchema",
    # Errors in the shape the downloads share: review_portal/lib/errors.py.
    "EXCEPTION_HANDLER": "review_portal.lib.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Review Portal API",
    "DESCRIPTION": (
        "Read-only JSON API of the Review Portal: the recommendations of England's "
        "Independent Review of Children's Social Care, the responses to them and the "
        "sources behind every statement. Records are found by slug; lists take the "
        "same filters as the site's pages and are paginated (`page`, `page_size`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Redoc is served from our own static files, not a CDN.
    "REDOC_DIST": "SIDECAR",
    # Two models have a "kind" with different choices: name both enums.
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "sources.models.SourceKind",
        "OrganisationKindEnum": "sources.models.OrganisationKind",
        "RecommendationKindEnum": "recommendations.models.RecommendationKind",
    },
}

# Email, for the alerts (alerts/): SMTP from the environment. With DEBUG on and no
# EMAIL_HOST, messages are printed to the console instead.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if EMAIL_HOST else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Review Portal <alerts@localhost>"
)
if DEBUG and not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_HOST = EMAIL_HOST or "localhost"
# The portal's public address, for links in emails sent outside a request.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}
