from tenant_apps.tracker.models import Project


def project_create(*, name: str) -> Project:
    return Project.objects.create(name=name.strip())
