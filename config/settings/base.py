"""Settings shared by every environment; dev.py, test.py and prod.py adjust them.

Sections in cookiecutter-django's order (GENERAL, DATABASES, ... django-allauth, DRF),
then Tenantry's own. Wiring only: every value comes from the environment through
config/env.py or is written here; no app module is imported (config/lazy.py names the
few objects Django wants by dotted path).
"""

from celery.schedules import crontab
from csp.constants import NONCE
from kombu import Queue

from config.env import (
    BASE_DIR,
    DATA_DIR,
    database_config,
    embedded_database_url,
    embedded_redis_url,
    embedded_services_needed,
    env,
    given,
    kombu_url,
    or_default,
)
from config.lazy import built_on_use, str_on_use

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Tenantry")
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# TENANCY (django-tenants)
# ------------------------------------------------------------------------------
# Organizations live at <slug>.<PLATFORM_DOMAIN>; the platform itself at PLATFORM_DOMAIN
# (and www.). https://django-tenants.readthedocs.io/en/latest/install.html
PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
PUBLIC_HOSTS = frozenset({PLATFORM_DOMAIN, f"www.{PLATFORM_DOMAIN}"})
# Custom domains are admitted per request by the routing middleware (see hosts.py).
ALLOWED_HOSTS = built_on_use(
    "shared_apps.tenants.routing.hosts.PlatformAllowedHosts",
    [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])],
)
TENANT_MODEL = "tenants.Organization"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# How long a process may keep a hostname → organization answer (invalidation is pushed
# to every process on change; this only bounds an entry's life if a push is missed).
TENANT_ROUTING_CACHE_SECONDS = env.int("TENANT_ROUTING_CACHE_SECONDS", default=300)

# DATABASES
# ------------------------------------------------------------------------------
# DATABASE_URL, else the embedded PostgreSQL under .data/ (started by `manage.py dev`
# and by the test session).
DATABASE_URL = given.database_url or embedded_database_url(DATA_DIR)
# Under ASGI each request's sync code runs in a thread of its own, and a persistent
# connection (CONN_MAX_AGE) is kept per thread: under load that exhausts max_connections.
# Each process keeps a psycopg pool instead (Django 5.1+), sized from the environment:
# web processes × DATABASE_POOL_MAX_SIZE + Celery worker processes + beat must stay below
# PostgreSQL's max_connections; past one machine, PgBouncer. docs/deploy.md#database-connections
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
DATABASE_POOL = env.bool("DATABASE_POOL", default=True)
DATABASE_POOL_SCHEMA_AFFINITY = env.bool("DATABASE_POOL_SCHEMA_AFFINITY", default=True)
DATABASES = {"default": database_config(DATABASE_URL, pool=DATABASE_POOL and {
    "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
    "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
    # Seconds a request waits for a free connection before failing (then a 500, logged).
    "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10),
    # True: each organization prefers the pooled connections that served it before, whose
    # PostgreSQL backend has its tables' catalog entries cached (shared_apps/tenants/db/
    # pool.py). On by default: with PostgreSQL sized for the schemas, in the serving
    # benchmark it cut the backends' CPU per request by 28% and raised throughput from
    # 0.83x to 0.94x of the plain control, at a higher p99 (docs/deploy.md).
    "schema_affinity": DATABASE_POOL_SCHEMA_AFFINITY,
})}  # fmt: skip
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Behind PgBouncer in transaction pooling mode: every transaction sends its own
# search_path (in the same round trip as its first statement) and no server-side cursors
# are used. Session pooling, or a direct connection, needs neither. docs/deploy.md.
PGBOUNCER_TRANSACTION_MODE = env.bool("PGBOUNCER_TRANSACTION_MODE", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = PGBOUNCER_TRANSACTION_MODE
# Citus schema-based sharding (every organization a distributed schema on a worker):
# "auto" asks the database once per process, "on"/"off" skip the question. docs/scaling.md.
CITUS_MODE = env.str("CITUS_MODE", default="auto")
# How citus_schema_move copies a schema: "block_writes" (writes wait, fastest for small
# schemas), "auto" (logical replication, writes continue) or "force_logical".
CITUS_SHARD_TRANSFER_MODE = env.str("CITUS_SHARD_TRANSFER_MODE", default="block_writes")
# Move each new organization's (still empty) schema to the worker holding the fewest.
CITUS_PLACE_ON_LEAST_LOADED = env.bool("CITUS_PLACE_ON_LEAST_LOADED", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS: cache, sessions, broker, channel layer, routing invalidation
# ------------------------------------------------------------------------------
# Every use takes REDIS_URL as given (its database number and query string, TLS options
# included) unless it has a URL of its own. Uses that share a database are kept apart by
# key prefix: cache "cache", sessions "sessions" (both after the schema), Celery "celery:",
# channels "asgi:", routing "tenantry:tenant-routing:". docs/deploy.md#redis
REDIS_URL = given.redis_url or embedded_redis_url(DATA_DIR)
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
REDIS_SESSIONS_URL = env.str("REDIS_SESSIONS_URL", default=REDIS_URL)
CHANNEL_LAYER_REDIS_URL = env.str("CHANNEL_LAYER_REDIS_URL", default=REDIS_URL)
TENANT_ROUTING_REDIS_URL = env.str("TENANT_ROUTING_REDIS_URL", default=REDIS_URL)
TENANT_ROUTING_CHANNEL = "tenantry:tenant-routing:invalidate"

# CACHES (docs/cache.md)
# ------------------------------------------------------------------------------
# Every key is prefixed with the current schema (django_tenants.cache.make_key): nothing
# cached at one organization can be read at another. A Redis outage must slow pages down,
# not break them: reads miss, writes are dropped, and each failure is logged.
_REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 0.5,
    "SOCKET_TIMEOUT": 0.5,
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "cache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
    # Sessions under their own prefix (or REDIS_SESSIONS_URL). Never cache.clear() a
    # cache whose database is shared: django-redis clears with FLUSHDB.
    "sessions": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_SESSIONS_URL,
        "KEY_PREFIX": "sessions",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
}

# SESSIONS
# ------------------------------------------------------------------------------
# Sessions live in each schema's own table, read through the schema-prefixed "sessions"
# cache; with Redis down they are read from the table. The cached copy lives at most
# SESSION_CACHE_SECONDS (docs/cache.md says why). Their cookies: SECURITY.
SESSION_ENGINE = "shared_apps.tenants.runtime.sessions"
SESSION_CACHE_ALIAS = "sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=300)

# URLS
# ------------------------------------------------------------------------------
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
ASGI_APPLICATION = "config.asgi.application"

# APPS
# ------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "shared_apps.tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tenant_apps.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "shared_apps.public_site",
    "shared_apps.platform",
    "shared_apps.operations",
    "shared_apps.failed_tasks",
    "shared_apps.usage",
    "shared_apps.ui",
    # The tenant API's libraries (DRF) have no models: listed with the shared apps so that
    # settings deriving INSTALLED_APPS from SHARED_APPS + TENANT_APPS (tests/deploy) keep them.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenant_apps.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "tenant_apps.tracker",
    "tenant_apps.notifications",
    "tenant_apps.files",
    "tenant_apps.events",
    "tenant_apps.webhooks",
    "tenant_apps.api",
    "tenant_apps.branding",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_USER_MODEL = "accounts.User"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# PASSWORDS
# ------------------------------------------------------------------------------
# Every path that sets a password checks these: allauth's sign-up, reset and change, the
# invitation form, and member_create (the CLI's --owner-password). docs/identity.md
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#module-django.contrib.auth.password_validation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    # /healthz, /readyz and the proxy's certificate check answer on any host (probes come
    # by IP), so they are served before the host picks an organization.
    "shared_apps.operations.middleware.OperationsEndpointsMiddleware",
    # Ahead of routing, so the router's own pages (bad host, unknown organization,
    # suspended, being set up) carry the same security headers and policy as every other.
    "shared_apps.tenants.routing.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shared_apps.tenants.routing.middleware.TenantRoutingMiddleware",
    "shared_apps.tenants.runtime.correlation.RequestLogContextMiddleware",
    # The HTTPS redirect reads the host, which routing has checked by now.
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenant_apps.accounts.impersonated_sessions.ImpersonationMiddleware",
    "tenant_apps.accounts.middleware.RequireMFAMiddleware",
    # After authentication (and after the view: the API's token sets the user there).
    "shared_apps.usage.middleware.UsageMiddleware",
]

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
# Where deploy/build.sh collects them (the image serves them from there with WhiteNoise).
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# MEDIA: uploads per organization (MEDIA_*, STORAGES, FILES_*)
# ------------------------------------------------------------------------------
# Every uploaded file lives under its organization's schema name, on local disk or in an
# S3-compatible bucket; downloads always pass the download view's checks. docs/files.md
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))
FILES_STORAGE = env.str("FILES_STORAGE", default="local")  # "local" | "s3"
# Seconds a presigned S3 download link stays valid (FILES_DOWNLOAD = "presigned").
FILES_PRESIGNED_SECONDS = env.int("FILES_PRESIGNED_SECONDS", default=60)
_FILE_STORAGES = {
    "local": {"BACKEND": "shared_apps.tenants.runtime.storage.TenantFileSystemStorage"},
    "s3": {
        "BACKEND": "shared_apps.tenants.runtime.storage.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("FILES_S3_BUCKET", default=""),
            "endpoint_url": env.str("FILES_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("FILES_S3_REGION", default="") or None,
            "access_key": env.str("FILES_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("FILES_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("FILES_S3_PREFIX", default=""),
            # No ACL on upload: objects stay as private as the bucket (keep it private).
            "default_acl": None,
            "querystring_expire": FILES_PRESIGNED_SECONDS,
        },
    },
}
STORAGES = {
    "default": _FILE_STORAGES[FILES_STORAGE],
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# "stream" (through the app), "accel" (nginx X-Accel-Redirect), "presigned" (S3 redirect).
FILES_DOWNLOAD = env.str("FILES_DOWNLOAD", default="stream")
FILES_ACCEL_REDIRECT_PREFIX = env.str("FILES_ACCEL_REDIRECT_PREFIX", default="/_protected/")
FILES_MAX_UPLOAD_BYTES = env.int("FILES_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Profile pictures (PNG, JPEG, WebP by content), in the same storage. docs/identity.md
AVATAR_MAX_UPLOAD_BYTES = env.int("AVATAR_MAX_UPLOAD_BYTES", default=2 * 1024 * 1024)
# Sniffed content type → the file-name extensions that may carry it.
FILES_ALLOWED_TYPES = {
    "application/pdf": ["pdf"],
    "image/png": ["png"],
    "image/jpeg": ["jpg", "jpeg"],
    "image/gif": ["gif"],
    "image/webp": ["webp"],
    "text/plain": ["txt", "csv", "md", "log"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ["docx"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ["xlsx"],
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ["pptx"],
    "application/vnd.oasis.opendocument.text": ["odt"],
    "application/vnd.oasis.opendocument.spreadsheet": ["ods"],
}
# An organization's logo (tenant_apps/branding, docs/ui.md "Branding"): raster images
# only. SVG can carry script, and sniffs as text, so it is refused with the other types.
BRANDING_LOGO_MAX_BYTES = env.int("BRANDING_LOGO_MAX_BYTES", default=512 * 1024)
BRANDING_LOGO_TYPES = {
    "image/png": ["png"],
    "image/jpeg": ["jpg", "jpeg"],
    "image/webp": ["webp"],
}

# TEMPLATES
# ------------------------------------------------------------------------------
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
                "csp.context_processors.nonce",
                "tenant_apps.branding.context_processors.branding",
            ],
        },
    }
]

# SECURITY (docs/security.md)
# ------------------------------------------------------------------------------
SECRET_KEY = or_default(given.secret_key, "insecure-dev-key-change-me")
# Same-origin POSTs on any organization host or custom domain pass Django's Origin check
# without help; trusting "*.PLATFORM_DOMAIN" here would only admit cross-organization
# posts, so only explicitly listed origins are trusted.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The 403 for a failed CSRF check, in the platform's layout like the other error pages.
CSRF_FAILURE_VIEW = "shared_apps.tenants.routing.error_pages.csrf_failure"
# The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR
# networks), applied by config/asgi.py: the client address for rate limits and the audit
# log. Never "*" (anyone could claim any address). docs/security.md
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"])
# Host-only cookies (no Domain attribute): a session made at one organization is never
# sent to, nor valid at, another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp). Scripts and styles come from our own static files;
# an inline <script>/<style> needs nonce="{{ CSP_NONCE }}". No inline event handlers
# (onsubmit=…): see static/js/confirm.js.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# EMAIL
# ------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tenantry <no-reply@localhost>")
# Absolute links in emails (invitations, password resets started outside a request).
PUBLIC_URL_SCHEME = or_default(given.public_url_scheme, "http")
PUBLIC_URL_PORT = or_default(given.public_url_port, "")

# ADMIN: the platform console (shared_apps.platform; django.contrib.admin is not used)
# ------------------------------------------------------------------------------
# Platform staff need a second factor for the console (prod.py turns it on).
PLATFORM_CONSOLE_REQUIRE_MFA = or_default(given.platform_console_require_mfa, False)
# Support impersonation ends by itself after this long.
IMPERSONATION_MINUTES = env.int("IMPERSONATION_MINUTES", default=30)

# LOGGING (docs/background-work.md#logs)
# ------------------------------------------------------------------------------
# Every line carries the organization (schema), the user, the correlation id of the request
# and the task id where there is one: readable lines by default, JSON with LOG_FORMAT=json.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"log_context": {"()": "shared_apps.tenants.runtime.log_context.LogContextFilter"}},
    "formatters": {
        "text": {"()": "shared_apps.tenants.runtime.log_context.ReadableFormatter"},
        "json": {"()": "shared_apps.tenants.runtime.log_context.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["log_context"],
            "formatter": or_default(given.log_format, "text"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# CELERY (docs/background-work.md)
# ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = kombu_url(env.str("CELERY_BROKER_URL", default=REDIS_URL))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message not acknowledged within the visibility timeout is delivered again: it must
# exceed the longest task's run time plus its countdown (fan-out spreads included).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "global_keyprefix": "celery:",
}
# Two queues: `interactive` for work someone is waiting on (the default), `background`
# for bulk and long work (per-organization fan-outs, exports, reports). A worker without
# --queues consumes both; in production run one pool per queue.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_QUEUES = [
    Queue("interactive", routing_key="interactive"),
    Queue("background", routing_key="background"),
]
CELERY_TASK_ROUTES = {
    "tenantry.fan_out_to_organizations": {"queue": "background"},
    "tenants.export_organization": {"queue": "background"},
    "tenants.move_organization": {"queue": "background"},
    "tenants.refill_schema_pool": {"queue": "background"},
    "tracker.summary_refresh": {"queue": "background"},
    "tracker.trash_purge": {"queue": "background"},
    "tracker.overdue_digest": {"queue": "background"},
    # A slow receiver (up to the timeout per attempt) must not hold up interactive work.
    "webhooks.deliver": {"queue": "background"},
    "usage.flush": {"queue": "background"},
}
# Retry-safe delivery: acknowledged only after the task ends, given back to the queue if
# the worker dies mid-task, one message reserved per process at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 270
# No result backend: tasks write their outcome to the database; failures past their
# retries land in the failed-task store (manage.py failed_tasks).
CELERY_TASK_IGNORE_RESULT = True
# Seconds a worker process keeps an active organization looked up by schema
# (tenant-schemas-celery #28); changes are pushed to workers at once regardless.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=60)
# Django's LOGGING (with organization, user and correlation id) applies in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Periodic work for every organization is an entry for the fan-out task naming the task
# to run once per active organization, spread over `spread_seconds` (settings import no
# app, so entries are written out; tests/shared_apps/tenants/test_fanout.py checks each
# one names a registered task and a spread the broker allows). docs/background-work.md
CELERY_BEAT_SCHEDULE = {
    # The demo app's per-organization job: hourly, spread over ten minutes.
    "tracker-summary-hourly": {
        "task": "tenantry.fan_out_to_organizations",
        "schedule": crontab(minute=5),
        "kwargs": {
            "task_name": "tracker.summary_refresh",
            "spread_seconds": 600,
            "task_kwargs": {},
        },
    },
    # Domain events: relay the organizations that emitted something (docs/events.md).
    "events-relay-dirty": {
        "task": "events.relay_dirty",
        "schedule": env.float("EVENTS_RELAY_DIRTY_SECONDS", default=5.0),
    },
    # The backstop for wake-ups that were lost: every organization, spread over ten minutes.
    "events-relay-backstop": {
        "task": "tenantry.fan_out_to_organizations",
        "schedule": crontab(minute="*/15"),
        "kwargs": {
            "task_name": "events.relay_organization",
            "spread_seconds": 600,
            "task_kwargs": {},
        },
    },
    # The tracker's trash, emptied of what is older than TRACKER_TRASH_DAYS, nightly.
    "tracker-trash-purge-nightly": {
        "task": "tenantry.fan_out_to_organizations",
        "schedule": crontab(hour=3, minute=15),
        "kwargs": {
            "task_name": "tracker.trash_purge",
            "spread_seconds": 1800,
            "task_kwargs": {},
        },
    },
    # Each assignee's overdue tasks by email, every morning (UTC), spread over half an hour.
    "tracker-overdue-digest-daily": {
        "task": "tenantry.fan_out_to_organizations",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {
            "task_name": "tracker.overdue_digest",
            "spread_seconds": 1800,
            "task_kwargs": {},
        },
    },
    # Usage meters copied from Redis into UsageDay (docs/events.md, "Usage metering").
    "usage-flush": {
        "task": "usage.flush",
        "schedule": env.float("USAGE_FLUSH_SECONDS", default=60.0),
    },
}

# CHANNELS
# ------------------------------------------------------------------------------
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "shared_apps.tenants.runtime.channel_layer.RedisChannelLayer",
        "CONFIG": {
            # A receive blocks in Redis (BZPOPMIN, 2 s in Tenantry's layer, 5 s in
            # channels-redis's); redis-py 8's default socket_timeout is 5 s, so an idle
            # socket's read timed out first and the WebSocket dropped
            # (redis/redis-py#4091, django/channels_redis#422). The layer's subclass keeps
            # the cancellations redis-py's timed writes can lose (its docstring).
            "hosts": [
                {
                    "address": CHANNEL_LAYER_REDIS_URL,
                    "socket_timeout": 30,
                    "socket_connect_timeout": 5,
                    "health_check_interval": 30,
                }
            ],
            "prefix": "asgi",
            # Messages queued per server process before channels-redis drops the excess
            # (default 100): an organization-wide push reaches every web process at once.
            "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=1500),
        },
    }
}

# django-allauth (docs/identity.md)
# ------------------------------------------------------------------------------
# Each organization's users, email addresses, MFA devices and sessions live in its own
# schema; platform staff live in public. https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_ADAPTER = "tenant_apps.accounts.adapter.AccountAdapter"
# Sign-up costs the same for a new and an existing address (forms.SignupForm).
ACCOUNT_FORMS = {"signup": "tenant_apps.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Counted in the cache, whose keys carry the schema: limits apply per organization.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# What allauth signs or tokenizes is valid only in the schema that made it (row ids repeat
# across schemas; the secret is the platform's): the confirmation key's salt names the
# schema, and so does the reset token's. docs/security.md
ACCOUNT_SALT = str_on_use("shared_apps.tenants.runtime.signing.schema_salt", "tenantry.account")
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "tenant_apps.accounts.tokens.SchemaBoundPasswordResetTokenGenerator"
)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PLATFORM_NAME
INVITATION_LIFETIME_DAYS = env.int("INVITATION_LIFETIME_DAYS", default=7)

# django-rest-framework: the tenant API (/api/v1/ on every organization's host; docs/api.md)
# ------------------------------------------------------------------------------
# One envelope ({"data", "error", "meta"}), one error mapping, cursor pagination and
# django-filter. Credentials (personal API tokens, the session with CSRF) are looked up in
# the schema of the host called, so they are worthless elsewhere.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its WWW-Authenticate header makes "no credentials" a 401, not a 403.
        "tenant_apps.api.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenant_apps.api.permissions.IsMember"],
    "DEFAULT_RENDERER_CLASSES": ["shared_apps.api.renderers.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "shared_apps.api.envelope.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "tenant_apps.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # drf-spectacular's, with the Bearer scheme registered (tenant_apps/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "tenant_apps.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["tenant_apps.api.throttling.PlanRateThrottle"],
}
# Requests per minute by plan (PLATFORM_PLANS): for the whole organization and for each
# credential. A plan missing here gets the default plan's limits. 429 + Retry-After.
API_RATE_LIMITS = {
    "free": {"organization": 600, "credential": 120},
    "team": {"organization": 3000, "credential": 600},
    "business": {"organization": 12000, "credential": 2400},
}
API_RATE_LIMIT_DEFAULT_PLAN = "free"
# OpenAPI 3 at /api/schema/ on each host, Swagger UI at /api/docs/ from our own static
# files (drf-spectacular-sidecar), its script served as a file: the site's CSP holds.
SPECTACULAR_SETTINGS = {
    "TITLE": "Tenantry organization API",
    "DESCRIPTION": "The REST API on every organization's host. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tenant_apps.api.schema.add_examples",
        "shared_apps.api.schema.wrap_in_envelope",
    ],
}
# A token's last use is written at most this often (seconds): not one UPDATE per request.
API_TOKEN_LAST_USED_RESOLUTION = 60
# RS256 access tokens (/api/v1/auth/token/): private keys are PEM files in this directory,
# mounted in production (never in the repository); `manage.py jwt_keys rotate` adds one.
JWT_PRIVATE_KEYS_DIR = env.str("JWT_PRIVATE_KEYS_DIR", default=str(DATA_DIR / "jwt-keys"))
JWT_ACCESS_TOKEN_SECONDS = env.int("JWT_ACCESS_TOKEN_SECONDS", default=300)
JWT_REFRESH_TOKEN_SECONDS = env.int("JWT_REFRESH_TOKEN_SECONDS", default=14 * 24 * 3600)
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="tenantry-api")

# YOUR STUFF: Tenantry's own settings
# ------------------------------------------------------------------------------

# Organization lifecycle
PLATFORM_PLANS = env.list("PLATFORM_PLANS", default=["free", "team", "business"])
ORGANIZATION_DELETE_GRACE_DAYS = env.int("ORGANIZATION_DELETE_GRACE_DAYS", default=30)
# Where organization exports are written (private; served only to staff).
EXPORTS_DIR = env.str("EXPORTS_DIR", default=str(DATA_DIR / "exports"))
# Self-serve "create your workspace" on the public site.
SELF_SERVE_SIGNUP = env.bool("SELF_SERVE_SIGNUP", default=False)
# Schemas kept built ahead of time for instant provisioning (0 turns the pool off).
SCHEMA_POOL_SIZE = env.int("SCHEMA_POOL_SIZE", default=5)

# Deploys: migrate_tenants, health endpoints (docs/deploy.md)
TENANT_MIGRATION_WORKERS = env.int("TENANT_MIGRATION_WORKERS", default=2)
TENANT_MIGRATION_LOCK_WAIT_SECONDS = env.float("TENANT_MIGRATION_LOCK_WAIT_SECONDS", default=900)
# How long /readyz reuses its pending-migrations answer (one query over every schema).
READINESS_CACHE_SECONDS = env.float("READINESS_CACHE_SECONDS", default=5)
APP_VERSION = env.str("APP_VERSION", default="dev")
APP_COMMIT = env.str("APP_COMMIT", default="unknown")

# Local development (`manage.py dev`)
EMBEDDED_SERVICES = embedded_services_needed()
DEV_SERVER_HOST = env.str("HOST", default="127.0.0.1")
DEV_SERVER_PORT = env.int("PORT", default=8000)

# Domain events: outbox, relay, transports (docs/events.md); their beat entries: CELERY
# The transport the relay publishes to and consumers read from.
EVENTS_TRANSPORT = env.str(
    "EVENTS_TRANSPORT", default="tenant_apps.events.transports.RedisStreamsTransport"
)
EVENTS_REDIS_URL = env.str("EVENTS_REDIS_URL", default=REDIS_URL)
EVENTS_REDIS_PREFIX = "events:"
# Per stream (domain), trimmed approximately: consumers must keep up within this many.
EVENTS_REDIS_STREAM_MAXLEN = env.int("EVENTS_REDIS_STREAM_MAXLEN", default=1_000_000)
# With EVENTS_TRANSPORT=tenant_apps.events.transports.KafkaTransport: librdkafka's
# settings (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md).
EVENTS_KAFKA_CONFIG = {"bootstrap.servers": env.str("EVENTS_KAFKA_BOOTSTRAP", default="")}
# Consumers' own librdkafka settings (session and rebalance timeouts, for instance).
EVENTS_KAFKA_CONSUMER_CONFIG: dict[str, object] = {}
EVENTS_KAFKA_TOPIC_PREFIX = env.str("EVENTS_KAFKA_TOPIC_PREFIX", default="tenantry.")
# Partitions of a domain topic the platform creates (consumers create missing topics).
EVENTS_KAFKA_PARTITIONS = env.int("EVENTS_KAFKA_PARTITIONS", default=12)
EVENTS_KAFKA_FLUSH_SECONDS = env.float("EVENTS_KAFKA_FLUSH_SECONDS", default=30.0)
# Queue the organization's relay as each event commits (the sweeps run regardless).
EVENTS_RELAY_ON_COMMIT = or_default(given.events_relay_on_commit, True)
EVENTS_RELAY_BATCH_SIZE = env.int("EVENTS_RELAY_BATCH_SIZE", default=500)
EVENTS_RELAY_DIRTY_PER_TICK = env.int("EVENTS_RELAY_DIRTY_PER_TICK", default=1000)

# Tracker: days a deleted project or task stays in the trash before the nightly purge.
TRACKER_TRASH_DAYS = env.int("TRACKER_TRASH_DAYS", default=30)

# Outgoing webhooks (docs/events.md, "Webhooks"): networks webhooks may reach although they
# are not public (loopback, private...): none in production; the test settings allow
# 127.0.0.1 for the test receiver. Metadata addresses are refused whatever this says.
WEBHOOKS_ALLOWED_PRIVATE_TARGETS: list[str] = []
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=20)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
# The wait after the first failed attempt; each later one doubles it (at most 30 min).
WEBHOOKS_RETRY_FIRST_SECONDS = env.int("WEBHOOKS_RETRY_FIRST_SECONDS", default=30)

# Usage metering (docs/events.md, "Usage metering"): Redis meters per organization and
# day, flushed to UsageDay in the public schema.
USAGE_REDIS_URL = env.str("USAGE_REDIS_URL", default=REDIS_URL)
USAGE_REDIS_PREFIX = "usage:"
# A day's meters outlive the day long enough for the flushes after midnight to copy them.
USAGE_REDIS_TTL_SECONDS = 3 * 24 * 3600
USAGE_API_PATH_PREFIX = "/api/"
USAGE_FLUSH_BATCH = env.int("USAGE_FLUSH_BATCH", default=5000)
