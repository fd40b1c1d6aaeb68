"""Which migrations the fast path may compile: schema operations only, by exact class."""

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently, CreateExtension
from django.db import migrations, models
from django.db.models.signals import post_migrate

from shared_apps.operations import migration_state
from shared_apps.operations.migration_paths import (
    ledger_only_reason,
    migration_slow_reason,
    plan_slow_reason,
)
from shared_apps.operations.migration_state import SchemaPlan


def migration(*operations, **attributes) -> migrations.Migration:
    body = {"operations": list(operations), **attributes}
    return type("Migration", (migrations.Migration,), body)("0002_x", "tracker")


ADD = migrations.AddField("task", "colour", models.CharField(max_length=20, default="red"))
INDEX = migrations.AddIndex("task", models.Index(fields=["colour"], name="task_colour_idx"))


class AddFieldWithExtras(migrations.AddField):
    """A subclass may do anything in database_forwards."""


@pytest.mark.parametrize(
    ("made", "reason"),
    [
        (migration(ADD, INDEX), None),
        (migration(migrations.SeparateDatabaseAndState(database_operations=[ADD])), None),
        (migration(migrations.SeparateDatabaseAndState(state_operations=[ADD])), None),
        (migration(ADD, migrations.RunPython(print)), "RunPython needs Python and data"),
        (migration(migrations.RunSQL("SELECT 1")), "RunSQL is not verified to be state-free"),
        (
            migration(
                migrations.SeparateDatabaseAndState(
                    database_operations=[migrations.RunSQL("SELECT 1")]
                )
            ),
            "SeparateDatabaseAndState with RunSQL is not verified to be state-free",
        ),
        (migration(ADD, atomic=False), "non-atomic migration"),
        (
            migration(AddIndexConcurrently("task", INDEX.index), atomic=False),
            "non-atomic migration",
        ),
        (
            migration(AddIndexConcurrently("task", INDEX.index)),
            "django.contrib.postgres.operations.AddIndexConcurrently is not a schema-only"
            " operation Django ships",
        ),
        (
            migration(CreateExtension("citext")),
            "django.contrib.postgres.operations.CreateExtension is not a schema-only"
            " operation Django ships",
        ),
        (
            migration(AddFieldWithExtras("task", "x", models.IntegerField(default=0))),
            f"{__name__}.AddFieldWithExtras is not a schema-only operation Django ships",
        ),
        (
            migration(ADD, replaces=[("tracker", "0002_a"), ("tracker", "0003_b")]),
            "squashed migration (the executor records what it replaces)",
        ),
    ],
)
def test_only_schema_operations_django_ships_take_the_fast_path(made, reason):
    assert migration_slow_reason(made) == reason


def seed_roles(sender, **kwargs):
    """A product's post_migrate receiver: the fast path can't know what it does."""


def test_a_plan_whose_apps_have_other_post_migrate_receivers_takes_the_executor():
    last = max(key for key in migration_state.forward_order() if key[0] == "tracker")
    plan = SchemaPlan(schema="org_acme", pending=(last,))
    assert plan_slow_reason(plan) is None

    post_migrate.connect(seed_roles, sender=apps.get_app_config("tracker"))
    try:
        reason = plan_slow_reason(plan)
    finally:
        post_migrate.disconnect(seed_roles, sender=apps.get_app_config("tracker"))

    assert reason == (
        f"migrate signal receivers the fast path can't compile: {__name__}.seed_roles"
    )
    # Another app's receiver doesn't concern this plan.
    post_migrate.connect(seed_roles, sender=apps.get_app_config("files"))
    try:
        assert plan_slow_reason(plan) is None
    finally:
        post_migrate.disconnect(seed_roles, sender=apps.get_app_config("files"))


def last_of(app_label: str) -> tuple[str, str]:
    return max(key for key in migration_state.forward_order() if key[0] == app_label)


def test_public_only_records_a_plan_of_tenant_apps_and_migrates_its_own():
    tenant_only = SchemaPlan(schema="public", pending=(last_of("tracker"), last_of("files")))
    assert ledger_only_reason(tenant_only) is None

    shared = SchemaPlan(schema="public", pending=(last_of("tracker"), last_of("tenants")))
    tenants_key = last_of("tenants")
    assert ledger_only_reason(shared) == (
        f"{tenants_key[0]}.{tenants_key[1]}: its app migrates in public"
    )
    # An organization's schema migrates its tenant apps: the pilots' fast path, not this.
    in_organization = SchemaPlan(schema="org_acme", pending=(last_of("tracker"),))
    tracker_key = last_of("tracker")
    assert ledger_only_reason(in_organization) == (
        f"{tracker_key[0]}.{tracker_key[1]}: its app migrates in org_acme"
    )


def test_with_a_router_of_the_projects_own_public_takes_the_executor(settings):
    settings.DATABASE_ROUTERS = [*settings.DATABASE_ROUTERS, f"{__name__}.NoOpinionRouter"]
    plan = SchemaPlan(schema="public", pending=(last_of("tracker"),))

    assert (
        ledger_only_reason(plan) == "routers other than django-tenants' decide where migrations run"
    )


class NoOpinionRouter:
    """A project's router: it could decide by model or hints, which the check can't see."""
