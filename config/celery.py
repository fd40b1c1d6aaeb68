"""The Celery app: tenant-schemas-celery's, so every task runs in the schema that queued it.

Every task's base is OrganizationTask (shared_apps/tenants/runtime/task_base.py): it skips tasks
of deleted or inactive organizations and binds the log context. See docs/background-work.md.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("tenantry", task_cls="shared_apps.tenants.runtime.task_base:OrganizationTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The kernel keeps its tasks beside the services they run, one module per subpackage.
app.autodiscover_tasks(
    [f"shared_apps.tenants.{part}" for part in ("provisioning", "lifecycle", "runtime")]
)
