"""The bells of many members in one query agree with each member's own bell."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.selectors import BELL_LATEST, bell_state, bell_states

pytestmark = pytest.mark.django_db


def test_bell_states_match_each_members_bell_in_one_query(acme, member_of, in_schema):
    many, _ = member_of(acme, "member", "many@acme.test")
    some_read, _ = member_of(acme, "member", "some-read@acme.test")
    all_read, _ = member_of(acme, "member", "all-read@acme.test")
    none, _ = member_of(acme, "member", "none@acme.test")
    with in_schema(acme):
        for index in range(BELL_LATEST + 3):  # more unread than the bell lists
            Notification.objects.create(recipient=many, title=f"Many {index}")
        for index in range(4):
            Notification.objects.create(
                recipient=some_read,
                title=f"Some {index}",
                read_at=timezone.now() if index % 2 else None,
            )
        Notification.objects.create(recipient=all_read, title="Read", read_at=timezone.now())
        people = [many, some_read, all_read, none]
        with CaptureQueriesContext(connection) as queries:
            states = bell_states(recipient_ids=[user.pk for user in people])
        one_by_one = {user.pk: bell_state(recipient=user) for user in people}

    assert len(queries) == 1
    looks = {
        user_id: (state.unread, [n.pk for n in state.latest]) for user_id, state in states.items()
    }
    assert looks == {
        user_id: (state.unread, [n.pk for n in state.latest])
        for user_id, state in one_by_one.items()
    }
    assert [looks[user.pk][0] for user in people] == [BELL_LATEST + 3, 2, 0, 0]
    assert [len(looks[user.pk][1]) for user in people] == [BELL_LATEST, 4, 1, 0]
