"""A stopped clock for tests that check a time a service computed from "now"."""

import datetime

import pytest
from django.utils import timezone


def stop_the_clock(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    """From here to the end of the test, django.utils.timezone.now() answers the instant it
    answered at this call (returned). The services and auto_now/auto_now_add fields read
    it through the module, so a value stored from "now" can be compared exactly."""
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    return instant
