"""The console's long lists: the audit log filtered and paginated (hostile filters are a
400 with the form's message), failed tasks a page at a time, the pending owner shown."""

from datetime import UTC, datetime, timedelta

import pytest

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.platform.selectors import AUDIT_PAGE_SIZE
from shared_apps.platform.views import FAILED_TASKS_PAGE_SIZE
from shared_apps.tenants.models import AuditEvent, Organization

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 11, 20, 12, tzinfo=UTC)


def record(action: str, slug: str, actor: str = "ops@platform.test", when: datetime = DAY):
    event = AuditEvent.objects.create(action=action, organization_slug=slug, actor=actor)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)  # auto_now_add
    return event


def rows(response) -> list[str]:
    """The action column of the audit table, in page order."""
    page = response.content.decode()
    return [cell.split("<")[0] for cell in page.split('data-label="What">')[1:]]


@pytest.fixture
def many_events():
    AuditEvent.objects.all().delete()
    for n in range(AUDIT_PAGE_SIZE + 7):
        record(f"test.step-{n:03d}", "acme", when=DAY + timedelta(minutes=n))
    record(
        "organization.suspend", "globex", actor="api-token:billing", when=DAY - timedelta(days=3)
    )


def test_the_audit_log_pages_through_every_event_newest_first(staff_client, many_events):
    first = staff_client.get("/platform/audit/", {"organization": "acme"})
    second = staff_client.get("/platform/audit/", {"organization": "acme", "page": 2})
    assert first.status_code == second.status_code == 200
    seen = rows(first) + rows(second)
    assert len(rows(first)) == AUDIT_PAGE_SIZE and len(rows(second)) == 7
    assert seen == [f"test.step-{n:03d}" for n in reversed(range(AUDIT_PAGE_SIZE + 7))]
    # The next link keeps the filter.
    assert "organization=acme&amp;page=2" in first.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"organization": "globex"}, ["organization.suspend"]),
        ({"actor": "api-token"}, ["organization.suspend"]),
        ({"action": "organization."}, ["organization.suspend"]),
        ({"since": "2026-11-17", "until": "2026-11-17"}, ["organization.suspend"]),
        ({"until": "2026-11-16"}, []),
    ],
)
def test_audit_filters_narrow_the_log(staff_client, many_events, query, expected):
    response = staff_client.get("/platform/audit/", query)
    assert response.status_code == 200
    assert rows(response) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"actor": "ops\x00"}, "Null characters are not allowed."),
        ({"organization": "ac\x00me"}, "Null characters are not allowed."),
        ({"since": "2026-02-31"}, "Enter a valid date."),
        ({"until": "yesterday"}, "Enter a valid date."),
        ({"since": "2026-11-20", "until": "2026-11-01"}, "The end date is before the start date."),
    ],
)
def test_hostile_audit_filters_are_a_400_with_the_forms_message(staff_client, query, message):
    response = staff_client.get("/platform/audit/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_page_past_the_end_is_the_last_and_a_garbled_one_the_first(staff_client, many_events):
    past = staff_client.get("/platform/audit/", {"organization": "acme", "page": 99})
    garbled = staff_client.get("/platform/audit/", {"organization": "acme", "page": "2\x00"})
    assert past.status_code == garbled.status_code == 200
    assert rows(past)[0] == "test.step-006"
    assert rows(garbled)[0] == f"test.step-{AUDIT_PAGE_SIZE + 6:03d}"


def test_failed_tasks_are_paginated(staff_client, acme):
    for n in range(FAILED_TASKS_PAGE_SIZE + 3):
        FailedTask.objects.create(
            task_id=f"task-{n:03d}", task_name="tracker.summary_refresh",
            schema_name=acme.schema_name, args=[], kwargs={}, exception_type="Error",
            exception_message="boom", traceback="", retries=0,
        )  # fmt: skip
    first = staff_client.get("/platform/failed-tasks/").content.decode()
    second = staff_client.get("/platform/failed-tasks/", {"page": 2}).content.decode()
    ids = {f"task-{n:03d}" for n in range(FAILED_TASKS_PAGE_SIZE + 3)}
    on_first = {i for i in ids if i in first}
    on_second = {i for i in ids if i in second}
    assert len(on_first) == FAILED_TASKS_PAGE_SIZE and len(on_second) == 3
    assert on_first | on_second == ids
    assert "Page 1 of 2" in first


def test_the_organization_list_shows_a_pending_owner(staff_client, acme):
    Organization.objects.filter(pk=acme.pk).update(pending_owner_email="wile@acme.test")
    page = staff_client.get("/platform/").content.decode()
    assert "Pending owner" in page and "wile@acme.test" in page
    detail = staff_client.get("/platform/organizations/acme/").content.decode()
    assert 'id="pending-owner-row"' in detail and "wile@acme.test" in detail
