"""How the run hands schemas to its workers."""

from shared_apps.operations.compiled_plan import CompiledPlan
from shared_apps.operations.migration_runner import _FAST_PATH_BATCH, _batches


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
