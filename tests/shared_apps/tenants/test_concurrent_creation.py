"""Two requests creating the same slug at once: one organization, one clear error."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shared_apps.tenants import services
from shared_apps.tenants.models import Organization


@pytest.mark.django_db(transaction=False)
def test_concurrent_creation_of_the_same_slug_makes_one_organization(django_db_blocker):
    # Each thread commits on its own connection, outside this test's transaction.
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            barrier.wait(timeout=10)
            services.organization_create(name="Race", slug="race-slug")
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
        cleanup = threading.Thread(target=_delete_race_organization)
        cleanup.start()
        cleanup.join(timeout=60)


def _delete_race_organization() -> None:
    try:
        for organization in Organization.objects.filter(slug="race-slug"):
            services.organization_delete(organization=organization, force=True)
    finally:
        connection.close()
