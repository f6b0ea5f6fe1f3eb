"""Settings, read from the environment (django-environ) with embedded defaults.

The zero-setup default is SQLite under ``var/`` so ``make demo`` needs no service;
tests and deployments set ``DATABASE_URL`` to PostgreSQL.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
)
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

DEBUG = env("DEBUG")
# A development key is only acceptable when DEBUG is on; production must set SECRET_KEY.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="radiohost-dev-only-not-secret-" + "x" * 40)
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(export DEBUG=1 for local development)."
        )
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "django_celery_results",
    "catalog",
    "workers",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (CSS, the Swagger UI's assets) from the app itself, DEBUG on or off: the
    # hashed, compressed copies collectstatic wrote to STATIC_ROOT (docker-compose serves no
    # proxy in front; WhiteNoise adds far-future cache headers to the hashed names).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a throttled login through a form is a 429 page, not a 500 (catalog/api/login_limits.py)
    "catalog.api.login_limits.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]
# Content-Security-Policy on every answer: scripts only from this origin (the pages' one
# script and the Swagger UI are static files: no inline script anywhere), no plugins, no
# framing, forms posting only here. Inline styles stay allowed: the Swagger UI's bundle sets
# them at run time. Extra origins (a CDN, a tile server) go in RADIOHOST_CSP_EXTRA_SRC.
_CSP_EXTRA = env.list("RADIOHOST_CSP_EXTRA_SRC", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'", *_CSP_EXTRA],
        "script-src": ["'self'", *_CSP_EXTRA],
        "style-src": ["'self'", "'unsafe-inline'", *_CSP_EXTRA],
        "img-src": ["'self'", "data:", *_CSP_EXTRA],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

ROOT_URLCONF = "radiohost_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.page_provenance",
            ]
        },
    }
]
WSGI_APPLICATION = "radiohost_site.wsgi.application"
ASGI_APPLICATION = "radiohost_site.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'radiohost.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", True)
# The test suite also runs database-portable properties (the cone search) against an
# in-memory SQLite alias beside PostgreSQL, so both engines are checked in one run.
if env.bool("RADIOHOST_TEST_SQLITE_ALIAS", default=False):
    DATABASES["sqlite"] = env.db_url_config("sqlite://:memory:")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every login path (API Basic auth, the sign-in form, the admin) authenticates through this
# backend: failed logins are counted per (username, address), and refused (429) before the
# password is hashed (limits below).
AUTHENTICATION_BACKENDS = ["catalog.api.login_limits.ThrottledModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("RADIOHOST_STATIC_ROOT", default=BASE_DIR / "var" / "static")

# --- radiohost
# Real data (read-only) lives outside the repository; see README "Data".
RADIOHOST_DATA_DIR = env.path("RADIOHOST_DATA_DIR", default=(BASE_DIR / ".." / "shared" / "data"))
# Cutouts, checkpoints and figures.
RADIOHOST_MEDIA_ROOT = env.path("RADIOHOST_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_ROOT = RADIOHOST_MEDIA_ROOT
# Retraining fed by expert relabels (workers.tasks.retrain_from_relabels): refit once this
# many expert labels have arrived since the last refit.
RADIOHOST_RETRAIN_MIN_RELABELS = env.int("RADIOHOST_RETRAIN_MIN_RELABELS", default=20)
MEDIA_URL = "media/"
# The epoch pipeline (catalog.pipeline).
# HEALPix order of the identification tiles (3: ~5,400 VLASS components, ~4 s per tile).
RADIOHOST_TILE_ORDER = env.int("RADIOHOST_TILE_ORDER", default=3)
# The rows association may group (ml.association.sky.parse_selection): CIRADA's Duplicate_flag 2
# copies, S_Code 'E' empty islands and Quality_flag rows stay out (Gordon et al. 2021);
# e.g. "quality=1" keeps faint rows in and only possible sidelobes out.
RADIOHOST_ASSOCIATION_SKY = env(
    "RADIOHOST_ASSOCIATION_SKY", default="duplicates=drop,empty=drop,quality=any"
)
# candidates stored per component when the tiles make them (a count or "all"); empty: 64 on
# PostgreSQL, all on SQLite (catalog.pipeline.tile_candidates.top_k)
RADIOHOST_CANDIDATES_TOP_K = env("RADIOHOST_CANDIDATES_TOP_K", default="")
# New CIRADA component catalogues are picked up from here by beat (scan_inbox); empty = off.
RADIOHOST_INBOX_DIR = env("RADIOHOST_INBOX_DIR", default="")
# Components of two epochs are the same source within this radius (arcsec): 3σ of the
# difference of two VLASS QL positions, each good to ~1″ (Gordon et al. 2021 §5; the same
# 1″ as ml.host.positional.SIGMA_SINGLE_ARCSEC): 3·√2·1″ ≈ 4.2″ (a 2-D miss rate of ~1 %).
RADIOHOST_EPOCH_MATCH_ARCSEC = env.float("RADIOHOST_EPOCH_MATCH_ARCSEC", default=4.2)
# The diff: a matched component with the same host counts as changed when its reliability
# moved by more than this; epochs are compared over the HEALPix pixels (nested, this order:
# 0.84 deg² at 6) holding components of both (catalog/diff/epochs.py).
RADIOHOST_DIFF_RELIABILITY_CHANGED = env.float("RADIOHOST_DIFF_RELIABILITY_CHANGED", default=0.2)
RADIOHOST_DIFF_COVERAGE_ORDER = env.int("RADIOHOST_DIFF_COVERAGE_ORDER", default=6)
# Pages (pages app): sign-in for curators; rendered overlays and cutouts go through
# Django's storage API (default: the media root), so a shared store works across hosts.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:home"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (a new release is never served a stale cached file) and gzip/brotli copies;
    # `collectstatic` (Dockerfile) writes them and the manifest the templates' {% static %} reads.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST framework
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Reads are public; writes need an authenticated user with the model permission.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Basic auth that refuses NUL bytes and stops hashing after repeated failures. First,
        # so that missing or wrong credentials answer 401 with WWW-Authenticate (RFC 9110
        # §15.5.2), as the OpenAPI schema says; a signed-in browser session still works.
        "catalog.api.auth.ThrottledBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Keyset pages (page 10,000 costs what page 1 does); ?limit= capped at 1000.
    "DEFAULT_PAGINATION_CLASS": "catalog.api.pagination.KeysetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": [
        "catalog.api.auth.AnonThrottle",
        "catalog.api.auth.UserThrottle",
    ],
    # How many proxies in front of the app append to X-Forwarded-For: 0 (the default) means the
    # client is REMOTE_ADDR and the header is ignored. DRF's default (None) trusts the whole
    # client-sent header, so rotating X-Forwarded-For escaped the anonymous throttle. Behind
    # one TLS proxy set RADIOHOST_NUM_PROXIES=1 (README "Deployment behind TLS"); the
    # failed-login counters identify clients the same way (catalog/api/login_limits.py).
    "NUM_PROXIES": env.int("RADIOHOST_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("RADIOHOST_THROTTLE_ANON", default="600/min"),
        "user": env("RADIOHOST_THROTTLE_USER", default="3000/min"),
    },
}
# Failed logins per (username, client address) within the window, then 429 without hashing the
# password, on every login path; the address alone or the username alone is stopped only at the
# wide limit, so one user's wrong passwords never lock another out (catalog/api/login_limits.py).
RADIOHOST_LOGIN_FAILURES = env.int("RADIOHOST_LOGIN_FAILURES", default=10)
RADIOHOST_LOGIN_FAILURES_WIDE = env.int("RADIOHOST_LOGIN_FAILURES_WIDE", default=100)
RADIOHOST_LOGIN_WINDOW_S = env.int("RADIOHOST_LOGIN_WINDOW_S", default=300)
# Throttle and failed-login counters live here: a shared cache (redis://…) when several
# processes or hosts serve the API, else each process counts alone.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://radiohost")}
SPECTACULAR_SETTINGS = {
    "TITLE": "radiohost API",
    "DESCRIPTION": "Radio components, optical candidates, labels and host predictions.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Response schemas state which fields may be absent or null, as the responses do.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog.api.schema.add_error_responses",
    ],
}

# --- Celery (read by radiohost_site/celery.py with the CELERY_ namespace)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = "cpu"
# Training and evaluation go to the GPU worker (docker-compose "worker-gpu"); exact names
# are matched before the glob. On a CPU-only machine, run one worker on both queues.
# Crash safety. Tasks are acknowledged late, so a message stays in the broker until
# its task finished. On Redis an unacknowledged message is handed out again once it is older
# than ``visibility_timeout`` (kombu's default is 3,600 s: a SIGKILLed worker's tile then sat
# for an hour, and every task longer than that ran twice at once), found by a sweep that by
# default runs only every 10 s x 10 = 100 s. Here: 300 s, above a tile's hard time limit
# (RADIOHOST_TILE_SOFT_LIMIT_S + 60 s) so a running tile is never handed out twice, and a
# sweep every 10 s -- a killed worker's tile is back on the queue within ~5 min 10 s.
# RabbitMQ redelivers at once when the connection drops. Longer tasks (an epoch's diff,
# training on the gpu queue) outlive the timeout: they hold a PostgreSQL advisory lock for
# their whole run, so a redelivered copy backs off instead of running beside the first
# (README "Crash safety").
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# A tile is seconds to a minute of work (catalog.pipeline.tiling); the limit catches a hung one.
RADIOHOST_TILE_SOFT_LIMIT_S = env.int("RADIOHOST_TILE_SOFT_LIMIT_S", default=180)
# The tile watchdog (catalog.pipeline.watchdog, beat every RADIOHOST_WATCHDOG_EVERY_S): an
# identifying epoch with no tile started or finished for RADIOHOST_TILE_STALL_S has lost its
# messages (a broker restarted without persistence) and its undone tiles are re-sent. The
# stall bound is a tile's hard time limit, so a slow tile is never taken for a lost one; a
# lost epoch is moving again within stall + interval (~5 min by default).
RADIOHOST_TILE_STALL_S = env.int("RADIOHOST_TILE_STALL_S", default=RADIOHOST_TILE_SOFT_LIMIT_S + 60)
RADIOHOST_WATCHDOG_EVERY_S = env.int("RADIOHOST_WATCHDOG_EVERY_S", default=60)
# Exports (catalog.api.export_jobs): up to this many rows stream inside the request; more
# become a background job written to Django's storage (a slow client then holds no web
# worker). 50,000 host rows are ~9 MB of CSV, seconds for a client on a good line.
RADIOHOST_EXPORT_INLINE_MAX_ROWS = env.int("RADIOHOST_EXPORT_INLINE_MAX_ROWS", default=50_000)
# At most this many export jobs queued or running at once (the same export asked again
# reuses its job); a further one answers 429 until one finishes.
RADIOHOST_EXPORT_MAX_ACTIVE = env.int("RADIOHOST_EXPORT_MAX_ACTIVE", default=20)
CELERY_TASK_ROUTES = {
    "workers.tasks.train_host_model": {"queue": "gpu"},
    "workers.tasks.evaluate_host_model": {"queue": "gpu"},
    "workers.tasks.identify_tile_cnn": {"queue": "gpu"},
    "workers.tasks.*": {"queue": "cpu"},
}

# --- production hardening (manage.py check --deploy passes when DEBUG is off, and fails
# with radiohost.E001 on a weak SECRET_KEY: catalog/checks.py).
# Behind TLS: the proxy (nginx, a load balancer) terminates HTTPS and must set
# X-Forwarded-Proto: https, and strip any client-sent copy of it; Django then treats the
# request as secure (SECURE_PROXY_SSL_HEADER) and redirects plain HTTP to HTTPS
# (SECURE_SSL_REDIRECT, on by default; set SECURE_SSL_REDIRECT=0 only when the proxy
# already redirects). See README "Deployment behind TLS".
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
