"""The members page: pagination, each member's real role, and only the controls the
viewer may use; the same rule (roles.member_controls) decides on the server."""

import pytest
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.accounts.selectors import MEMBERS_PER_PAGE
from tenant_apps.accounts.services import member_create
from tenant_apps.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _people(organization, count: int, prefix: str = "person") -> list[User]:
    with schema_context(organization.schema_name):
        return [
            member_create(email=f"{prefix}{n:03}@example.com", password=None) for n in range(count)
        ]


def _controls_shown(page: str, member: User) -> dict[str, bool]:
    return {
        "change_role": f'aria-label="Role of {member.email}"' in page,
        "deactivate": f'action="/members/{member.pk}/deactivate/"' in page,
        "reactivate": f'action="/members/{member.pk}/reactivate/"' in page,
    }


def test_members_are_paginated(member_of, acme):
    _people(acme, MEMBERS_PER_PAGE + 3)
    _admin, client = member_of(acme, "admin")
    first = client.get("/members/").content.decode()
    assert first.count('<tr id="member-') == MEMBERS_PER_PAGE
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/members/?page=2").content.decode()
    # 28 people + the owner + the admin = 30: five on the second page.
    assert second.count('<tr id="member-') == 5
    assert 'rel="prev"' in second
    assert "person027@example.com" in first + second


def test_an_admin_sees_the_owners_real_role_and_no_controls_for_them(member_of, owner_of, acme):
    owner, _ = owner_of(acme)
    _admin, client = member_of(acme, "admin")
    page = client.get("/members/").content.decode()
    assert '<span data-role="owner">Owner</span>' in page
    assert _controls_shown(page, owner) == {
        "change_role": False, "deactivate": False, "reactivate": False
    }  # fmt: skip
    # The owner option is never offered to an admin, so nothing can show "Member" for them.
    assert '<option value="owner"' not in page


def test_a_member_sees_no_admin_controls(member_of, owner_of, acme):
    owner, _ = owner_of(acme)
    other, _ = member_of(acme, "member", email="other@acme.test")
    _member, client = member_of(acme, "member")
    page = client.get("/members/").content.decode()
    for person in (owner, other):
        assert not any(_controls_shown(page, person).values())
    assert "/members/invite/" not in page and "Ownership" not in page


# (viewer, target) → may the viewer change the target's role / deactivate them?
ROLE_PAIRS = [
    ("member", "member", False),
    ("member", "admin", False),
    ("member", "owner", False),
    ("admin", "member", True),
    ("admin", "admin", True),
    ("admin", "owner", False),
    ("owner", "member", True),
    ("owner", "admin", True),
    ("owner", "owner", True),
]


@pytest.mark.parametrize(("viewer_role", "target_role", "allowed"), ROLE_PAIRS)
def test_page_and_server_agree_on_role_changes(member_of, acme, viewer_role, target_role, allowed):
    target, _ = member_of(acme, target_role, email=f"target-{target_role}@acme.test")
    _viewer, client = member_of(acme, viewer_role, email=f"viewer-{viewer_role}@acme.test")
    page = client.get("/members/").content.decode()
    shown = _controls_shown(page, target)
    assert (shown["change_role"], shown["deactivate"]) == (allowed, allowed)

    new_role = "admin" if target_role == "member" else "member"
    response = client.post(f"/members/{target.pk}/role/", {"role": new_role})
    assert response.status_code == (403 if viewer_role == "member" else 302)
    with schema_context(acme.schema_name):
        assert User.objects.get(pk=target.pk).role == (new_role if allowed else target_role)

    response = client.post(f"/members/{target.pk}/deactivate/")
    assert response.status_code == (403 if viewer_role == "member" else 302)
    with schema_context(acme.schema_name):
        assert User.objects.get(pk=target.pk).is_active is not allowed


@pytest.mark.parametrize(
    ("viewer_role", "target_role", "allowed"),
    [pair for pair in ROLE_PAIRS if pair[1] != "owner"]
    + [("admin", "owner", False), ("owner", "owner", True)],
)
def test_page_and_server_agree_on_reactivation(member_of, acme, viewer_role, target_role, allowed):
    target, _ = member_of(acme, target_role, email=f"gone-{target_role}@acme.test")
    with schema_context(acme.schema_name):
        User.objects.filter(pk=target.pk).update(is_active=False)
    _viewer, client = member_of(acme, viewer_role, email=f"viewer-{viewer_role}@acme.test")
    page = client.get("/members/").content.decode()
    assert _controls_shown(page, target)["reactivate"] is allowed
    response = client.post(f"/members/{target.pk}/reactivate/", follow=True)
    assert response.status_code == (403 if viewer_role == "member" else 200)
    with schema_context(acme.schema_name):
        assert User.objects.get(pk=target.pk).is_active is allowed
    if allowed:
        assert f"{target.email} can sign in again." in response.content.decode()


def test_reactivation_is_audited_and_lets_the_member_back_in(member_of, owner_of, acme):
    member, member_client = member_of(acme, "member")
    _owner, owner_client = owner_of(acme)
    owner_client.post(f"/members/{member.pk}/deactivate/")
    assert member_client.get("/members/").status_code == 302
    owner_client.post(f"/members/{member.pk}/reactivate/")
    with schema_context(acme.schema_name):
        member.refresh_from_db()
        member_client.force_login(member)
    assert member_client.get("/members/").status_code == 200
    with schema_context(acme.schema_name):
        types = list(
            OutboxEvent.objects.filter(entity_id=str(member.pk)).values_list(
                "event_type", flat=True
            )
        )
    assert "accounts.member.reactivated" in types


def test_ids_from_globex_are_404_at_acme(member_of, acme, globex):
    _admin, client = member_of(acme, "admin")
    globex_people = _people(globex, 4, prefix="globex")
    stranger = globex_people[-1]
    with schema_context(acme.schema_name):
        assert not User.objects.filter(pk=stranger.pk).exists()
    for action in ("role", "deactivate", "reactivate"):
        response = client.post(f"/members/{stranger.pk}/{action}/", {"role": "admin"})
        assert response.status_code == 404, action
    with schema_context(globex.schema_name):
        assert User.objects.get(pk=stranger.pk).role == "member"
