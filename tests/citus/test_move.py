"""Moving an organization to another worker while it serves: every read during the move
is right, every acknowledged write is there once; a move is refused while a deploy
migrates, and audited when done."""

import os
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from shared_apps.operations.migration_lock import migration_lock
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db import citus
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import AuditEvent, Organization
from shared_apps.tenants.provisioning import moves
from shared_apps.tenants.provisioning import services as provisioning
from tenant_apps.tracker.models import Project
from tests.citus.catalog import assert_fully_distributed


@pytest.fixture
def moving(autocommit: None) -> Iterator[Organization]:
    organization = provisioning.organization_create(name="Moving", slug="moving")
    yield organization
    lifecycle.organization_delete(organization=organization, force=True)


def _node_of(organization: Organization) -> citus.Node:
    return citus.placements([organization.schema_name])[organization.schema_name].node


def _other_worker(node: citus.Node) -> citus.Node:
    return next(worker for worker in citus.worker_nodes() if worker != node)


class ReadWriteLoop(threading.Thread):
    """One writer-reader on a connection of its own: insert, then count, until stopped.

    As the only writer, every count must equal the writes acknowledged so far."""

    def __init__(self, schema: str) -> None:
        super().__init__(daemon=True)
        self.schema = schema
        self.acknowledged = 0
        self.reads = 0
        self.wrong: list[tuple[int, int]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with schema_context(self.schema):
                while not self.stop.is_set():
                    Project.objects.create(name=f"write {self.acknowledged + 1}")
                    self.acknowledged += 1
                    seen = Project.objects.count()
                    self.reads += 1
                    if seen != self.acknowledged:
                        self.wrong.append((seen, self.acknowledged))
        except BaseException as error:
            self.errors.append(error)
        finally:
            connection.close()

    def wait_for(self, writes: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.acknowledged < writes and not self.errors:
            assert time.monotonic() < deadline, f"only {self.acknowledged} writes"
            time.sleep(0.02)


@pytest.mark.parametrize("mode", ["block_writes", "auto"])
def test_an_organization_moved_under_reads_and_writes_loses_nothing(moving, mode):
    source = _node_of(moving)
    target = _other_worker(source)
    loop = ReadWriteLoop(moving.schema_name)
    loop.start()
    try:
        loop.wait_for(20)
        before = loop.acknowledged
        lines: list[str] = []
        move = moves.organization_move(
            organization=moving, target=target, mode=mode, actor=Actor("test"),
            report=lines.append,
        )  # fmt: skip
        during = loop.acknowledged - before
        loop.wait_for(loop.acknowledged + 20)
    finally:
        loop.stop.set()
        loop.join(30)
    assert loop.errors == []
    assert loop.wrong == []
    assert during > 0 or mode == "block_writes"  # writes go on under logical replication
    assert _node_of(moving) == target
    assert_fully_distributed(moving.schema_name)
    with schema_context(moving.schema_name):
        names = list(Project.objects.values_list("name", flat=True))
    assert len(names) == loop.acknowledged == len(set(names))
    assert move.source == source and move.target == target
    assert lines[0].startswith("Moving moving") and lines[-1].startswith("Moved moving")
    event = AuditEvent.objects.filter(action="organization.move", organization=moving).get()
    assert event.detail["source"] == str(source) and event.detail["target"] == str(target)
    assert event.detail["mode"] == mode


def test_a_move_is_refused_while_a_deploy_migrates(moving):
    source = _node_of(moving)
    with migration_lock(wait_seconds=0), pytest.raises(moves.MoveRefused, match="deploy"):
        moves.organization_move(
            organization=moving, target=_other_worker(source), actor=Actor("test")
        )
    assert _node_of(moving) == source
    assert not AuditEvent.objects.filter(action="organization.move", organization=moving).exists()


def test_a_move_to_an_unknown_node_or_the_same_node_is_refused(moving):
    source = _node_of(moving)
    with pytest.raises(moves.MoveRefused, match="not a worker"):
        moves.organization_move(
            organization=moving, target=citus.Node("127.0.0.1", 1), actor=Actor("test")
        )
    with pytest.raises(moves.MoveRefused, match="already on"):
        moves.organization_move(organization=moving, target=source, actor=Actor("test"))


def test_a_failed_move_is_refused_with_a_message_and_leaves_the_organization_whole(moving):
    import psycopg

    source = _node_of(moving)
    target = _other_worker(source)
    with schema_context(moving.schema_name):
        Project.objects.create(name="kept")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shard_name FROM citus_shards WHERE table_name = %s::regclass",
            [f"{moving.schema_name}.tracker_project"],
        )
        (shard,) = cursor.fetchone()
    worker_dsn = next(
        dsn for dsn in os.environ["TENANTRY_CITUS_WORKERS"].split(",") if f":{target.port}/" in dsn
    )
    # A relation in the way on the target: Citus's copy of that shard cannot be created there.
    with psycopg.connect(worker_dsn, autocommit=True) as worker:
        worker.execute(f"CREATE SEQUENCE {shard}")
        try:
            with pytest.raises(moves.MoveRefused, match=f"stays on {source}"):
                moves.organization_move(
                    organization=moving, target=target, mode="block_writes", actor=Actor("t")
                )
        finally:
            worker.execute(f"DROP SEQUENCE {shard}")
    assert _node_of(moving) == source
    with schema_context(moving.schema_name):
        assert list(Project.objects.values_list("name", flat=True)) == ["kept"]
    assert not AuditEvent.objects.filter(action="organization.move", organization=moving).exists()
