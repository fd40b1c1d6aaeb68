from collections import Counter

import pytest

from shared_apps.tenants.runtime.fanout import (
    FAN_OUT_TASK_NAME,
    every_organization,
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


def test_every_organization_builds_one_beat_entry_for_the_fan_out():
    entry = every_organization("tracker.summary_refresh", schedule=3600, spread_seconds=300)
    assert entry == {
        "task": FAN_OUT_TASK_NAME,
        "schedule": 3600,
        "kwargs": {
            "task_name": "tracker.summary_refresh",
            "spread_seconds": 300,
            "task_kwargs": {},
        },
    }


@pytest.mark.parametrize(
    ("task_name", "spread", "message"),
    [("", 10, "dotted name"), ("app.job", -1, "≥ 0"), ("app.job", 1.5, "whole number")],
)
def test_every_organization_refuses_bad_input_with_a_clear_message(task_name, spread, message):
    with pytest.raises(ValueError, match=message):
        every_organization(task_name, schedule=60, spread_seconds=spread)


@pytest.mark.django_db
def test_a_spread_reaching_the_visibility_timeout_is_refused():
    with pytest.raises(ValueError, match="visibility timeout"):
        organizations_fan_out(task_name="app.job", spread_seconds=3600)
