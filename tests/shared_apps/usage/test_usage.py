"""Usage metering: each meter counts into its own organization's day, and the flush
copies running totals (never twice, never backwards)."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shared_apps.usage import meters
from shared_apps.usage.models import UsageDay
from shared_apps.usage.services import usage_flush
from shared_apps.usage.tasks import flush as usage_task
from tenant_apps.events import relay
from tenant_apps.events.consumers import USAGE, consume
from tenant_apps.events.transports import RedisStreamsTransport, events_redis
from tenant_apps.files.services import file_upload
from tenant_apps.tracker.services import project_create
from tenant_apps.tracker.tasks import summary_refresh

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def today():
    return timezone.now().astimezone(datetime.UTC).date()


def usage_of(organization):
    usage_flush()
    return UsageDay.objects.filter(organization=organization, day=today()).first()


@pytest.fixture
def events_transport(settings):
    prefix = f"{settings.EVENTS_REDIS_PREFIX}{uuid.uuid4().hex[:8]}:"
    settings.EVENTS_REDIS_PREFIX = prefix
    yield RedisStreamsTransport(prefix=prefix)
    keys = list(events_redis().scan_iter(match=f"{prefix}*"))
    if keys:
        events_redis().delete(*keys)


def test_api_calls_and_active_members_count_for_the_host_they_were_made_on(acme, globex, member_of):
    _alice, client = member_of(acme)
    _bob, bob_client = member_of(acme, email="bob@acme.test")
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/").status_code in (200, 302)  # a page: active, not an API call
    bob_client.get("/api/v1/me/")
    client.logout()
    client.get("/api/v1/me/")  # anonymous: refused, not billed

    acme_day = usage_of(acme)
    assert (acme_day.api_calls, acme_day.active_members) == (4, 2)
    assert usage_of(globex) is None


def test_relayed_events_count_once_for_their_organization(
    acme, globex, in_schema, events_transport, django_capture_on_commit_callbacks
):
    with in_schema(acme):
        project_create(name="Anvil")
        project_create(name="Rocket skates")
        with django_capture_on_commit_callbacks(execute=True):
            assert relay.relay_organization(transport=events_transport) == 2
        with django_capture_on_commit_callbacks(execute=True):
            assert relay.relay_organization(transport=events_transport) == 0

    assert usage_of(acme).events == 2
    assert usage_of(globex) is None


def test_task_seconds_go_to_the_organization_the_task_ran_for(acme, globex, in_schema):
    with in_schema(acme):
        summary_refresh.apply().get()
    usage_task.apply().get()  # in public: the platform's own work, nobody's bill

    assert usage_of(acme).task_seconds > 0
    assert usage_of(globex) is None
    assert not meters.usage_redis().exists(meters.counters_key("public", today()))


def test_storage_is_the_organizations_stored_bytes_after_its_file_events(
    acme, globex, in_schema, member_of, events_transport, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    alice, _client = member_of(acme)
    with in_schema(acme):
        for name in ("a.pdf", "b.pdf"):
            file_upload(upload=SimpleUploadedFile(name, PDF), uploaded_by=alice)
        relay.relay_organization(transport=events_transport)
    assert consume(USAGE, events_transport) == 2

    assert usage_of(acme).storage_bytes == 2 * len(PDF)
    assert usage_of(globex) is None


def test_flushing_again_or_after_a_lost_meter_never_double_counts_or_goes_back(acme):
    for _ in range(5):
        meters.record_request(schema=acme.schema_name, member_id=1, api=True)
    assert usage_of(acme).api_calls == 5
    meters.usage_redis().sadd(meters.pending_key(), f"{acme.schema_name}/{today()}")
    assert usage_of(acme).api_calls == 5  # running totals, not increments

    meters.usage_redis().delete(meters.counters_key(acme.schema_name, today()))
    meters.record_request(schema=acme.schema_name, member_id=1, api=True)
    assert usage_of(acme).api_calls == 5  # Redis lost the day: the row keeps its figure


def test_storage_carries_over_to_a_day_without_file_events(acme):
    yesterday = today() - datetime.timedelta(days=1)
    UsageDay.objects.create(organization=acme, day=yesterday, storage_bytes=1234)
    meters.record_events(schema=acme.schema_name, count=1)

    assert usage_of(acme).storage_bytes == 1234


def test_meters_of_a_deleted_schema_are_dropped(acme):
    meters.record_events(schema="org_gone", count=3)
    assert usage_flush() == 0
    assert not UsageDay.objects.exists()
