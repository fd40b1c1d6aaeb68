"""Settings for the Celery benchmark's workers and producer (BENCH_DATABASE)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES, env

DATABASES["default"]["NAME"] = env.str("BENCH_DATABASE")
DEBUG = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": "bench-celery:",
}
CELERY_BEAT_SCHEDULE = {}
