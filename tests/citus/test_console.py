"""The staff console on Citus: each organization's node and its size read on the worker
(not the coordinator's empty shells), and a move from the organization's page."""

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from shared_apps.platform.selectors import schema_stats
from shared_apps.tenants.db import citus
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import AuditEvent, Organization
from shared_apps.tenants.provisioning import services as provisioning
from tests.shared_apps.tenants.celery_worker import WorkerProcess, wait_until
from tests.support.accounts import PASSWORD


def _sizes_on_coordinator_and_workers(schema: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0),"
            " coalesce(sum(citus_total_relation_size(c.oid)), 0)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_console_shows_the_node_and_the_size_on_the_worker(staff_client, acme, globex):
    shells, on_workers = _sizes_on_coordinator_and_workers(acme.schema_name)
    assert shells != on_workers  # what the coordinator alone would report is wrong
    stats = schema_stats([acme.schema_name, globex.schema_name])
    assert stats[acme.schema_name].size_bytes == on_workers
    found = citus.placements([acme.schema_name, globex.schema_name])
    for organization in (acme, globex):
        assert stats[organization.schema_name].node == str(found[organization.schema_name].node)
    page = staff_client.get(f"/platform/organizations/{acme.slug}/").content.decode()
    assert f'id="org-node">{found[acme.schema_name].node}<' in page
    assert 'id="move-form"' in page


@pytest.fixture
def console_staff(autocommit: None) -> Iterator:
    """A committed staff member (the move runs on a session of its own)."""
    with schema_context("public"):
        user = get_user_model().objects.create_superuser("mover@platform.test", PASSWORD)
    yield user
    with connection.cursor() as cursor:  # not user.delete(): that cascades to tenant tables
        cursor.execute("DELETE FROM public.account_emailaddress WHERE user_id = %s", [user.pk])
        cursor.execute("DELETE FROM public.accounts_user WHERE id = %s", [user.pk])


@pytest.fixture
def movable(autocommit: None) -> Iterator[Organization]:
    organization = provisioning.organization_create(name="Movable", slug="movable")
    yield organization
    lifecycle.organization_delete(organization=organization, force=True)


@pytest.fixture
def worker(autocommit: None) -> Iterator[WorkerProcess]:
    process = WorkerProcess(queues=("background",), concurrency=1)
    yield process
    process.stop()


def test_staff_move_an_organization_from_its_page_through_the_worker(
    client_for, console_staff, movable, worker
):
    client = client_for(None)
    with schema_context("public"):
        client.force_login(console_staff)
    source = citus.placements([movable.schema_name])[movable.schema_name].node
    target = next(node for node in citus.worker_nodes() if node != source)
    response = client.post(
        f"/platform/organizations/{movable.slug}/move/",
        {"target": str(target), "mode": "block_writes"},
        follow=True,
    )
    assert response.status_code == 200
    assert f"Moving Movable to {target}; progress below." in response.content.decode()

    def page() -> str:
        return client.get(f"/platform/organizations/{movable.slug}/").content.decode()

    wait_until(lambda: f"Moved to {target} in" in page(), what="the move's outcome", worker=worker)
    assert citus.placements([movable.schema_name])[movable.schema_name].node == target
    assert f'id="org-node">{target}<' in page()
    event = AuditEvent.objects.get(action="organization.move", organization=movable)
    assert event.actor == "mover@platform.test" and event.detail["target"] == str(target)

    # Refusals come at once, on the page that asked, and queue nothing.
    for target_text, message in ((str(target), "already on"), ("nowhere", "is not HOST:PORT")):
        refused = client.post(
            f"/platform/organizations/{movable.slug}/move/",
            {"target": target_text, "mode": "block_writes"},
            follow=True,
        )
        assert refused.status_code == 200
        assert message in refused.content.decode()
    assert AuditEvent.objects.filter(action="organization.move", organization=movable).count() == 1
