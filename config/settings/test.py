"""The test suite: real PostgreSQL and Redis, embedded unless DATABASE_URL/REDIS_URL are set."""

from config.env import given, or_default
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    CACHES,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CHANNEL_LAYERS,
    DATA_DIR,
    DATABASES,
    INSTALLED_APPS,
    SHARED_APPS,
    env,
)

DEBUG = False
# `manage.py dev` and the embedded servers (the tests start both): never in production.
SHARED_APPS = [*SHARED_APPS, "shared_apps.localdev"]
INSTALLED_APPS = [*INSTALLED_APPS, "shared_apps.localdev"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Browser tests run the app in other processes and read its emails from their output.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
# Each test runs in a transaction on its thread's persistent connection, which a pool
# would hand back between queries; the pool's own tests (test_db_pool.py) build pools, and
# processes the tests start (dev, prod settings) use one.
DATABASES["default"]["OPTIONS"].pop("pool", None)
DATABASES["default"]["CONN_MAX_AGE"] = 60
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "test-celerybeat-schedule")
WHITENOISE_USE_FINDERS = True

# pytest-xdist workers share one Redis: each keeps its cache keys, Celery queues and
# channel groups under its own prefix, as each has its own test database.
_RUN = "test-" + env.str("PYTEST_XDIST_WORKER", default="main")
CACHES["default"]["KEY_PREFIX"] = _RUN
CACHES["sessions"]["KEY_PREFIX"] = f"{_RUN}-sessions"
# Abandoned messages are looked for every second (kombu's default is every 100 s), so the
# redelivery test's worker finds a killed worker's task as soon as its timeout has passed.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{_RUN}:",
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{_RUN}:asgi"
TENANT_ROUTING_CHANNEL = f"{_RUN}:tenant-routing:invalidate"
STATIC_ROOT = None  # static files come from the app folders (WhiteNoise finders)
# Tests build schemas on demand; the pool's own tests turn it on.
SCHEMA_POOL_SIZE = 0
# Uploads of each xdist worker under its own folder (tests that store files also point
# MEDIA_ROOT at their own temporary directory).
MEDIA_ROOT = str(DATA_DIR / "test-media" / _RUN)
# Events: each xdist worker's streams and dirty set under its own prefix; tests relay
# explicitly rather than through a worker (the browser tests' worker relays on commit).
EVENTS_REDIS_PREFIX = f"{_RUN}:events:"
EVENTS_RELAY_ON_COMMIT = or_default(given.events_relay_on_commit, False)
# The webhook tests' receiver listens on 127.0.0.1 (production refuses it: base.py).
WEBHOOKS_ALLOWED_PRIVATE_TARGETS = ["127.0.0.1/32"]
USAGE_REDIS_PREFIX = f"{_RUN}:usage:"
