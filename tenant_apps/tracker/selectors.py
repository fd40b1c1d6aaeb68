from django.db.models import QuerySet

from tenant_apps.tracker.models import Project


def projects_list() -> QuerySet[Project]:
    return Project.objects.all()
