"""`manage.py api_token`: the settings page's services from the command line."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from shared_apps.tenants.models import AuditEvent
from tenant_apps.api.models import ApiToken

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_list_and_revoke(acme, owner_of, bearer, acme_client, globex_client):
    owner, _ = owner_of(acme)
    raw = _run("acme", "create", owner.email, "ci", "--scope", "read", "--days", "7").strip()
    assert acme_client.get("/api/v1/me/", **bearer(raw)).json()["meta"]["scope"] == "read"
    assert globex_client.get("/api/v1/me/", **bearer(raw)).status_code == 401
    with tenant_context(acme):
        token = ApiToken.objects.get()
    listed = _run("acme", "list")
    assert token.prefix in listed and "read" in listed and raw not in listed
    assert _run("globex", "list") == ""  # another organization's tokens are not listed there

    _run("acme", "revoke", token.prefix)
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 401
    actors = set(
        AuditEvent.objects.filter(action__startswith="api_token.").values_list("actor", flat=True)
    )
    assert len(actors) == 1 and actors.pop().startswith("cli:")


def test_refusals_are_command_errors_and_make_nothing(acme, owner_of):
    owner, _ = owner_of(acme)
    with pytest.raises(CommandError, match="Between 1 and 366 days"):
        _run("acme", "create", owner.email, "ci", "--days", "400")
    with pytest.raises(CommandError, match="No active member"):
        _run("acme", "create", "nobody@acme.test", "ci")
    with pytest.raises(CommandError, match="No organization"):
        _run("public", "list")
    with pytest.raises(CommandError, match="No token"):
        _run("acme", "revoke", "000000000000")
    with tenant_context(acme):
        assert not ApiToken.objects.exists()
