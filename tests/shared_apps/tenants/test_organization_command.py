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
            "--owner-email", "Peter@Initech.test", "--owner-password", "pw-123456")
    )  # fmt: skip
    assert created["slug"] == "initech"
    assert created["status"] == "active"
    assert created["domains"] == ["initech.localhost"]
    with schema_context("org_initech"):
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.get()
        assert owner.email == "peter@initech.test"
        assert owner.check_password("pw-123456")

    listed = json.loads(run("--json", "list"))
    assert [row["slug"] for row in listed] == ["acme", "globex", "initech"]


def test_suspend_and_reactivate(acme):
    assert json.loads(run("--json", "suspend", "acme"))["status"] == "suspended"
    assert json.loads(run("--json", "list", "--status", "suspended"))[0]["slug"] == "acme"
    assert json.loads(run("--json", "reactivate", "acme"))["status"] == "active"


def test_delete_needs_confirmation():
    run("create", "vandelay", "--name", "Vandelay Industries")
    with pytest.raises(CommandError, match="--yes"):
        run("delete", "vandelay")
    assert schema_exists("org_vandelay")

    assert json.loads(run("--json", "delete", "vandelay", "--yes"))["status"] == "deleted"
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
