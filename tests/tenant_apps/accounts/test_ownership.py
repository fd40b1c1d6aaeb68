"""The ownership page: transfer ownership (owner only, after re-entering the password),
leave the organization (not as its only owner), and ask the platform for deletion."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from shared_apps.tenants.models import AuditEvent, Organization
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import member_create
from tenant_apps.events.models import OutboxEvent
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client_for, db):
    client = client_for(None)
    with schema_context("public"):
        client.force_login(get_user_model().objects.create_superuser("ops@platform.test", PASSWORD))
    return client


def _reauthenticated(client):
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def _user(organization, pk: int) -> User:
    with schema_context(organization.schema_name):
        return User.objects.get(pk=pk)


def _events(organization, name: str) -> int:
    with schema_context(organization.schema_name):
        return OutboxEvent.objects.filter(event_type=name).count()


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("admin", 200), ("owner", 200)])
def test_the_ownership_page_is_for_admins_and_owners(member_of, acme, role, status):
    member_of(acme, "member", email="candidate@acme.test")
    _viewer, client = member_of(acme, role, email=f"{role}-x@acme.test")
    response = client.get("/settings/ownership/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert 'action="/account/leave/"' in page
        owner_only = (
            'form="transfer-form"' in page,
            'action="/settings/ownership/delete/"' in page,
        )
        assert owner_only == ((True, True) if role == "owner" else (False, False))


def test_members_page_links_the_ownership_page_for_admins(member_of, acme):
    _admin, client = member_of(acme, "admin")
    assert 'href="/settings/ownership/"' in client.get("/members/").content.decode()


def test_transfer_asks_for_the_password_then_swaps_the_roles(owner_of, member_of, acme):
    owner, client = owner_of(acme)
    admin, _ = member_of(acme, "admin")
    response = client.post("/settings/ownership/transfer/", {"new_owner": admin.pk})
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert _user(acme, admin.pk).role == "admin"  # nothing happened yet

    # allauth replays the suspended POST once the password is given.
    response = client.post(
        "/accounts/reauthenticate/?next=/settings/ownership/transfer/", {"password": PASSWORD}
    )
    assert (_user(acme, admin.pk).role, _user(acme, owner.pk).role) == ("owner", "admin")
    assert _events(acme, "accounts.ownership.transferred") == 1
    # The former owner is an admin now: the next transfer is refused by role.
    again = client.post("/settings/ownership/transfer/", {"new_owner": owner.pk})
    assert again.status_code == 403


@pytest.mark.parametrize("role", ["member", "admin"])
def test_only_an_owner_can_transfer(member_of, owner_of, acme, role):
    owner, _ = owner_of(acme)
    _actor, client = member_of(acme, role)
    _reauthenticated(client)
    response = client.post("/settings/ownership/transfer/", {"new_owner": owner.pk})
    assert response.status_code == 403
    assert _user(acme, owner.pk).role == "owner"


def test_transfer_to_a_deactivated_member_or_oneself_is_refused(owner_of, member_of, acme):
    owner, client = owner_of(acme)
    gone, _ = member_of(acme, "member", email="gone@acme.test")
    with schema_context(acme.schema_name):
        User.objects.filter(pk=gone.pk).update(is_active=False)
    _reauthenticated(client)
    for target, message in ((gone, "choose an active admin or member"), (owner, "another member")):
        response = client.post(
            "/settings/ownership/transfer/", {"new_owner": target.pk}, follow=True
        )
        assert message in response.content.decode()
    assert (_user(acme, owner.pk).role, _user(acme, gone.pk).role) == ("owner", "member")
    assert _events(acme, "accounts.ownership.transferred") == 0


def test_transfer_to_a_globex_id_is_404_at_acme(owner_of, member_of, acme, globex):
    _owner, client = owner_of(acme)
    with schema_context(globex.schema_name):
        strangers = [member_create(email=f"g{n}@globex.test", password=None) for n in range(3)]
    with schema_context(acme.schema_name):
        assert not User.objects.filter(pk=strangers[-1].pk).exists()
    _reauthenticated(client)
    response = client.post("/settings/ownership/transfer/", {"new_owner": strangers[-1].pk})
    assert response.status_code == 404
    assert client.post("/settings/ownership/transfer/", {"new_owner": "x"}).status_code == 404


def test_a_member_can_leave_and_is_signed_out(member_of, acme):
    member, client = member_of(acme)
    response = client.post("/account/leave/", follow=True)
    assert "You have left Acme Corp." in response.content.decode()
    assert _user(acme, member.pk).is_active is False
    assert client.get("/members/").status_code == 302
    assert _events(acme, "accounts.member.left") == 1


def test_the_only_owner_must_transfer_before_leaving(owner_of, member_of, acme):
    owner, client = owner_of(acme)
    response = client.post("/account/leave/", follow=True)
    assert "You are the only owner: transfer ownership" in response.content.decode()
    assert _user(acme, owner.pk).is_active is True
    member_of(acme, "owner", email="second-owner@acme.test")
    client.post("/account/leave/")
    assert _user(acme, owner.pk).is_active is False


def test_an_owner_requests_deletion_and_the_console_shows_it(owner_of, acme, staff_client):
    owner, client = owner_of(acme)
    _reauthenticated(client)
    response = client.post("/settings/ownership/delete/", follow=True)
    assert "Deletion requested" in response.content.decode()
    acme.refresh_from_db()
    assert acme.deletion_requested_by == owner.email
    assert acme.deletion_requested_at is not None
    assert acme.status == Organization.Status.ACTIVE  # nothing is deleted or closed
    audit = AuditEvent.objects.get(action="organization.deletion_request")
    assert (audit.organization_id, audit.actor) == (acme.pk, owner.email)
    assert _events(acme, "accounts.organization.deletion_requested") == 1

    again = client.post("/settings/ownership/delete/", follow=True)
    assert "already requested" in again.content.decode()
    assert AuditEvent.objects.filter(action="organization.deletion_request").count() == 1

    detail = staff_client.get("/platform/organizations/acme/").content.decode()
    assert 'id="deletion-request"' in detail and owner.email in detail
    assert "Deletion requested" in staff_client.get("/platform/").content.decode()


def test_deletion_needs_the_password_and_the_owner_role(owner_of, member_of, acme):
    _owner, owner_client = owner_of(acme)
    response = owner_client.post("/settings/ownership/delete/")
    assert "/accounts/reauthenticate/" in response["Location"]
    _admin, admin_client = member_of(acme, "admin")
    _reauthenticated(admin_client)
    assert admin_client.post("/settings/ownership/delete/").status_code == 403
    acme.refresh_from_db()
    assert acme.deletion_requested_at is None
    assert not AuditEvent.objects.filter(action="organization.deletion_request").exists()


def test_a_globex_deletion_request_leaves_acme_alone(owner_of, acme, globex, staff_client):
    _owner, client = owner_of(globex)
    _reauthenticated(client)
    client.post("/settings/ownership/delete/")
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert acme.deletion_requested_at is None and globex.deletion_requested_at is not None
    assert (
        'id="deletion-request"'
        not in staff_client.get("/platform/organizations/acme/").content.decode()
    )


class _Boom(Exception):
    pass


def _failing_emit(*args, **kwargs):
    raise _Boom


def test_a_failed_transfer_changes_no_role(owner_of, member_of, acme, monkeypatch):
    owner, client = owner_of(acme)
    admin, _ = member_of(acme, "admin")
    _reauthenticated(client)
    monkeypatch.setattr("tenant_apps.accounts.services.emit", _failing_emit)
    with pytest.raises(_Boom):
        client.post("/settings/ownership/transfer/", {"new_owner": admin.pk})
    assert (_user(acme, owner.pk).role, _user(acme, admin.pk).role) == ("owner", "admin")


def test_a_failed_deletion_request_records_nothing_anywhere(owner_of, acme, monkeypatch):
    _owner, client = owner_of(acme)
    _reauthenticated(client)
    monkeypatch.setattr("tenant_apps.accounts.services.emit", _failing_emit)
    with pytest.raises(_Boom):
        client.post("/settings/ownership/delete/")
    acme.refresh_from_db()
    assert acme.deletion_requested_at is None
    assert not AuditEvent.objects.filter(action="organization.deletion_request").exists()


def test_a_support_session_cannot_leave_for_the_member(staff_client, client_for, member_of, acme):
    member, _ = member_of(acme)
    link = staff_client.post(f"/platform/organizations/acme/impersonate/{member.pk}/")["Location"]
    support = client_for(acme)
    assert support.get(link.removeprefix("http://acme.localhost")).status_code == 302
    response = support.post("/account/leave/", follow=True)
    assert "A support session can&#x27;t leave" in response.content.decode()
    assert _user(acme, member.pk).is_active is True
