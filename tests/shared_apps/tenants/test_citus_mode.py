"""The Citus mode seen from plain PostgreSQL: detected off, nothing it adds costs a round
trip here, its operations refuse with a message. (On a real cluster: tests/citus.)"""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db import citus
from shared_apps.tenants.provisioning.moves import MoveRefused, organization_move
from shared_apps.tenants.provisioning.template import current_snapshot, schema_build_from_template

pytestmark = pytest.mark.django_db


def test_plain_postgresql_is_not_citus_and_the_setting_overrides_detection(settings):
    assert citus.citus_enabled() is False
    settings.CITUS_MODE = "on"
    assert citus.citus_enabled() is True
    settings.CITUS_MODE = "off"
    assert citus.citus_enabled() is False


def test_the_template_sets_identities_from_values_read_when_it_was_captured(acme):
    statements = current_snapshot().statements
    setvals = [s for s in statements if "setval(" in s]
    assert setvals, "the template copies rows with identities"
    # No `setval(seq, max(id)) FROM t`: on Citus that runs on the worker holding t.
    assert not [s for s in setvals if " FROM " in s.upper() or "max(" in s]
    assert all(re.search(r", \d+\)$", s) for s in setvals)


def test_plain_postgresql_still_builds_from_the_template_in_one_message(acme):
    snapshot = current_snapshot()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        schema_build_from_template("org_one_message", snapshot)
        transaction.set_rollback(True)
    # The template lock, then every statement in one batch (no detection query either:
    # the answer is cached per process).
    assert len(queries) == 2, [q["sql"][:80] for q in queries]


def test_a_move_is_refused_on_plain_postgresql(acme):
    with pytest.raises(MoveRefused, match="not a Citus cluster"):
        organization_move(
            organization=acme, target=citus.Node("127.0.0.1", 5432), actor=Actor("test")
        )


def test_placement_commands_say_this_is_not_a_cluster():
    with pytest.raises(CommandError, match="Not a Citus cluster"):
        call_command("organization", "placement")


def test_a_queued_move_that_is_refused_when_it_runs_records_why(acme):
    from shared_apps.tenants.provisioning.move_requests import move_progress, organization_move_run

    moved = organization_move_run(
        organization=acme, target=citus.Node("127.0.0.1", 5432), mode="block_writes",
        actor=Actor("test"),
    )  # fmt: skip
    assert moved is False
    assert move_progress(acme.pk)["status"] == "failed"
    assert "not a Citus cluster" in move_progress(acme.pk)["line"]
