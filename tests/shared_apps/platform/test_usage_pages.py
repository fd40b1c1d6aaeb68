"""Usage in the console (organization page) and the platform API, each organization's own."""

import datetime

import pytest
from django.utils import timezone

from shared_apps.usage.models import UsageDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_usage(acme):
    today = timezone.now().astimezone(datetime.UTC).date()
    UsageDay.objects.create(
        organization=acme, day=today, api_calls=4217, events=31, active_members=3,
        storage_bytes=5 * 1024 * 1024, task_seconds=12.5,
    )  # fmt: skip
    UsageDay.objects.create(
        organization=acme, day=today - datetime.timedelta(days=40), api_calls=999
    )
    return today


def test_the_organization_page_shows_its_last_30_days_of_usage(
    staff_client, acme, globex, acme_usage
):
    page = staff_client.get(f"/platform/organizations/{acme.slug}/").content.decode()
    assert "<h2>Usage</h2>" in page
    assert f"<td>{acme_usage:%Y-%m-%d}</td><td>4217</td><td>31</td><td>3</td>" in page
    assert "5.0\xa0MB" in page and "12.5 s" in page
    assert "999" not in page  # older than 30 days

    other = staff_client.get(f"/platform/organizations/{globex.slug}/").content.decode()
    assert "4217" not in other and "No usage recorded in the last 30 days." in other


def test_the_platform_api_exports_usage_per_day(api, acme, globex, acme_usage):
    since = acme_usage - datetime.timedelta(days=60)
    response = api("get", f"organizations/{acme.slug}/usage/", {"since": since.isoformat()})
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["organization"] == "acme" and body["until"] == acme_usage.isoformat()
    assert [(d["day"], d["api_calls"]) for d in body["days"]] == [
        (acme_usage.isoformat(), 4217),
        ((acme_usage - datetime.timedelta(days=40)).isoformat(), 999),
    ]
    assert body["days"][0] == {
        "day": acme_usage.isoformat(), "api_calls": 4217, "events": 31, "active_members": 3,
        "storage_bytes": 5 * 1024 * 1024, "task_seconds": 12.5,
    }  # fmt: skip

    assert api("get", f"organizations/{globex.slug}/usage/").json()["data"]["days"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"since": "yesterday"},
        {"since": "2026-02-30"},
        {"since": "2026-05-02", "until": "2026-05-01"},
        {"since": "2020-01-01", "until": "2026-01-01"},
    ],
)
def test_a_bad_range_is_a_422_naming_the_field(api, acme, query):
    response = api("get", f"organizations/{acme.slug}/usage/", query)
    assert response.status_code == 422
    assert "since" in response.json()["error"]["fields"]


def test_usage_needs_a_token_and_an_existing_organization(api):
    assert api("get", "organizations/acme/usage/", auth=None).status_code == 401
    assert api("get", "organizations/nobody/usage/").status_code == 404
