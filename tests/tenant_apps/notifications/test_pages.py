"""The notifications page works as a plain page (forms, redirects, no JavaScript), and
the services store in the organization's schema and push only after commit."""

import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.services import (
    CHANGED_EVENT,
    notification_mark_read,
    notify_organization,
    notify_user,
)

pytestmark = pytest.mark.django_db


def test_history_lists_the_members_own_notifications(acme, member_of, in_schema):
    alice, client = member_of(acme, "member", "alice@acme.test")
    other, _ = member_of(acme, "member", "other@acme.test")
    with in_schema(acme):
        notify_user(recipient=alice, title="Quarterly report ready", body="Open it.")
        notify_user(recipient=other, title="Not for Alice")
    page = client.get("/notifications/").content.decode()
    assert "Quarterly report ready" in page and "1 unread" in page
    assert "Not for Alice" not in page


def test_mark_read_is_a_plain_form_post(acme, member_of, in_schema):
    alice, client = member_of(acme)
    with in_schema(acme):
        notification = notify_user(recipient=alice, title="Build failed", link="/files/")
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    with in_schema(acme):
        notification.refresh_from_db()
    assert notification.is_read
    assert "0 unread" in client.get("/notifications/").content.decode()


def test_open_marks_read_and_follows_the_link(acme, member_of, in_schema):
    alice, client = member_of(acme)
    with in_schema(acme):
        notification = notify_user(recipient=alice, title="New file", link="/files/")
    response = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert response["Location"] == "/files/"


def test_mark_all_read(acme, member_of, in_schema):
    alice, client = member_of(acme)
    with in_schema(acme):
        for title in ("one", "two", "three"):
            notify_user(recipient=alice, title=title)
    client.post("/notifications/read-all/")
    with in_schema(acme):
        assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_someone_elses_notification_is_404(acme, member_of, in_schema):
    alice, _ = member_of(acme, "member", "alice@acme.test")
    _bob, bob_client = member_of(acme, "member", "bob@acme.test")
    with in_schema(acme):
        notification = notify_user(recipient=alice, title="Private")
    assert bob_client.post(f"/notifications/{notification.pk}/read/").status_code == 404


def test_notifications_stay_in_their_organization(acme, globex, member_of, in_schema):
    alice, _ = member_of(acme)
    _bob, globex_client = member_of(globex)
    with in_schema(acme):
        notify_user(recipient=alice, title="Acme only")
    assert "Acme only" not in globex_client.get("/notifications/").content.decode()
    with in_schema(globex):
        assert not Notification.objects.exists()


def test_visitors_are_sent_to_sign_in(acme_client):
    response = acme_client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bell_fragment_shows_the_unread_count(acme, member_of, in_schema):
    alice, client = member_of(acme)
    with in_schema(acme):
        notify_user(recipient=alice, title="Ping")
    html = client.get("/notifications/bell/").content.decode()
    assert 'id="notification-bell-badge"' in html and 'data-unread="1"' in html
    assert "hx-swap-oob" not in html  # for an hx-get: swapped where it is asked


def test_bell_lists_the_latest_titles_escaped_each_linking_to_its_link(acme, member_of, in_schema):
    alice, client = member_of(acme)
    html = client.get("/notifications/bell/").content.decode()
    assert "No notifications yet" in html and "data-title" not in html
    with in_schema(acme):
        notify_user(recipient=alice, title="Oldest, pushed out")
        for index in range(3):
            notify_user(recipient=alice, title=f"Report {index}")
        notify_user(recipient=alice, title='<img src=x onerror="alert(1)">', link="/files/")
        read = notify_user(recipient=alice, title="Already seen & read")
        notification_mark_read(recipient=alice, notification_id=read.pk)
    html = client.get("/notifications/bell/").content.decode()
    titles = re.findall(r"<span data-title[^>]*>([^<]*)</span>", html)
    # The latest five, newest first; the markup in a title is text, not markup.
    assert titles == [
        "Already seen &amp; read",
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;",
        "Report 2",
        "Report 1",
        "Report 0",
    ]
    assert "<img" not in html and "No notifications yet" not in html
    assert 'href="/files/"' in html  # its own link; one without a link opens the page
    assert html.count('href="/notifications/"') == 4
    # Four of the five shown are unread; the count is all five unread (one is off the list).
    assert html.count("Unread: ") == 4 and 'data-unread="5"' in html
    assert "just now" in html


def test_pages_carry_the_live_bell_for_members(acme, member_of):
    _alice, client = member_of(acme)
    html = client.get("/notifications/").content.decode()
    # The notifications page's socket keeps its list live too (pages.py); others the bell.
    assert 'ws-connect="/ws/notifications/?list=1"' in html
    assert (
        'ws-connect="/ws/notifications/?list=2"'
        in client.get("/notifications/?page=2").content.decode()
    )
    assert 'ws-connect="/ws/notifications/"' in client.get("/members/").content.decode()
    assert "js/vendor/htmx-2.0.11.min.js" in html and "js/vendor/htmx-ext-ws-2.0.4.min.js" in html


def test_push_goes_out_after_commit_to_the_members_group_only(
    acme, member_of, in_schema, django_capture_on_commit_callbacks
):
    alice, _ = member_of(acme)
    with mock.patch("tenant_apps.notifications.services.send_to_user") as send:
        with in_schema(acme), django_capture_on_commit_callbacks() as callbacks:
            notify_user(recipient=alice, title="Hello")
        assert send.call_count == 0  # nothing pushed before the row is committed
        for callback in callbacks:
            callback()
    send.assert_called_once_with(schema="org_acme", user_id=alice.pk, message=CHANGED_EVENT)


def test_organization_announcement_reaches_every_active_member(acme, member_of, in_schema):
    member_of(acme, "member", "alice@acme.test")
    gone, _ = member_of(acme, "member", "gone@acme.test")
    with in_schema(acme):
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        count = notify_organization(title="Office closed Friday")
        recipients = set(
            Notification.objects.filter(title="Office closed Friday").values_list(
                "recipient__email", flat=True
            )
        )
    assert "alice@acme.test" in recipients and "gone@acme.test" not in recipients
    assert count == len(recipients)


@pytest.mark.parametrize(
    ("title", "link", "field"),
    [("", "", "title"), ("x" * 201, "", "title"), ("ok", "https://evil.test/", "link"),
     ("ok", "//evil.test/", "link")],
)  # fmt: skip
def test_bad_notifications_are_refused_and_nothing_is_stored(
    acme, member_of, in_schema, title, link, field
):
    alice, _ = member_of(acme)
    with in_schema(acme), pytest.raises(ValidationError) as error:
        notify_user(recipient=alice, title=title, link=link)
    assert field in error.value.message_dict
    with in_schema(acme):
        assert not Notification.objects.exists()


def test_mark_read_of_a_missing_notification_raises(acme, member_of, in_schema):
    alice, _ = member_of(acme)
    with in_schema(acme), pytest.raises(Notification.DoesNotExist):
        notification_mark_read(recipient=alice, notification_id=123456)


def test_only_admins_may_announce(acme, member_of):
    _member, member_client = member_of(acme, "member")
    assert member_client.post("/notifications/announce/", {"title": "Hi"}).status_code == 403


def test_admin_announcement_is_queued_as_a_task(acme, member_of):
    _admin, admin_client = member_of(acme, "admin")
    with mock.patch("tenant_apps.notifications.views.announce_task.delay") as delay:
        response = admin_client.post("/notifications/announce/", {"title": "All hands", "body": ""})
    assert response.status_code == 302
    delay.assert_called_once_with(title="All hands", body="")


def test_announcement_without_title_shows_the_error(acme, member_of):
    _admin, admin_client = member_of(acme, "admin")
    response = admin_client.post("/notifications/announce/", {"title": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()


@pytest.mark.django_db
def test_an_announcement_delivered_twice_is_stored_once(acme, member_of):
    from django_tenants.utils import tenant_context

    from tenant_apps.notifications.models import Notification
    from tenant_apps.notifications.tasks import announce_task

    member_of(acme, "member")
    with tenant_context(acme):
        for _delivery in range(2):  # the same message, redelivered after a worker crash
            announce_task.apply(kwargs={"title": "Maintenance tonight"}, task_id="announce-1")
        counts = list(
            Notification.objects.filter(title="Maintenance tonight")
            .values_list("recipient__email", flat=True)
            .order_by("recipient__email")
        )
    assert counts == ["member@acme.test", "owner@acme.test"]
