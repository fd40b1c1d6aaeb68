import pytest

from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import member_deactivate, member_invite
from tenant_apps.events import relay
from tenant_apps.events.consumers import NOTIFICATIONS, consume
from tenant_apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_deactivation_becomes_one_bell_notification_for_admins_of_that_organization_only(
    member_of, in_schema, acme, globex, redis_transport
):
    admin, _ = member_of(acme, "admin")
    member, _ = member_of(acme, "member")
    leaving, _ = member_of(acme, "member", email="leaving@acme.test")
    with in_schema(acme):
        owner = User.objects.get(email="owner@acme.test")
        member_deactivate(member=leaving, deactivated_by=owner)
        relay.relay_organization(transport=redis_transport)
        # Delivered twice (as after a relay crash): still one notification each.
        redis_transport.client.xadd(
            redis_transport.stream("accounts"),
            dict(redis_transport.client.xrange(redis_transport.stream("accounts"))[0][1]),
        )

    assert consume(NOTIFICATIONS, redis_transport) == 1

    with in_schema(acme):
        notified = set(Notification.objects.values_list("recipient__email", "title"))
    title = "leaving@acme.test was deactivated by owner@acme.test"
    assert notified == {("owner@acme.test", title), (admin.email, title)}
    assert member.email not in {email for email, _ in notified}
    with in_schema(globex):
        assert Notification.objects.count() == 0


def test_events_without_a_rule_notify_nobody(in_schema, acme, redis_transport):
    with in_schema(acme):
        member_invite(email="new@acme.test", invited_by=None)
        relay.relay_organization(transport=redis_transport)
    assert consume(NOTIFICATIONS, redis_transport) == 1  # applied, and nothing to say
    with in_schema(acme):
        assert Notification.objects.count() == 0
