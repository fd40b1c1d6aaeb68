"""The tracker's pages: who may see and do what, the flows, and the list views' cost."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.tracker import services
from tenant_apps.tracker.forms import FILTER_LABELS
from tenant_apps.tracker.models import Attachment, Comment, Project, Tag, Task, TaskChange
from tests.support.tracker import make_project, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_people(acme, owner_of, member_of):
    """{"owner"|"admin"|"member"|"other": (user, client)} at Acme, plus a project and a
    task the member created, with a comment and an attachment."""
    people = {
        "owner": owner_of(acme),
        "admin": member_of(acme, "admin"),
        "member": member_of(acme, "member"),
        "other": member_of(acme, "member", email="other@acme.test"),
    }
    with schema_context(acme.schema_name):
        member = people["member"][0]
        task = make_task(member, make_project(member, "Acme roadmap"), title="Acme secret task")
        services.comment_create(task=task, author=member, body="Acme secret comment")
        attachment = services.attachment_add(
            task=task, upload=SimpleUploadedFile("plan.txt", b"acme plan"), uploaded_by=member
        )
    people["task"], people["attachment"] = task, attachment
    return people


def pages(task, attachment):
    return [
        "/",
        f"/projects/{task.project_id}/",
        "/tasks/",
        "/tasks/?status=todo&due=overdue&q=acme&page=2",
        "/tasks/new/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/attachments/{attachment.pk}/",
    ]


def test_every_page_sends_visitors_to_sign_in(acme_client, acme_people):
    for url in [*pages(acme_people["task"], acme_people["attachment"]), "/trash/"]:
        response = acme_client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_members_see_every_page_but_the_trash(acme_people):
    member_client = acme_people["member"][1]
    for url in pages(acme_people["task"], acme_people["attachment"]):
        assert member_client.get(url).status_code == 200, url
    assert member_client.get("/trash/").status_code == 403


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_owners_see_the_trash(acme_people, role):
    assert acme_people[role][1].get("/trash/").status_code == 200


def test_posts_need_a_member(acme_client, acme_people):
    task = acme_people["task"]
    for url in [
        "/", "/tasks/new/", f"/tasks/{task.pk}/", f"/tasks/{task.pk}/comments/",
        f"/tasks/{task.pk}/attachments/", f"/tasks/{task.pk}/delete/", "/tags/",
        f"/projects/{task.project_id}/delete/", f"/trash/tasks/{task.pk}/restore/",
    ]:  # fmt: skip
        response = acme_client.post(url, {"title": "x", "body": "x", "name": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_create_edit_and_history_through_the_pages(acme, acme_people):
    client = acme_people["other"][1]
    project = acme_people["task"].project
    response = client.post(
        "/tasks/new/",
        {"project": project.pk, "title": "Ship it", "status": "todo", "priority": "high"},
    )
    assert response.status_code == 302
    with schema_context(acme.schema_name):
        task = Task.objects.get(title="Ship it")
        bug = Tag.objects.create(name="Bug")
    response = client.post(
        f"/tasks/{task.pk}/",
        {"project": project.pk, "title": "Ship it", "status": "done", "priority": "high",
         "tags": [bug.pk], "due_date": "2026-12-24"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "changed status from “todo” to “done”" in page
    assert "changed tags from “—” to “Bug”" in page
    with schema_context(acme.schema_name):
        fields = set(TaskChange.objects.filter(task=task).values_list("field", flat=True))
    assert fields == {"created", "status", "tags", "due_date"}


def test_bad_input_is_a_400_with_the_reason_and_nothing_made(acme, acme_people):
    client = acme_people["member"][1]
    project = acme_people["task"].project
    response = client.post("/tasks/new/", {"project": project.pk, "title": "", "status": "x"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post("/tasks/new/", {"project": 999999, "title": "t"})
    assert response.status_code == 400
    with schema_context(acme.schema_name):
        assert Task.objects.count() == 1


def test_attachment_refused_by_the_files_checks_is_a_400(acme_people):
    task, client = acme_people["task"], acme_people["member"][1]
    upload = SimpleUploadedFile("photo.png", b"not a png at all")
    response = client.post(f"/tasks/{task.pk}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert "named as .png" in response.content.decode()


def test_the_task_filters_are_labelled_for_assistive_technology(acme_people):
    """Lighthouse found the filter selects unnamed (select-name); each carries a label."""
    task, client = acme_people["task"], acme_people["member"][1]
    for url in ["/tasks/", f"/projects/{task.project_id}/"]:
        page = client.get(url).content.decode()
        for name, label in FILTER_LABELS.items():
            assert f'aria-label="{label}" id="id_{name}"' in page, (url, name)


def test_an_attachment_over_the_size_limit_is_refused_with_the_limit(acme, acme_people, settings):
    """The drop zone refuses it in the page (tests/e2e/test_ui.py); a form sent without
    JavaScript meets the same limit here."""
    settings.FILES_MAX_UPLOAD_BYTES = 100
    task, client = acme_people["task"], acme_people["member"][1]
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-file-drop data-max-bytes="100"' in page
    upload = SimpleUploadedFile("notes.txt", b"x" * 101)
    response = client.post(f"/tasks/{task.pk}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert "files can be at most 100\xa0bytes" in response.content.decode()
    with schema_context(acme.schema_name):
        assert list(Attachment.objects.values_list("stored_file__name", flat=True)) == ["plan.txt"]


def test_attachment_downloads_through_the_files_response(acme_people):
    task, attachment = acme_people["task"], acme_people["attachment"]
    response = acme_people["other"][1].get(f"/tasks/{task.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"acme plan"
    assert response["Cache-Control"] == "private, no-store"


def test_a_comment_posted_without_javascript_goes_back_to_the_page(acme, acme_people):
    task, client = acme_people["task"], acme_people["other"][1]
    response = client.post(f"/tasks/{task.pk}/comments/", {"body": "On it"})
    assert response.status_code == 302
    assert "On it" in client.get(f"/tasks/{task.pk}/").content.decode()
    response = client.post(f"/tasks/{task.pk}/comments/", {"body": "   "})
    assert response.status_code == 400
    with schema_context(acme.schema_name):
        assert Comment.objects.count() == 2


def test_only_the_creator_or_an_admin_deletes_a_task(acme, acme_people):
    task = acme_people["task"]
    assert acme_people["other"][1].post(f"/tasks/{task.pk}/delete/").status_code == 403
    assert acme_people["member"][1].post(f"/tasks/{task.pk}/delete/").status_code == 302
    assert acme_people["member"][1].get(f"/tasks/{task.pk}/").status_code == 404
    with schema_context(acme.schema_name):
        assert Task.all_objects.get(pk=task.pk).is_deleted


def test_only_the_creator_or_an_admin_deletes_a_project(acme_people):
    project_id = acme_people["task"].project_id
    assert acme_people["other"][1].post(f"/projects/{project_id}/delete/").status_code == 403
    assert acme_people["admin"][1].post(f"/projects/{project_id}/delete/").status_code == 302
    assert acme_people["member"][1].get(f"/projects/{project_id}/").status_code == 404


def test_trash_restore_is_for_admins(acme, acme_people):
    task = acme_people["task"]
    acme_people["member"][1].post(f"/tasks/{task.pk}/delete/")
    trash = acme_people["admin"][1].get("/trash/").content.decode()
    assert "Acme secret task" in trash
    member = acme_people["member"][1]
    assert member.post(f"/trash/tasks/{task.pk}/restore/").status_code == 403
    assert acme_people["admin"][1].post(f"/trash/tasks/{task.pk}/restore/").status_code == 302
    assert member.get(f"/tasks/{task.pk}/").status_code == 200
    assert "restored it" in member.get(f"/tasks/{task.pk}/").content.decode()


def test_project_restore_from_the_trash(acme_people):
    project_id = acme_people["task"].project_id
    admin = acme_people["admin"][1]
    admin.post(f"/projects/{project_id}/delete/")
    assert admin.post(f"/trash/projects/{project_id}/restore/").status_code == 302
    assert acme_people["member"][1].get(f"/projects/{project_id}/").status_code == 200


def test_task_list_filters_and_htmx_returns_the_table_only(acme_people):
    client = acme_people["member"][1]
    assert "Acme secret task" in client.get("/tasks/?status=todo").content.decode()
    assert "Acme secret task" not in client.get("/tasks/?status=done").content.decode()
    assert "Acme secret task" not in client.get("/tasks/?due=overdue").content.decode()
    fragment = client.get("/tasks/?q=secret", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="task-table">') and "Acme secret task" in html
    # Unparseable filters are ignored, not an error page.
    assert client.get("/tasks/?assignee=abc&tag=-1&page=zzz").status_code == 200


def _bulk(acme, owner, count):
    with schema_context(acme.schema_name):
        project = Project.objects.create(name=f"Bulk {count}", created_by=owner)
        tags = [Tag.objects.create(name=f"t{count}-{i}") for i in range(2)]
        tasks = Task.objects.bulk_create(
            Task(project=project, title=f"bulk {i}", assignee=owner, created_by=owner,
                 due_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300))
            for i in range(count)
        )  # fmt: skip
        Task.tags.through.objects.bulk_create(
            (Task.tags.through(task_id=t.pk, tag_id=tag.pk) for t in tasks for tag in tags),
            batch_size=5000,
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


LIST_URLS = ["/", "/tasks/", "/tasks/?page=3", "/tasks/?due=overdue&priority=normal"]


def test_list_views_cost_the_same_queries_with_10000_tasks(acme, acme_people):
    owner, client = acme_people["owner"]
    client.get("/")  # the session's first request does one-time work: not the list's cost
    _bulk(acme, owner, 120)
    few = {url: _queries(client, url) for url in LIST_URLS}
    _bulk(acme, owner, 10_000)
    many = {url: _queries(client, url) for url in LIST_URLS}
    assert many == few
    assert max(many.values()) <= 15, many
    with schema_context(acme.schema_name):
        project = Project.objects.get(name="Bulk 10000")
    assert _queries(client, f"/projects/{project.pk}/") <= 16


# Isolation: Acme's tracker through Globex's host ----------------------------------------


def test_globex_sees_nothing_of_acme_through_any_page(acme_people, globex, member_of):
    task, attachment = acme_people["task"], acme_people["attachment"]
    _, globex_admin = member_of(globex, "admin")
    for url in ["/", "/tasks/", "/tasks/?q=Acme", "/trash/"]:
        body = globex_admin.get(url).content.decode()
        assert "Acme secret" not in body and "Acme roadmap" not in body, url
    # Globex holds no task or project with these ids: every one is a 404 there.
    for url in [
        f"/projects/{task.project_id}/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/attachments/{attachment.pk}/",
    ]:
        assert globex_admin.get(url).status_code == 404, url
    for url in [f"/tasks/{task.pk}/comments/", f"/tasks/{task.pk}/delete/"]:
        assert globex_admin.post(url, {"body": "hi"}).status_code == 404, url


def test_an_acme_session_is_not_signed_in_at_globex(acme_people, client_for, globex):
    acme_client = acme_people["owner"][1]
    globex_client = client_for(globex)
    globex_client.cookies = acme_client.cookies
    response = globex_client.get("/tasks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_htmx_upload_gets_the_attachments_back_with_the_reason_on_refusal(acme_people):
    task, client = acme_people["task"], acme_people["member"][1]
    upload = SimpleUploadedFile("photo.png", b"not a png at all")
    response = client.post(
        f"/tasks/{task.pk}/attachments/", {"file": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attachments-section"' in html and "named as .png" in html
