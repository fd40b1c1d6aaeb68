"""Builders for tracker rows in tests: through the services, as the product makes them."""

from typing import Any

from tenant_apps.tracker import services
from tenant_apps.tracker.models import Project, Task


def make_project(owner: Any, name: str = "Roadmap") -> Project:
    return services.project_create(name=name, created_by=owner)


def make_task(owner: Any, project: Project | None = None, **fields: Any) -> Task:
    fields.setdefault("title", "Write the launch post")
    return services.task_create(project=project or make_project(owner), created_by=owner, **fields)
