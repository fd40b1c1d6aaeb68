"""The platform JSON API: token auth, and the same operations as the console."""

import json

import pytest
from django.core.management import call_command

from shared_apps.platform.api_tokens import api_token_revoke
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import AuditEvent, Organization

pytestmark = pytest.mark.django_db


def test_requests_without_a_valid_token_are_refused(api, token):
    assert api("get", "organizations/", auth=None).status_code == 401
    response = api("get", "organizations/", auth="tnt_wrong")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    api_token_revoke(token=token[0], actor=Actor(label="ops"))
    assert api("get", "organizations/").status_code == 401


def test_tokens_are_stored_hashed(token):
    record, raw = token
    assert raw.startswith("tnt_") and raw not in record.token_digest
    assert record.prefix == raw[:10]


def test_the_api_does_not_exist_on_organization_hosts(acme_client, token):
    response = acme_client.get(
        "/platform/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer {token[1]}"
    )
    assert response.status_code == 404


def test_list_and_get(api):
    listed = api("get", "organizations/").json()
    assert [o["slug"] for o in listed["data"]] == ["acme", "globex"]
    assert listed["meta"] == {"count": 2, "page": 1, "pages": 1}
    assert listed["error"] is None
    assert api("get", "organizations/acme/").json()["data"]["status"] == "active"
    missing = api("get", "organizations/nope/")
    assert missing.status_code == 404
    assert missing.json() == {
        "data": None,
        "error": {
            "code": "not_found",
            "message": "No organization with slug “nope”.",
            "fields": {},
        },
        "meta": {},
    }


def test_create_is_accepted_then_provisioned(api, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = {
            "name": "Umbrella",
            "slug": "umbrella",
            "owner_email": "a@umbrella.test",
            "plan": "team",
        }
        response = api("post", "organizations/", body)
    assert response.status_code == 202
    assert response.json()["data"]["status"] == "provisioning"
    assert api("get", "organizations/umbrella/").json()["data"]["status"] == "active"
    event = AuditEvent.objects.get(organization_slug="umbrella", action="organization.create")
    assert event.actor == "api-token:billing"


def test_invalid_input_gets_field_errors(api):
    response = api("post", "organizations/", {"name": "X"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"slug", "owner_email"}
    response = api(
        "post", "organizations/", {"name": "X", "slug": "www", "owner_email": "a@b.test"}
    )
    assert "reserved" in json.dumps(response.json())
    malformed = api("patch", "organizations/acme/", None)
    assert malformed.status_code == 200  # an empty object changes nothing


def test_patch_actions_and_delete_guard(api):
    patched = api("patch", "organizations/acme/", {"plan": "business"})
    assert patched.json()["data"]["plan"] == "business"
    assert api("post", "organizations/acme/suspend/").json()["data"]["status"] == "suspended"
    assert api("post", "organizations/acme/reactivate/").json()["data"]["status"] == "active"
    unknown = api("post", "organizations/acme/teleport/")
    assert unknown.status_code == 404 and "suspend" in unknown.json()["error"]["message"]
    refused = api("delete", "organizations/acme/")
    assert refused.status_code == 422 and "Archive" in json.dumps(refused.json())
    assert Organization.objects.filter(slug="acme").exists()


def test_token_command_prints_the_token_once(capsys):
    call_command("platform_api_token", "create", "signup-form")
    out = capsys.readouterr()
    assert out.out.strip().startswith("tnt_")
    assert "not shown again" in out.err
