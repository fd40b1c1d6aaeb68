"""The Celery app: tenant-schemas-celery's, so every task runs in the schema that queued it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("tenantry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
