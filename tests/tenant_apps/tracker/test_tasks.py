import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tenant_apps.tracker import services
from tenant_apps.tracker.models import DailySummary, Project, Task
from tenant_apps.tracker.tasks import overdue_digest, summary_refresh, trash_purge
from tests.support.tracker import make_task

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


@pytest.mark.parametrize(
    ("entry", "task_name"),
    [
        ("tracker-trash-purge-nightly", "tracker.trash_purge"),
        ("tracker-overdue-digest-daily", "tracker.overdue_digest"),
    ],
)
def test_periodic_tracker_tasks_go_through_the_per_organization_fan_out(entry, task_name):
    from celery import current_app
    from django.conf import settings

    from shared_apps.tenants.runtime.fanout import FAN_OUT_TASK_NAME

    scheduled = settings.CELERY_BEAT_SCHEDULE[entry]
    assert scheduled["task"] == FAN_OUT_TASK_NAME
    assert scheduled["kwargs"]["task_name"] == task_name
    assert task_name in current_app.tasks
    assert settings.CELERY_TASK_ROUTES[task_name] == {"queue": "background"}


def test_trash_purge_task_purges_only_its_own_organization(in_schema, acme, globex, owner_of):
    acme_owner, globex_owner = owner_of(acme)[0], owner_of(globex)[0]
    long_ago = timezone.now() - datetime.timedelta(days=400)
    with in_schema(acme):
        services.task_delete(task=make_task(acme_owner), actor=acme_owner)
        Task.all_objects.update(deleted_at=long_ago)
    with in_schema(globex):
        services.task_delete(task=make_task(globex_owner), actor=globex_owner)
        Task.all_objects.update(deleted_at=long_ago)
        assert trash_purge.apply().get() == 1
        assert not Task.all_objects.exists()
    with in_schema(acme):
        assert Task.all_objects.count() == 1


def test_overdue_digest_emails_each_assignee_their_own_organizations_tasks(
    in_schema, acme, globex, owner_of, member_of
):
    acme_owner, globex_owner = owner_of(acme)[0], owner_of(globex)[0]
    member = member_of(acme)[0]
    late = timezone.localdate() - datetime.timedelta(days=2)
    with in_schema(acme):
        make_task(acme_owner, title="Acme late one", assignee=member, due_date=late)
        make_task(acme_owner, title="Acme not late", assignee=member)
    with in_schema(globex):
        make_task(globex_owner, title="Globex late one", assignee=globex_owner, due_date=late)
        assert overdue_digest.apply().get() == 1
    [email] = mail.outbox
    assert email.to == [globex_owner.email]
    assert "Globex late one" in email.body and "Acme" not in email.body
    assert "http://globex.localhost" in email.body
    mail.outbox.clear()
    with in_schema(acme):
        assert overdue_digest.apply().get() == 1
    [email] = mail.outbox
    assert email.to == [member.email] and email.subject == "Acme Corp: 1 overdue task"
    assert "Acme late one" in email.body and "not late" not in email.body
