from collections import Counter

import pytest

from config.celery import app as celery_app
from shared_apps.tenants.runtime.fanout import (
    FAN_OUT_TASK_NAME,
    organizations_fan_out,
    spread_offset,
)


def test_ten_thousand_organizations_are_spread_evenly_over_the_window():
    offsets = [
        spread_offset(task_name="app.job", schema_name=f"org_{n}", spread_seconds=600)
        for n in range(10_000)
    ]
    assert all(0 <= offset < 600 for offset in offsets)
    per_second = Counter(offsets)
    # ~16.7 a second on average: no second gets a burst, none is left empty.
    assert len(per_second) == 600
    assert max(per_second.values()) < 40


def test_an_organization_keeps_its_slot_from_one_run_to_the_next():
    first = spread_offset(task_name="app.job", schema_name="org_acme", spread_seconds=600)
    again = spread_offset(task_name="app.job", schema_name="org_acme", spread_seconds=600)
    assert first == again
    assert spread_offset(task_name="app.job", schema_name="org_acme", spread_seconds=0) == 0


def test_every_beat_entry_names_a_registered_task_and_each_fan_out_a_spread_the_broker_allows(
    settings,
):
    """Settings write the entries out (they import no app): a misspelt task, a missing
    kwarg or a spread past the visibility timeout fails here rather than in beat."""
    celery_app.loader.import_default_modules()
    visibility_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    fan_outs = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
        if entry["task"] == FAN_OUT_TASK_NAME:
            fan_outs.append(entry["kwargs"])
    assert fan_outs
    for kwargs in fan_outs:
        assert set(kwargs) == {"task_name", "spread_seconds", "task_kwargs"}
        assert kwargs["task_name"] in celery_app.tasks
        assert isinstance(kwargs["spread_seconds"], int)
        assert 0 <= kwargs["spread_seconds"] < visibility_timeout


@pytest.mark.django_db
def test_a_spread_reaching_the_visibility_timeout_is_refused():
    with pytest.raises(ValueError, match="visibility timeout"):
        organizations_fan_out(task_name="app.job", spread_seconds=3600)
