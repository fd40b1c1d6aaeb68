import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context, schema_exists

from shared_apps.tenants.models import Organization

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("organization", *args, stdout=out)
    return out.getvalue()


def test_create_with_an_owner_then_list_as_json():
    created = json.loads(
        run("--json", "create", "initech", "--name", "Initech",
            "--owner-email", "Peter@Initech.test", "--owner-password", "initech-owner-pass")
    )  # fmt: skip
    assert created["slug"] == "initech"
    assert created["status"] == "active"
    assert created["domains"] == ["initech.localhost"]
    with schema_context("org_initech"):
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.get()
        assert owner.email == "peter@initech.test"
        assert owner.check_password("initech-owner-pass")

    listed = json.loads(run("--json", "list"))
    assert [row["slug"] for row in listed] == ["acme", "globex", "initech"]


def test_suspend_and_reactivate(acme):
    assert json.loads(run("--json", "suspend", "acme"))["status"] == "suspended"
    assert json.loads(run("--json", "list", "--status", "suspended"))[0]["slug"] == "acme"
    assert json.loads(run("--json", "reactivate", "acme"))["status"] == "active"


def test_delete_needs_confirmation_and_is_guarded():
    run("create", "vandelay", "--name", "Vandelay Industries")
    with pytest.raises(CommandError, match="--yes"):
        run("delete", "vandelay")
    with pytest.raises(CommandError, match="Archive the organization first"):
        run("delete", "vandelay", "--yes")
    run("archive", "vandelay")
    with pytest.raises(CommandError, match="grace period"):
        run("delete", "vandelay", "--yes")
    assert schema_exists("org_vandelay")

    deleted = json.loads(run("--json", "delete", "vandelay", "--yes", "--force"))
    assert deleted["status"] == "deleted"
    assert not schema_exists("org_vandelay")
    assert not Organization.objects.filter(slug="vandelay").exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("acme", "already taken"),
        ("pg_catalog", "lower-case letters"),
        ("admin", "reserved"),
        ('x"; DROP SCHEMA public; --', "lower-case letters"),
    ],
)
def test_create_refuses_bad_slugs_with_a_clear_error(slug, message):
    with pytest.raises(CommandError, match=message):
        run("create", slug, "--name", "Whatever")


def test_unknown_slug_is_a_clear_error():
    with pytest.raises(CommandError, match="No organization with slug “nope”"):
        run("suspend", "nope")


def test_rename_plan_and_domains_are_audited(acme):
    from shared_apps.tenants.models import AuditEvent, Domain

    run("rename", "acme", "Acme Corporation")
    run("plan", "acme", "team")
    run("domain", "add", "acme", "Projects.Acme.Example")
    run("domain", "verify", "acme", "projects.acme.example")
    run("domain", "primary", "acme", "projects.acme.example")
    acme.refresh_from_db()
    assert (acme.name, acme.plan) == ("Acme Corporation", "team")
    assert Domain.objects.get(tenant=acme, is_primary=True).domain == "projects.acme.example"
    actions = list(
        AuditEvent.objects.filter(organization=acme).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "organization.rename", "organization.plan", "domain.add", "domain.verify", "domain.primary",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(organization=acme).first().actor.startswith("cli:")
    with pytest.raises(CommandError, match="Choose one of"):
        run("plan", "acme", "platinum")
