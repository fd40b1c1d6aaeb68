"""How the run hands schemas to its workers, and when it reads the organizations' ledgers."""

import os
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest
from django.db import DatabaseError, migrations

from shared_apps.operations import migration_paths, migration_state
from shared_apps.operations.compiled_plan import CompiledPlan
from shared_apps.operations.migration_runner import (
    _FAST_PATH_BATCH,
    _batches,
    _rows_survive,
    _tenant_plans,
    _Workers,
)
from shared_apps.operations.migration_state import SchemaPlan


def plan(name: str) -> CompiledPlan:
    return CompiledPlan(
        pending=(("deploy_probe", name),), body="", ledger_keys="", statements=0, pilots=()
    )


def test_fast_path_schemas_travel_in_batches_of_one_plan_and_executor_schemas_alone():
    first, second = plan("0002_a"), plan("0003_b")
    tasks = [
        *((f"org_a{n:02d}", first) for n in range(_FAST_PATH_BATCH + 3)),
        ("org_slow1", None),
        ("org_slow2", None),
        *((f"org_b{n:02d}", second) for n in range(2)),
    ]

    batches = _batches(tasks)

    assert [(len(schemas), compiled) for schemas, compiled in batches] == [
        (_FAST_PATH_BATCH, first),
        (3, first),
        (1, None),
        (1, None),
        (2, second),
    ]
    assert [schema for schemas, _compiled in batches for schema in schemas] == [
        schema for schema, _compiled in tasks
    ]


def _touches_rows(migration: migrations.Migration) -> bool:
    return any(type(op) in (migrations.RunPython, migrations.RunSQL) for op in migration.operations)


def _keys(*, data: bool) -> list[tuple[str, str]]:
    """Graph nodes whose operations touch rows (RunPython, RunSQL), or schema only."""
    nodes = migration_state.migration_loader().graph.nodes
    return [
        key
        for key, migration in nodes.items()
        if _touches_rows(migration) is data
        and (data or migration_paths.migration_slow_reason(migration) is None)
    ]


def test_ledgers_are_read_while_public_migrates_only_when_its_plan_keeps_every_row():
    schema_only, with_data = _keys(data=False), _keys(data=True)
    assert len(schema_only) >= 2 and with_data

    assert _rows_survive(SchemaPlan("public", pending=tuple(schema_only[:2])))
    assert not _rows_survive(SchemaPlan("public", pending=(schema_only[0], with_data[0])))
    assert not _rows_survive(SchemaPlan("public", pending=(schema_only[0],), irregular=True))


@pytest.mark.django_db
def test_ledgers_whose_early_read_failed_are_read_again(acme, globex):
    failed: Future = Future()
    failed.set_exception(DatabaseError('relation "tenants_organization" does not exist'))

    plans, missing = _tenant_plans(failed, readers=1)

    schemas = {plan.schema for plan in plans}
    assert {acme.schema_name, globex.schema_name} <= schemas and missing == []


def _die() -> None:
    os._exit(1)


def _pid() -> int:
    return os.getpid()


def test_after_a_worker_dies_the_next_schemas_go_to_new_workers():
    pool = _Workers(2, [])
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(_die).result(timeout=60)
        assert pool.submit(_pid).result(timeout=60) != os.getpid()
    finally:
        pool.close()
