"""Two requests creating the same slug at once: one organization, one clear error."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning


@pytest.mark.django_db(transaction=False)
def test_concurrent_creation_of_the_same_slug_makes_one_organization(django_db_blocker):
    # Each thread commits on its own connection, outside this test's transaction.
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            barrier.wait(timeout=10)
            provisioning.organization_create(name="Race", slug="race-slug")
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    try:
        assert sorted(outcomes) == sorted(["created", "The slug “race-slug” is already taken."])
    finally:
        cleanup = threading.Thread(target=_delete_organizations, args=("race-slug",))
        cleanup.start()
        cleanup.join(timeout=60)


def _delete_organizations(slug: str) -> None:
    try:
        for organization in Organization.objects.filter(slug=slug):
            lifecycle.organization_delete(organization=organization, force=True)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=False)
def test_provisioning_waits_while_a_deploy_holds_the_migration_lock():
    import psycopg

    from shared_apps.tenants.db.locks import MIGRATION_LOCK_KEY
    from tests.live import server_dsn

    settings_db = connection.settings_dict["NAME"]
    deploy = psycopg.connect(server_dsn(settings_db), autocommit=True)
    deploy.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
    finished = threading.Event()
    outcome: list[str] = []

    def provision() -> None:
        try:
            organization = provisioning.organization_create(name="Mid deploy", slug="mid-deploy")
            outcome.append(organization.status)
        finally:
            finished.set()
            connection.close()

    worker = threading.Thread(target=provision)
    worker.start()
    try:
        # Still waiting for the deploy's lock: nothing is built meanwhile.
        assert not finished.wait(timeout=2)
        assert outcome == []
    finally:
        deploy.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
        deploy.close()
    worker.join(timeout=60)
    try:
        assert outcome == ["active"]
    finally:
        cleanup = threading.Thread(target=_delete_organizations, args=("mid-deploy",))
        cleanup.start()
        cleanup.join(timeout=60)
