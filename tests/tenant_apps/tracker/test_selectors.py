"""The tracker's reads: filters, soft-delete visibility, query counts, isolation."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenant_apps.tracker import selectors, services
from tenant_apps.tracker.models import Project, Task
from tenant_apps.tracker.selectors import TaskFilters
from tests.support.tracker import make_project, make_task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture
def owner(acme, owner_of):
    user = owner_of(acme)[0]
    connection.set_tenant(acme)
    return user


def titles(filters, **kwargs):
    return sorted(t.title for t in selectors.tasks_list(filters=filters, today=TODAY, **kwargs))


def test_filters(owner, member_of, acme):
    member = member_of(acme)[0]
    connection.set_tenant(acme)
    bug = services.tag_create(name="Bug", actor=owner)
    project, other = make_project(owner), make_project(owner, "Other")
    yesterday, tomorrow = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)
    make_task(owner, project, title="late", due_date=yesterday, assignee=member, tags=[bug])
    make_task(owner, project, title="late but done", due_date=yesterday, status="done")
    make_task(owner, project, title="due today", due_date=TODAY, priority="urgent")
    make_task(owner, other, title="soon", due_date=tomorrow, description="rocket fuel")
    make_task(owner, other, title="someday")

    assert titles(TaskFilters(due="overdue")) == ["late"]
    assert titles(TaskFilters(due="today")) == ["due today"]
    assert titles(TaskFilters(due="week")) == ["due today", "soon"]
    assert titles(TaskFilters(due="none")) == ["someday"]
    assert titles(TaskFilters(status="done")) == ["late but done"]
    assert titles(TaskFilters(priority="urgent")) == ["due today"]
    assert titles(TaskFilters(assignee=member.pk)) == ["late"]
    assert titles(TaskFilters(tag=bug.pk)) == ["late"]
    assert titles(TaskFilters(project=other.pk)) == ["someday", "soon"]
    assert titles(TaskFilters(search="ROCKET")) == ["soon"]
    assert titles(TaskFilters(search="late", project=project.pk)) == ["late", "late but done"]


def test_lists_hide_the_trash_and_the_trash_shows_it(owner):
    project = make_project(owner)
    kept, gone = make_task(owner, project, title="kept"), make_task(owner, project, title="gone")
    services.task_delete(task=gone, actor=owner)
    assert titles(TaskFilters()) == ["kept"]
    assert selectors.task_get(pk=gone.pk) is None
    assert [t.title for t in selectors.trashed_tasks()] == ["gone"]
    services.project_delete(project=project, actor=owner)
    assert titles(TaskFilters()) == []
    assert selectors.task_get(pk=kept.pk) is None
    assert list(selectors.trashed_projects()) == [project]
    assert not selectors.projects_list().exists()


def test_project_list_counts_open_and_live_tasks(owner):
    project = make_project(owner)
    make_task(owner, project)
    make_task(owner, project, status="done")
    services.task_delete(task=make_task(owner, project), actor=owner)
    [row] = selectors.projects_list()
    assert (row.task_count, row.open_count) == (2, 1)


def _bulk_tasks(owner, project, count, tags):
    tasks = Task.objects.bulk_create(
        Task(project=project, title=f"task {i}", assignee=owner, created_by=owner)
        for i in range(count)
    )
    Task.tags.through.objects.bulk_create(
        Task.tags.through(task_id=task.pk, tag_id=tag.pk) for task in tasks for tag in tags
    )


def _queries_to_render_list():
    with CaptureQueriesContext(connection) as captured:
        for task in selectors.tasks_list():
            _ = (task.project.name, task.assignee and task.assignee.email)
            _ = [tag.name for tag in task.tags.all()]
        for project in selectors.projects_list():
            _ = (project.name, project.task_count, project.created_by)
    return len(captured)


def test_list_queries_do_not_grow_with_rows(owner):
    tags = [services.tag_create(name=n, actor=owner) for n in ("a", "b")]
    project = make_project(owner)
    _bulk_tasks(owner, project, 3, tags)
    few = _queries_to_render_list()
    _bulk_tasks(owner, make_project(owner, "Second"), 200, tags)
    assert _queries_to_render_list() == few == 3


def test_overdue_digest_groups_by_active_assignee(owner, member_of, acme):
    member = member_of(acme)[0]
    connection.set_tenant(acme)
    late = TODAY - datetime.timedelta(days=3)
    make_task(owner, title="mine", due_date=late, assignee=owner)
    make_task(owner, title="theirs", due_date=late, assignee=member)
    make_task(owner, title="nobody's", due_date=late)
    member.is_active = False
    member.save(update_fields=["is_active"])
    grouped = selectors.overdue_by_assignee(today=TODAY)
    assert {user.email: [t.title for t in tasks] for user, tasks in grouped.items()} == {
        owner.email: ["mine"]
    }


def test_selectors_read_only_their_own_organization(owner_of, acme, globex):
    acme_owner = owner_of(acme)[0]
    globex_owner = owner_of(globex)[0]
    connection.set_tenant(acme)
    acme_task = make_task(acme_owner, title="Acme secret")
    services.task_delete(task=make_task(acme_owner, title="Acme trash"), actor=acme_owner)
    connection.set_tenant(globex)
    make_task(globex_owner, title="Globex plan")
    assert titles(TaskFilters()) == ["Globex plan"]
    assert titles(TaskFilters(search="Acme")) == []
    assert [p.name for p in selectors.projects_list()] == ["Roadmap"]
    assert not selectors.trashed_tasks().exists()
    assert selectors.task_get(pk=acme_task.pk) is None
    assert not selectors.task_history(task=acme_task).exists()
    connection.set_tenant(acme)
    assert titles(TaskFilters()) == ["Acme secret"]
    assert Project.objects.count() == 2
