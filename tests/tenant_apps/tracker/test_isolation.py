import pytest

from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_project_created_at_acme_is_invisible_at_globex(
    acme_owner_client, globex_owner_client, in_schema, acme, globex
):
    response = acme_owner_client.post("/", {"name": "Rocket skates"})
    assert response.status_code == 302

    assert "Rocket skates" in acme_owner_client.get("/").content.decode()
    globex_page = globex_owner_client.get("/")
    assert globex_page.status_code == 200
    assert "Rocket skates" not in globex_page.content.decode()
    with in_schema(acme):
        assert list(Project.objects.values_list("name", flat=True)) == ["Rocket skates"]
    with in_schema(globex):
        assert Project.objects.count() == 0


def test_empty_project_name_is_refused_with_a_message(acme_owner_client):
    response = acme_owner_client.post("/", {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
