"""Tenant-aware Celery tasks on Citus, through a real broker and worker process: the
suite's own worker tests, with the worker on the coordinator."""

from tests.shared_apps.tenants.test_celery_worker import *  # noqa: F403
