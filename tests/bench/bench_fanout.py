"""WebSocket fan-out benchmark: one message to every connected member of 50 organizations.

    uv run python -m tests.bench.bench_fanout [--organizations 50] [--clients-per-org 10]
                                              [--rounds 30]

Starts the embedded PostgreSQL/Redis (unless DATABASE_URL/REDIS_URL are set), builds a
database of its own with the organizations and their members (each with a session), runs
uvicorn with the real app in a subprocess (tests/bench/fanout_asgi.py) on the
channels-redis layer, and connects organizations × clients-per-org `websockets` clients
to 127.0.0.1 with each organization's Host. A broadcast is one group_send per
organization, from this process; latency is from just before the first group_send to
each client's receipt (same clock). Three variants, measured in the same run:

* plain Channels: no tenant middleware, no session/user, groups without a schema (baseline);
* Tenantry stack: host → organization, session and user from the schema, schema-named
  groups, a consumer that forwards the event (the cost of tenancy itself);
* Tenantry bell: an announcement's push as the service sends it (bells.py): per
  organization, the sender reads every member's bell in one query and renders each
  distinct bell once, inside the measured time; each socket of the real notification
  consumer sends its own member's fragment;
* bell, ORM read (`bell-orm`): the same push with the sender's read as it was before
  bell_states ran SQL written once: two ORM queries (a GROUP BY count, a ROW_NUMBER()
  window) compiled by Django per organization; a control for that change;
* bell, re-read per socket (`bell-reread`): the design it replaced, kept as a control:
  "notifications.changed" to the organization's group, each socket re-reads its
  member's unread count and latest notifications and renders the bell.

Prints p50/p99 latency over every delivery of `--rounds` sequential broadcasts (each
sent once the previous one has reached every client), and the throughput of those
rounds: broadcasts/s and deliveries (messages received by clients) per second.

Why not a burst of broadcasts back to back: channels-redis keeps one list per server
process for all its sockets, capped at `capacity` (default 100) messages; 50 group sends
per broadcast overflow it after two broadcasts in flight and the excess is dropped (see
docs/realtime.md).
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "tenantry_bench_fanout"
RUN_PREFIX = "bench-fanout"  # PYTEST_XDIST_WORKER → the settings' Redis key prefixes


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTEST_XDIST_WORKER": RUN_PREFIX,
        "PYTHONUNBUFFERED": "1",
    }


def _setup(organizations: int, clients_per_org: int) -> dict[str, list[str]]:
    """(In a child process with the bench database's settings.) Organizations, members,
    sessions: {host: [session keys]}."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from shared_apps.tenants.provisioning.services import organization_create
    from tenant_apps.accounts.services import member_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    sessions: dict[str, list[str]] = {}
    for index in range(organizations):
        slug = f"fan-{index:03d}"
        organization = organization_create(name=f"Fan-out {index}", slug=slug)
        with schema_context(organization.schema_name):
            keys = []
            for member in range(clients_per_org):
                user = member_create(email=f"m{member}@{slug}.test", password=None)
                store = store_class()
                store[SESSION_KEY] = str(user.pk)
                store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                store[HASH_SESSION_KEY] = user.get_session_auth_hash()
                store.create()
                keys.append(store.session_key)
        sessions[f"{slug}.localhost"] = keys
    return sessions


class Client:
    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.received: asyncio.Queue[float] = asyncio.Queue()

    async def listen(self) -> None:
        async for _message in self.websocket:
            self.received.put_nowait(time.perf_counter())


async def _connect(port: int, host: str, path: str, session: str | None) -> Client:
    from websockets.asyncio.client import connect

    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    headers = {"Cookie": f"sessionid={session}"} if session else None
    websocket = await connect(
        f"ws://{host}:{port}{path}", sock=sock, origin=f"http://{host}:{port}",
        additional_headers=headers, open_timeout=60,
        max_queue=None, ping_interval=None,
    )  # fmt: skip
    return Client(websocket)


async def _run_variant(
    variant: str, port: int, sessions: dict[str, list[str]], rounds: int
) -> dict[str, float]:
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from django_tenants.utils import schema_context

    from shared_apps.tenants.runtime.groups import organization_group
    from tenant_apps.notifications import bells
    from tenant_apps.notifications.bells import bell_event
    from tenant_apps.notifications.services import CHANGED_EVENT

    layer = get_channel_layer()
    hosts = list(sessions)
    plan: list[tuple[str, str, str | None]] = []
    for index, host in enumerate(hosts):
        for session in sessions[host]:
            if variant == "plain":
                plan.append((host, f"/bench/plain/{index}/", None))
            elif variant == "tenant-echo":
                plan.append((host, "/bench/tenant-echo/", session))
            else:  # bell, bell-orm, bell-reread
                plan.append((host, "/ws/notifications/", session))
    clients: list[Client] = []
    for start in range(0, len(plan), 50):  # connect in batches of 50
        clients += await asyncio.gather(
            *(_connect(port, *spec) for spec in plan[start : start + 50])
        )
    listeners = [asyncio.create_task(client.listen()) for client in clients]
    if variant.startswith("bell"):  # the bell sent on connect
        await asyncio.gather(*(client.received.get() for client in clients))

    if variant == "plain":
        groups = [f"plain.{index}" for index in range(len(hosts))]
        message: dict[str, Any] = {"type": "bench.message", "text": "x" * 200}
    else:
        schemas = ["org_" + host.split(".")[0].replace("-", "_") for host in hosts]
        groups = [organization_group(schema) for schema in schemas]
        message = (
            dict(CHANGED_EVENT)
            if variant == "bell-reread"
            else {"type": "bench.message", "text": "x" * 200}
        )
        members = await sync_to_async(_member_ids)(schemas)

    def bell_message(schema: str) -> dict[str, Any]:
        with schema_context(schema):
            if variant == "bell-orm":
                with mock.patch.object(bells, "bell_states", _orm_bell_states):
                    return bell_event(recipient_ids=members[schema])
            return bell_event(recipient_ids=members[schema])

    async def broadcast() -> float:
        started = time.perf_counter()
        for index, group in enumerate(groups):
            if variant in ("bell", "bell-orm"):  # the sender's reads and renders count
                await layer.group_send(group, await sync_to_async(bell_message)(schemas[index]))
            else:
                await layer.group_send(group, message)
        return started

    async def all_received() -> list[float]:
        return [await asyncio.wait_for(client.received.get(), timeout=60) for client in clients]

    await broadcast()  # warm-up
    await all_received()
    latencies: list[float] = []
    rounds_started = time.perf_counter()
    for _ in range(rounds):
        started = await broadcast()
        latencies += [stamp - started for stamp in await all_received()]
    rounds_seconds = time.perf_counter() - rounds_started

    for client in clients:
        await client.websocket.close()
    for listener in listeners:
        listener.cancel()
    latencies.sort()
    return {
        "clients": len(clients),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "deliveries_per_s": len(clients) * rounds / rounds_seconds,
        "broadcasts_per_s": rounds / rounds_seconds,
    }


def _orm_bell_states(*, recipient_ids: list[int]) -> dict[int, Any]:
    """bell_states as it was (the `bell-orm` control): two queries built by the ORM."""
    from django.db.models import Count, F, Window
    from django.db.models.functions import RowNumber

    from tenant_apps.notifications.models import Notification
    from tenant_apps.notifications.selectors import BELL_LATEST, BellState

    unread = dict(
        Notification.objects.filter(recipient_id__in=recipient_ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    rank = Window(
        RowNumber(),
        partition_by=[F("recipient_id")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    latest: dict[int, list[Notification]] = {user_id: [] for user_id in recipient_ids}
    rows = (
        Notification.objects.filter(recipient_id__in=recipient_ids)
        .annotate(rank=rank)
        .filter(rank__lte=BELL_LATEST)
        .order_by("recipient_id", "rank")
    )
    for notification in rows:
        latest[notification.recipient_id].append(notification)
    return {
        user_id: BellState(unread=unread.get(user_id, 0), latest=latest[user_id])
        for user_id in recipient_ids
    }


def _member_ids(schemas: list[str]) -> dict[str, list[int]]:
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    ids = {}
    for schema in schemas:
        with schema_context(schema):
            ids[schema] = list(get_user_model().objects.values_list("pk", flat=True))
    return ids


def _forget_old_groups() -> None:
    """Drop this benchmark's channel-layer keys: members left in a group by an interrupted
    run would otherwise still be sent to (and slow one variant down)."""
    import redis
    from django.conf import settings

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    client = redis.Redis.from_url(config["hosts"][0]["address"])
    keys = list(client.scan_iter(match=f"{config['prefix']}*", count=1000))
    if keys:
        client.delete(*keys)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("uvicorn exited during start-up")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--clients-per-org", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--variants",
        default="plain,tenant-echo,bell,bell-orm,bell-reread",
        help="which to run, in this order",
    )
    parser.add_argument("--setup-child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup_child:
        print(json.dumps(_setup(args.organizations, args.clients_per_org)))
        return

    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    web: subprocess.Popen | None = None
    try:
        os.environ.update(_env(_database_url(), _redis_url()))
        started = time.perf_counter()
        _create_database()
        setup = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_fanout", "--setup-child", "1",
             "--organizations", str(args.organizations),
             "--clients-per-org", str(args.clients_per_org)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        sessions = json.loads(setup.stdout.splitlines()[-1])
        setup_seconds = time.perf_counter() - started

        port = _free_port()
        # The server's output (including the cancelled receive loops at shutdown) goes to
        # a log file; it is printed only if the server fails.
        web_log = tempfile.NamedTemporaryFile("w+", prefix="fanout-uvicorn-")  # noqa: SIM115
        web = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.bench.fanout_asgi:application",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=os.environ.copy(), stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_port(port, web)
        except RuntimeError:
            web_log.seek(0)
            print(web_log.read()[-4000:], file=sys.stderr)
            raise

        import importlib

        import django

        import config.env

        # config.env read DATABASE_URL/REDIS_URL when it was first imported (above, before
        # they were set): read again, or this process's sender would query the default
        # database, where the bench's organizations do not exist.
        importlib.reload(config.env)
        django.setup()
        _forget_old_groups()
        results = {}
        for variant in args.variants.split(","):
            results[variant] = asyncio.run(_run_variant(variant, port, sessions, args.rounds))
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()
        _drop_database()
        services.stop()

    clients = args.organizations * args.clients_per_org
    print(
        f"\nWebSocket fan-out: {clients} clients across {args.organizations} organizations "
        f"({args.clients_per_org} each), uvicorn + channels-redis, one process each side"
    )
    print(
        "command: uv run python -m tests.bench.bench_fanout "
        f"--organizations {args.organizations} --clients-per-org {args.clients_per_org} "
        f"--rounds {args.rounds} --variants {args.variants}"
    )
    print(f"(set-up of the database: {setup_seconds:.0f} s, not measured below)\n")
    labels = {
        "plain": "plain Channels (baseline)",
        "tenant-echo": "Tenantry stack, forward",
        "bell": "Tenantry bell, shared",
        "bell-orm": "bell, ORM read (control)",
        "bell-reread": "bell, re-read per socket",
    }
    print(f"{'variant':<28} {'p50 ms':>8} {'p99 ms':>8} {'deliveries/s':>13} {'broadcasts/s':>13}")
    for variant, f in results.items():
        print(f"{labels[variant]:<28} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} "
              f"{f['deliveries_per_s']:>13.0f} {f['broadcasts_per_s']:>13.1f}")  # fmt: skip


def _database_url() -> str:
    """The bench database on the same server as the development/test database."""
    from config.env import DATA_DIR, embedded_database_url, env

    base = env.str("DATABASE_URL", default="") or embedded_database_url(DATA_DIR)
    head, _, tail = base.partition("?")
    return head.rsplit("/", 1)[0] + f"/{DATABASE}" + (f"?{tail}" if tail else "")


def _redis_url() -> str:
    from config.env import DATA_DIR, embedded_redis_url, env

    return env.str("REDIS_URL", default="") or embedded_redis_url(DATA_DIR)


def _admin_connection() -> Any:
    import psycopg

    url = _database_url()
    head, _, tail = url.partition("?")
    admin = head.rsplit("/", 1)[0] + "/postgres" + (f"?{tail}" if tail else "")
    return psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True)


def _create_database() -> None:
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')


def _drop_database() -> None:
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
