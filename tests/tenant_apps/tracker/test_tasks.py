import pytest
from django.utils import timezone

from tenant_apps.tracker.models import DailySummary, Project
from tenant_apps.tracker.tasks import summary_refresh

pytestmark = pytest.mark.django_db


def test_summary_refresh_is_idempotent(in_schema, acme):
    with in_schema(acme):
        Project.objects.create(name="Anvils")
        assert summary_refresh.apply().get() == 1
        assert summary_refresh.apply().get() == 1
        Project.objects.create(name="Rockets")
        assert summary_refresh.apply().get() == 2
        assert list(DailySummary.objects.values_list("project_count", flat=True)) == [2]


def test_summary_refresh_counts_only_its_own_organization(in_schema, acme, globex):
    with in_schema(acme):
        Project.objects.create(name="Anvils")
    with in_schema(globex):
        summary_refresh.apply()
        summary = DailySummary.objects.get()
    assert summary.project_count == 0
    assert summary.day == timezone.localdate()
    with in_schema(acme):
        assert not DailySummary.objects.exists()
