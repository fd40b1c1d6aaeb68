"""The console's failed-task page: an operator sees why a task failed and replays it."""

import pytest

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.tenants.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(acme):
    return FailedTask.objects.create(
        task_id="abc-123", task_name="tracker.summary_refresh", schema_name=acme.schema_name,
        args=[], kwargs={}, exception_type="OperationalError", exception_message="db went away",
        traceback="Traceback …", retries=3,
    )  # fmt: skip


def test_staff_see_failures_and_replay_them_with_an_audit_record(staff_client, failed):
    page = staff_client.get("/platform/failed-tasks/").content.decode()
    assert "tracker.summary_refresh" in page and "db went away" in page and "org_acme" in page

    response = staff_client.post(f"/platform/failed-tasks/{failed.pk}/replay/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.replayed_at is not None and failed.replayed_as
    event = AuditEvent.objects.get(action="failed_task.replay")
    assert (event.actor, event.detail["task_id"]) == ("ops@platform.test", "abc-123")
    # Replayed ones leave the default list, and a second replay needs force.
    assert "abc-123" not in staff_client.get("/platform/failed-tasks/").content.decode()
    again = staff_client.post(f"/platform/failed-tasks/{failed.pk}/replay/", follow=True)
    assert "already replayed" in again.content.decode()


def test_discard_removes_the_record(staff_client, failed):
    staff_client.post(f"/platform/failed-tasks/{failed.pk}/discard/")
    assert not FailedTask.objects.filter(pk=failed.pk).exists()
    assert AuditEvent.objects.filter(action="failed_task.discard").count() == 1


def test_members_never_reach_it(acme_owner_client, failed):
    assert acme_owner_client.get("/platform/failed-tasks/").status_code == 404
