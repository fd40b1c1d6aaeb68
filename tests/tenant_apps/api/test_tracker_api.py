"""/api/v1/tasks/, /comments/, /tags/: the tracker's services and selectors behind explicit
viewsets; lists in a constant number of queries; ids of another organization are 404;
what each role may do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.tracker import services
from tests.support.redis_trips import redis_round_trips
from tests.support.tracker import make_project, make_task

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _queries(client, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_a_member_creates_reads_updates_and_lists_tasks(acme, member_of):
    user, client = member_of(acme)
    with tenant_context(acme):
        project = make_project(user)
        tag = services.tag_create(name="launch", actor=user)
    created = client.post(
        "/api/v1/tasks/",
        {"project": project.pk, "title": "Ship it", "priority": "high", "tags": [tag.pk],
         "assignee": user.pk, "due_date": "2026-12-15"},
        content_type=JSON,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    task = created.json()["data"]
    assert (task["title"], task["tags"], task["assignee"]) == ("Ship it", [tag.pk], user.pk)
    updated = client.patch(
        f"/api/v1/tasks/{task['id']}/", {"status": "done", "tags": []}, content_type=JSON
    )
    assert updated.status_code == 200, updated.content
    assert (updated.json()["data"]["status"], updated.json()["data"]["tags"]) == ("done", [])
    assert client.get("/api/v1/tasks/?status=done").json()["data"][0]["id"] == task["id"]
    assert client.get("/api/v1/tasks/?status=todo").json()["data"] == []
    with tenant_context(acme):
        fields = {c.field for c in services.Task.objects.get(pk=task["id"]).changes.all()}
    assert {"created", "status", "tags"} <= fields  # the service's history, not a bypass


def test_field_level_validation_messages(acme, member_of):
    user, client = member_of(acme)
    with tenant_context(acme):
        project = make_project(user)
    response = client.post(
        "/api/v1/tasks/", {"project": 999999, "title": " ", "status": "later"}, content_type=JSON
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"project", "title", "status"}
    assert client.get("/api/v1/tasks/?due=someday").status_code == 422
    assert client.get("/api/v1/tasks/?project=x").status_code == 422
    response = client.post("/api/v1/comments/", {"task": 999999, "body": ""}, content_type=JSON)
    assert set(response.json()["error"]["fields"]) == {"task", "body"}
    assert client.post("/api/v1/tags/", {"name": "Bug"}, content_type=JSON).status_code == 201
    duplicate = client.post("/api/v1/tags/", {"name": "bug"}, content_type=JSON)
    assert duplicate.status_code == 422  # case-insensitive unique, from the model's clean
    with tenant_context(acme):
        assert project.tasks.count() == 0  # nothing half-made


def test_task_list_runs_a_constant_number_of_queries(acme, member_of):
    user, client = member_of(acme)
    with tenant_context(acme):
        project = make_project(user)
        tags = [services.tag_create(name=f"t{i}", actor=user) for i in range(3)]
        make_task(user, project, tags=tags[:1], assignee=user)
    client.get("/api/v1/tasks/")  # warm: what the first request of a session loads once
    few, page = _queries(client, "/api/v1/tasks/")
    assert len(page["data"]) == 1
    with tenant_context(acme):
        for i in range(12):
            other = make_project(user, name=f"P{i}")
            make_task(user, other, title=f"T{i}", tags=tags, assignee=user)
            services.comment_create(task=make_task(user, other), author=user, body="hi")
    many, page = _queries(client, "/api/v1/tasks/")
    assert len(page["data"]) == 25
    assert many == few
    few_comments, _ = _queries(client, "/api/v1/comments/?page_size=1")
    many_comments, page = _queries(client, "/api/v1/comments/")
    assert (len(page["data"]), many_comments) == (12, few_comments)
    few_tags, _ = _queries(client, "/api/v1/tags/?page_size=1")
    assert _queries(client, "/api/v1/tags/")[0] == few_tags


def test_a_task_page_by_token_is_three_queries_and_two_redis_round_trips(
    acme, owner_of, token_for, bearer, acme_client, monkeypatch
):
    """The hot path: the token with its user, the page, its tags; one script for both rate
    limits, one pipeline for the usage meter. Last use is written once a minute, not per
    request."""
    owner, _ = owner_of(acme)
    with tenant_context(acme):
        project = make_project(owner)
        for i in range(3):
            make_task(owner, project, title=f"T{i}", assignee=owner)
    _token, raw = token_for(acme, owner)
    assert acme_client.get("/api/v1/tasks/", **bearer(raw)).status_code == 200  # writes last use
    with redis_round_trips(monkeypatch) as sent, CaptureQueriesContext(connection) as queries:
        response = acme_client.get("/api/v1/tasks/?page_size=50", **bearer(raw))
    assert response.status_code == 200 and len(response.json()["data"]) == 3
    assert len(queries) == 3
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    assert len(sent) == 2
    assert b"api-rate:" in sent[0] and b"usage:org_acme:" in sent[1]


def test_an_id_that_exists_only_at_globex_is_404_at_acme(acme, globex, owner_of):
    globex_owner, _ = owner_of(globex)
    with tenant_context(globex):
        task = make_task(globex_owner)
        tag = services.tag_create(name="globex-only", actor=globex_owner)
        comment = services.comment_create(task=task, author=globex_owner, body="secret")
    _owner, acme_client = owner_of(acme)
    assert acme_client.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert acme_client.patch(
        f"/api/v1/tasks/{task.pk}/", {"title": "x"}, content_type=JSON
    ).status_code == 404  # fmt: skip
    assert acme_client.delete(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert acme_client.get(f"/api/v1/comments/{comment.pk}/").status_code == 404
    assert acme_client.get(f"/api/v1/tags/{tag.pk}/").status_code == 404
    assert acme_client.get("/api/v1/tasks/").json()["data"] == []
    refused = acme_client.post(
        "/api/v1/comments/", {"task": task.pk, "body": "hello"}, content_type=JSON
    )
    assert refused.status_code == 422 and "task" in refused.json()["error"]["fields"]
    with tenant_context(globex):
        assert task.comments.count() == 1
        assert services.Task.objects.filter(pk=task.pk, title=task.title).exists()


def test_deleting_is_for_the_creator_or_an_admin(acme, member_of):
    creator, creator_client = member_of(acme, email="creator@acme.test")
    _other, other_client = member_of(acme, email="other@acme.test")
    _admin, admin_client = member_of(acme, role="admin")
    with tenant_context(acme):
        first, second = make_task(creator), make_task(creator)
    assert other_client.delete(f"/api/v1/tasks/{first.pk}/").status_code == 403
    assert other_client.patch(
        f"/api/v1/tasks/{first.pk}/", {"status": "done"}, content_type=JSON
    ).status_code == 200  # fmt: skip  # any member edits
    assert creator_client.delete(f"/api/v1/tasks/{first.pk}/").status_code == 204
    assert admin_client.delete(f"/api/v1/tasks/{second.pk}/").status_code == 204
    assert creator_client.get(f"/api/v1/tasks/{first.pk}/").status_code == 404  # in the trash


def test_read_only_tokens_read_but_never_write(acme, owner_of, token_for, bearer, client_for):
    owner, _ = owner_of(acme)
    with tenant_context(acme):
        task = make_task(owner)
    _token, raw = token_for(acme, owner, scope="read")
    client = client_for(acme)
    assert client.get("/api/v1/tasks/", **bearer(raw)).status_code == 200
    for method, path, body in [
        ("post", "/api/v1/tasks/", {"project": task.project_id, "title": "No"}),
        ("patch", f"/api/v1/tasks/{task.pk}/", {"title": "No"}),
        ("post", "/api/v1/comments/", {"task": task.pk, "body": "No"}),
        ("post", "/api/v1/tags/", {"name": "no"}),
    ]:
        response = getattr(client, method)(path, body, content_type=JSON, **bearer(raw))
        assert response.status_code == 403, (method, path)
    assert client.delete(f"/api/v1/tasks/{task.pk}/", **bearer(raw)).status_code == 403
    with tenant_context(acme):
        task.refresh_from_db()
        assert task.title != "No" and task.deleted_at is None and task.comments.count() == 0


def test_an_offset_postgresql_cannot_store_is_a_422_not_a_500(acme_owner_client):
    """Found by schemathesis: Python accepts ±23:59 offsets, PostgreSQL only ±15:59."""
    response = acme_owner_client.get(
        "/api/v1/projects/", {"created_before": "0424-09-26T07:18:29-22:27"}
    )
    assert response.status_code == 422
    assert "created_before" in response.json()["error"]["fields"]
    ok = acme_owner_client.get("/api/v1/projects/", {"created_before": "2026-01-01T00:00:00-15:30"})
    assert ok.status_code == 200
