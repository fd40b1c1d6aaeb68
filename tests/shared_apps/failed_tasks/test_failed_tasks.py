"""The failed-task store and `manage.py failed_tasks` (the worker path is covered in
tests/shared_apps/tenants/test_celery_worker.py)."""

import json
from io import StringIO

import pytest
from celery import shared_task
from django.core.management import CommandError, call_command

from config.celery import app
from shared_apps.failed_tasks.models import FailedTask
from shared_apps.tenants.lifecycle import services as lifecycle

pytestmark = pytest.mark.django_db

QUEUE = "failed-tasks-test"


@shared_task(name="tests.always_fails")
def always_fails(label: str) -> None:
    raise LookupError(f"nothing called {label}")


@pytest.fixture
def purge_queue():
    yield
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("failed_tasks", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def failed_at_acme(in_schema, acme) -> FailedTask:
    with in_schema(acme):
        result = always_fails.apply(("widgets",), queue=QUEUE)
    assert result.failed()
    return FailedTask.objects.get(task_id=result.id)


def test_a_failure_is_stored_in_public_with_its_schema(failed_at_acme, in_schema, acme):
    assert (failed_at_acme.task_name, failed_at_acme.schema_name) == (
        "tests.always_fails",
        "org_acme",
    )
    assert failed_at_acme.args == ["widgets"]
    assert failed_at_acme.exception_type == "builtins.LookupError"
    assert "nothing called widgets" in failed_at_acme.traceback


def test_list_and_show(failed_at_acme):
    listed = json.loads(run("--json", "list"))
    assert [row["id"] for row in listed] == [failed_at_acme.pk]
    assert "org_acme" in run("list")
    shown = json.loads(run("--json", "show", str(failed_at_acme.pk)))
    assert shown["args"] == ["widgets"]
    assert "LookupError" in shown["traceback"]


def test_replay_queues_it_once_and_refuses_twice_without_force(failed_at_acme, purge_queue):
    failed_at_acme.queue = QUEUE
    failed_at_acme.save(update_fields=["queue"])
    assert "Replayed" in run("replay", str(failed_at_acme.pk))
    failed_at_acme.refresh_from_db()
    assert failed_at_acme.replayed_as
    assert run("--json", "list") == "[]\n"

    with pytest.raises(CommandError, match="already replayed"):
        run("replay", str(failed_at_acme.pk))
    assert "Replayed" in run("replay", "--force", str(failed_at_acme.pk))


def test_replay_is_refused_once_the_organization_is_gone(failed_at_acme, acme):
    lifecycle.organization_delete(organization=acme, force=True)
    with pytest.raises(CommandError, match="no longer exists"):
        run("replay", str(failed_at_acme.pk))
    failed_at_acme.refresh_from_db()
    assert failed_at_acme.replayed_at is None


def test_discard_and_unknown_ids(failed_at_acme):
    assert "Discarded 1" in run("discard", str(failed_at_acme.pk))
    assert not FailedTask.objects.exists()
    with pytest.raises(CommandError, match="No failed task with id"):
        run("show", str(failed_at_acme.pk))
    with pytest.raises(CommandError, match="Name the failed tasks"):
        run("replay")


def test_the_json_flag_works_after_the_subcommand_as_documented(failed_at_acme):
    after = json.loads(run("list", "--json"))
    assert after == json.loads(run("--json", "list"))
    assert [row["id"] for row in after] == [failed_at_acme.pk]
    assert json.loads(run("show", str(failed_at_acme.pk), "--json"))["args"] == ["widgets"]


def test_replay_and_discard_from_the_command_line_are_audited_once(failed_at_acme, purge_queue):
    from shared_apps.tenants.models import AuditEvent

    failed_at_acme.queue = QUEUE
    failed_at_acme.save(update_fields=["queue"])
    run("replay", str(failed_at_acme.pk))
    replay = AuditEvent.objects.get(
        action="failed_task.replay", detail__task_id=failed_at_acme.task_id
    )
    assert replay.actor.startswith("cli:")
    assert replay.detail["task_id"] == failed_at_acme.task_id
    assert replay.detail["schema"] == "org_acme"

    run("discard", str(failed_at_acme.pk))
    discard = AuditEvent.objects.get(
        action="failed_task.discard", detail__task_id=failed_at_acme.task_id
    )
    assert discard.actor.startswith("cli:") and discard.detail["task"] == "tests.always_fails"


def test_a_refused_replay_is_not_audited(failed_at_acme, acme):
    from shared_apps.tenants.models import AuditEvent

    lifecycle.organization_delete(organization=acme, force=True)
    with pytest.raises(CommandError):
        run("replay", str(failed_at_acme.pk))
    assert not AuditEvent.objects.filter(
        action="failed_task.replay", detail__task_id=failed_at_acme.task_id
    ).exists()
