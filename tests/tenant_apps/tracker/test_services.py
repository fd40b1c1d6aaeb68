"""The tracker's services: validation, permissions, history and events in one transaction."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tenant_apps.events.models import OutboxEvent
from tenant_apps.files.models import StoredFile
from tenant_apps.tracker import services
from tenant_apps.tracker.models import Attachment, Comment, Project, Tag, Task, TaskChange
from tests.support.tracker import make_project, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(acme, owner_of, member_of):
    """(owner, admin, member) of Acme, the connection left on Acme's schema."""
    owner = owner_of(acme)[0]
    admin = member_of(acme, "admin")[0]
    member = member_of(acme, "member")[0]
    connection.set_tenant(acme)
    return owner, admin, member


def events(name):
    return list(OutboxEvent.objects.filter(event_type=name).values_list("payload", flat=True))


def test_task_create_records_history_and_event(people):
    owner, _, member = people
    task = make_task(owner, assignee=member, due_date=datetime.date(2026, 12, 24))
    assert [(c.field, c.new, c.actor) for c in TaskChange.objects.filter(task=task)] == [
        ("created", "Write the launch post", owner)
    ]
    [payload] = events("tracker.task.created")
    assert payload["data"]["assignee_id"] == member.pk
    assert payload["data"]["due_date"] == "2026-12-24"
    assert payload["actor"]["email"] == owner.email


def test_task_update_records_one_line_per_changed_field(people):
    owner, _, member = people
    task = make_task(owner)
    services.task_update(
        task=task,
        actor=member,
        changes={"status": "in_progress", "assignee": member, "title": "Write the launch post"},
    )
    lines = TaskChange.objects.filter(task=task).exclude(field="created")
    assert sorted((c.field, c.old, c.new, c.actor) for c in lines) == [
        ("assignee", "", member.email, member),
        ("status", "todo", "in_progress", member),
    ]
    [payload] = events("tracker.task.updated")
    assert payload["data"]["changes"]["status"] == {"old": "todo", "new": "in_progress"}


def test_task_update_with_no_real_change_writes_nothing(people):
    owner, _, _ = people
    task = make_task(owner)
    services.task_update(task=task, actor=owner, changes={"status": "todo"})
    assert TaskChange.objects.filter(task=task).count() == 1  # "created" only
    assert not events("tracker.task.updated")


def test_invalid_update_leaves_nothing_half_made(people):
    owner, _, _ = people
    task = make_task(owner)
    with pytest.raises(ValidationError) as error:
        services.task_update(task=task, actor=owner, changes={"status": "bogus", "title": "New"})
    assert "status" in error.value.message_dict
    task.refresh_from_db()
    assert task.title == "Write the launch post"
    assert TaskChange.objects.filter(task=task).count() == 1
    assert not events("tracker.task.updated")


def test_unknown_field_is_refused(people):
    owner, _, _ = people
    with pytest.raises(ValidationError, match="created_by"):
        services.task_update(task=make_task(owner), actor=owner, changes={"created_by": None})


def test_blank_title_is_refused_and_no_task_is_made(people):
    owner, _, _ = people
    project = make_project(owner)
    with pytest.raises(ValidationError) as error:
        services.task_create(project=project, title="   ", created_by=owner)
    assert "title" in error.value.message_dict
    assert not Task.all_objects.exists()
    assert not events("tracker.task.created")


def test_task_cannot_be_assigned_to_a_deactivated_member(people):
    owner, _, member = people
    member.is_active = False
    member.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="active members"):
        make_task(owner, assignee=member)


def test_delete_and_restore_round_trip(people):
    _, admin, member = people
    task = make_task(member)
    services.task_delete(task=task, actor=member)
    assert not Task.objects.filter(pk=task.pk).exists()
    assert Task.all_objects.get(pk=task.pk).deleted_at is not None
    with pytest.raises(PermissionDenied):
        services.task_restore(task=task, actor=member)
    services.task_restore(task=task, actor=admin)
    assert Task.objects.filter(pk=task.pk).exists()
    fields = list(TaskChange.objects.filter(task=task).values_list("field", flat=True))
    assert fields == ["created", "deleted", "restored"]
    assert events("tracker.task.deleted") and events("tracker.task.restored")


def test_only_the_creator_or_an_admin_may_delete_a_task(people, member_of, acme):
    owner, admin, _ = people
    other = member_of(acme, "member", email="other@acme.test")[0]
    connection.set_tenant(acme)
    task = make_task(owner)
    with pytest.raises(PermissionDenied):
        services.task_delete(task=task, actor=other)
    assert Task.objects.filter(pk=task.pk).exists()
    services.task_delete(task=task, actor=admin)


def test_a_deleted_project_hides_its_tasks_and_refuses_new_ones(people):
    owner, admin, _ = people
    project = make_project(owner)
    make_task(owner, project=project)
    services.project_delete(project=project, actor=owner)
    assert not Project.objects.exists()
    with pytest.raises(ValidationError, match="trash"):
        make_task(owner, project=project)
    services.project_restore(project=project, actor=admin)
    assert Project.objects.get() == project


def test_restoring_a_task_of_a_trashed_project_asks_for_the_project_first(people):
    owner, _, _ = people
    task = make_task(owner)
    services.task_delete(task=task, actor=owner)
    services.project_delete(project=task.project, actor=owner)
    with pytest.raises(ValidationError, match="restore it first"):
        services.task_restore(task=task, actor=owner)


def test_tag_names_are_unique_ignoring_case(people):
    owner, _, _ = people
    services.tag_create(name="Bug", actor=owner)
    with pytest.raises(ValidationError):
        services.tag_create(name="bug", actor=owner)
    with pytest.raises(ValidationError):
        services.tag_create(name="Feature", colour="red", actor=owner)
    assert list(Tag.objects.values_list("name", flat=True)) == ["Bug"]


def test_tags_set_records_the_before_and_after(people):
    owner, _, _ = people
    bug = services.tag_create(name="Bug", actor=owner)
    ui = services.tag_create(name="UI", actor=owner)
    task = make_task(owner, tags=[bug])
    services.task_tags_set(task=task, tags=[ui, bug], actor=owner)
    change = TaskChange.objects.get(task=task, field="tags")
    assert (change.old, change.new) == ("Bug", "Bug, UI")
    services.task_tags_set(task=task, tags=[bug, ui], actor=owner)  # same set: no line
    assert TaskChange.objects.filter(task=task, field="tags").count() == 1


def test_comment_is_stripped_and_empty_refused(people):
    owner, _, member = people
    task = make_task(owner)
    comment = services.comment_create(task=task, author=member, body="  Looks good  ")
    assert comment.body == "Looks good"
    with pytest.raises(ValidationError):
        services.comment_create(task=task, author=member, body="   ")
    assert Comment.objects.count() == 1
    assert events("tracker.comment.created")[0]["data"]["body"] == "Looks good"


def test_commenting_on_a_deleted_task_is_refused(people):
    owner, _, _ = people
    task = make_task(owner)
    services.task_delete(task=task, actor=owner)
    with pytest.raises(PermissionDenied):
        services.comment_create(task=task, author=owner, body="Hello?")


def test_attachment_goes_through_the_files_checks(people):
    owner, _, _ = people
    task = make_task(owner)
    attachment = services.attachment_add(
        task=task, upload=SimpleUploadedFile("notes.txt", b"plain notes"), uploaded_by=owner
    )
    assert attachment.stored_file.content_type == "text/plain"
    assert attachment.stored_file.file.read() == b"plain notes"
    assert TaskChange.objects.filter(task=task, field="attachment", new="notes.txt").exists()
    with pytest.raises(ValidationError, match="named as"):
        services.attachment_add(
            task=task, upload=SimpleUploadedFile("evil.png", b"plain text"), uploaded_by=owner
        )
    assert Attachment.objects.count() == 1 and StoredFile.objects.count() == 1


def test_attachment_remove_deletes_the_file_and_writes_history(people):
    owner, _, member = people
    task = make_task(owner)
    attachment = services.attachment_add(
        task=task, upload=SimpleUploadedFile("notes.txt", b"plain notes"), uploaded_by=owner
    )
    with pytest.raises(PermissionDenied):
        services.attachment_remove(attachment=attachment, actor=member)
    assert TaskChange.objects.filter(task=task, field="attachment").count() == 1
    services.attachment_remove(attachment=attachment, actor=owner)
    assert not Attachment.objects.exists() and not StoredFile.objects.exists()
    assert TaskChange.objects.filter(task=task, field="attachment", old="notes.txt").exists()


def test_purge_removes_only_what_is_old_enough(people):
    owner, _, _ = people
    old, recent, live = make_task(owner), make_task(owner), make_task(owner)
    services.task_delete(task=old, actor=owner)
    services.task_delete(task=recent, actor=owner)
    Task.all_objects.filter(pk=old.pk).update(
        deleted_at=old.deleted_at - datetime.timedelta(days=31)
    )
    assert services.trash_purge(older_than_days=30) == 1
    assert set(Task.all_objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not TaskChange.objects.filter(task_id=old.pk).exists()


def test_purge_takes_a_trashed_projects_tasks_and_files(people):
    owner, _, _ = people
    task = make_task(owner)
    services.attachment_add(
        task=task, upload=SimpleUploadedFile("a.txt", b"words"), uploaded_by=owner
    )
    services.project_delete(project=task.project, actor=owner)
    Project.all_objects.update(deleted_at=task.project.deleted_at - datetime.timedelta(days=40))
    assert services.trash_purge(older_than_days=30) == 2
    assert not Task.all_objects.exists() and not StoredFile.objects.exists()


def test_a_non_member_cannot_write(people):
    owner, _, _ = people
    with pytest.raises(PermissionDenied):
        services.task_create(project=make_project(owner), title="x", created_by=AnonymousUser())
