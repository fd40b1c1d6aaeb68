"""Hostname → organization, cached in process memory.

A warm lookup costs no SQL and no network round trip: the answer (including "no such
organization") is kept in a bounded in-process LRU. A cold cache is filled in bulk: the
first miss after a start, a change or the TTL reads every verified domain (up to the
cache's size) in two queries, so a worker that has just started does not send one lookup
per organization while its first visitors queue for pool connections. Saving or deleting
an Organization or Domain clears it here and, through a Redis pub/sub message, in every
other process (web workers, Celery workers); each process's listener also clears its
cache whenever it (re)subscribes, so messages missed during a Redis outage cannot leave
stale entries past that point, and a TTL bounds any entry's life regardless.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from shared_apps.tenants.local_cache import LocalCache
from shared_apps.tenants.redis_clients import shared_client

logger = logging.getLogger(__name__)

_MAX_ENTRIES = 10_000
# Bounds the bulk reads a burst of changes (each one clears the cache) can cause: within
# this many seconds of the last bulk fill, misses are looked up one hostname at a time.
_MIN_SECONDS_BETWEEN_FILLS = 5.0
# How long a worker's first fill waits for its invalidation listener to subscribe.
_LISTENER_WAIT_SECONDS = 0.5


@dataclass(frozen=True)
class Resolution:
    """What a hostname serves: the platform's public site, an organization, or nothing."""

    kind: str  # "public" | "organization" | "unknown"
    hostname: str
    organization_fields: tuple[tuple[str, Any], ...] = ()
    # Checked in the catalog when the entry is filled (not per request): an organization
    # whose schema is gone is refused, never served from public's tables (PostgreSQL skips
    # a missing schema in search_path). See docs/security.md, "Lifecycle".
    schema_exists: bool = True

    @property
    def is_public(self) -> bool:
        return self.kind == "public"

    @property
    def is_unknown(self) -> bool:
        return self.kind == "unknown"

    @property
    def schema_missing(self) -> bool:
        return self.kind == "organization" and not self.schema_exists

    def organization(self) -> Any:
        """A fresh Organization instance per call, so no request can alter another's."""
        # App loading: the resolver is imported while the ASGI app and Celery start, before
        # the app registry is ready; the models are imported when first needed.
        from shared_apps.tenants.models import Organization

        instance = Organization(**dict(self.organization_fields))
        instance._state.adding = False
        instance._state.db = "default"
        instance.domain_url = self.hostname
        return instance


_cache: LocalCache[str, Resolution] = LocalCache(
    maxsize=_MAX_ENTRIES, ttl=lambda: settings.TENANT_ROUTING_CACHE_SECONDS
)
# Other per-process caches of organizations (the Celery task base's) cleared with this one.
_invalidation_hooks: list[Callable[[], None]] = []


def on_routing_invalidated(hook: Callable[[], None]) -> None:
    """Run `hook` whenever this process forgets its routing cache because of a change."""
    _invalidation_hooks.append(hook)


class _Generations:
    """Counts the cache's clears, so an answer read before a clear is never stored after it."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.current = 0

    def advance(self) -> None:
        self.current = next(self._counter)


_generations = _Generations()
# A clear and a store never interleave: a store checks the generation and puts its
# entries while no clear can come between the two.
_clear_or_store = threading.Lock()


def _forget_everything() -> None:
    with _clear_or_store:
        _generations.advance()
        _cache.clear()
    for hook in _invalidation_hooks:
        hook()


def _store(resolutions: Iterable[Resolution], generation: int) -> None:
    with _clear_or_store:
        if _generations.current != generation:
            return  # the cache was cleared while these were read: they may be stale
        for resolution in resolutions:
            _cache.put(resolution.hostname, resolution)


class _BulkFill:
    """Fills the cache with every verified domain, once per generation and TTL period.

    One thread reads while the others that missed wait for it and then find their answer
    in the cache; that is what keeps a cold worker's first requests off the pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._filled_generation = -1
        self._filled_at = -float("inf")

    def fill_if_stale(self) -> None:
        with self._lock:
            generation = _generations.current
            since = time.monotonic() - self._filled_at
            fresh = self._filled_generation == generation and (
                since < settings.TENANT_ROUTING_CACHE_SECONDS
            )
            if fresh or since < _MIN_SECONDS_BETWEEN_FILLS:
                return
            self._filled_at = time.monotonic()
            # Entries kept this long need the listener to clear them on a change; it clears
            # everything once when it subscribes, so a fill before that would be lost.
            if not _listener.subscribed.wait(_LISTENER_WAIT_SECONDS):
                return
            generation = _generations.current
            self._filled_generation = generation
            _store(_lookup_all(limit=_MAX_ENTRIES), generation)

    def reset(self) -> None:
        with self._lock:
            self._filled_generation = -1
            self._filled_at = -float("inf")


_bulk_fill = _BulkFill()


class _InvalidationListener:
    """One daemon thread per process that clears the cache on every broadcast."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.subscribed = threading.Event()

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # After a fork the parent's thread is gone: start this process's own.
            self._pid = os.getpid()
            self.subscribed = threading.Event()
            threading.Thread(
                target=self._run, name="tenant-routing-invalidation", daemon=True
            ).start()

    def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                client = redis.Redis.from_url(
                    settings.TENANT_ROUTING_REDIS_URL,
                    socket_connect_timeout=2,
                    health_check_interval=30,
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]  # redis-py leaves PubSub's constructor unannotated
                pubsub.subscribe(settings.TENANT_ROUTING_CHANNEL)
                _forget_everything()  # whatever changed while we weren't listening
                self.subscribed.set()
                delay = 0.5
                for _message in pubsub.listen():
                    _forget_everything()
            except Exception as error:
                self.subscribed.clear()
                logger.warning("tenant routing invalidation listener lost Redis: %s", error)
                time.sleep(delay)
                delay = min(delay * 2, 10)


_listener = _InvalidationListener()


def resolve_hostname(hostname: str) -> Resolution:
    """Resolve a normalized hostname (see hosts.normalize_hostname)."""
    if hostname in settings.PUBLIC_HOSTS:
        return Resolution(kind="public", hostname=hostname)
    _listener.ensure_running()
    cached = _cache.get(hostname)
    if cached is not None:
        return cached
    _bulk_fill.fill_if_stale()
    cached = _cache.get(hostname)
    if cached is not None:
        return cached
    generation = _generations.current
    resolution = _lookup(hostname)
    _store([resolution], generation)
    return resolution


def _organization_attnames() -> list[str]:
    from shared_apps.tenants.models import Organization  # app loading, as in organization()

    return [field.attname for field in Organization._meta.concrete_fields]


def _lookup(hostname: str) -> Resolution:
    from shared_apps.tenants.models import Domain  # app loading, as in organization()

    attnames = _organization_attnames()
    with schema_context("public"):
        row = (
            Domain.objects.filter(domain=hostname, is_verified=True)
            .order_by("pk")
            .values_list(*(f"tenant__{name}" for name in attnames))
            .first()
        )
        if row is None:
            return Resolution(kind="unknown", hostname=hostname)
        fields = tuple(zip(attnames, row, strict=True))
        exists = schema_exists(dict(fields)["schema_name"])
    return _organization_resolution(hostname, fields, exists)


def _lookup_all(*, limit: int) -> list[Resolution]:
    """Up to `limit` verified domains' resolutions, in two queries whatever their number."""
    from shared_apps.tenants.models import Domain  # app loading, as in organization()

    attnames = _organization_attnames()
    with schema_context("public"):
        rows = list(
            Domain.objects.filter(is_verified=True)
            .order_by("pk")
            .values_list("domain", *(f"tenant__{name}" for name in attnames))[:limit]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_catalog.pg_namespace")
            schemas = {name for (name,) in cursor.fetchall()}
    resolutions = []
    for hostname, *values in rows:
        fields = tuple(zip(attnames, values, strict=True))
        exists = dict(fields)["schema_name"] in schemas
        resolutions.append(_organization_resolution(hostname, fields, exists))
    return resolutions


def _organization_resolution(
    hostname: str, fields: tuple[tuple[str, Any], ...], exists: bool
) -> Resolution:
    if not exists:
        values = dict(fields)
        logger.error(
            "organization %s (%s) has no schema %s: its hosts are refused",
            values["slug"], values["status"], values["schema_name"],
        )  # fmt: skip
    return Resolution(
        kind="organization", hostname=hostname, organization_fields=fields, schema_exists=exists
    )


def invalidate_routing_cache() -> None:
    """Forget every cached resolution, here and in every other process."""
    _forget_everything()
    try:
        _publisher().publish(settings.TENANT_ROUTING_CHANNEL, "flush")
    except redis.RedisError as error:
        # Other processes fall back on the TTL and on clearing when their listener reconnects.
        logger.warning("could not broadcast tenant routing invalidation: %s", error)


def _publisher() -> redis.Redis:
    """One client per process (a client made per call costs more than the publish)."""
    return shared_client(
        settings.TENANT_ROUTING_REDIS_URL, socket_connect_timeout=2, socket_timeout=2
    )


def start_invalidation_listener(timeout: float = 10) -> bool:
    """Start this process's listener now; True once it is subscribed."""
    _listener.ensure_running()
    return _listener.subscribed.wait(timeout)


def clear_local_routing_cache() -> None:
    """Forget this process's cached resolutions only (tests use it after a rollback)."""
    _forget_everything()


def allow_bulk_fill_now() -> None:
    """Let the next miss fill the cache in bulk even if one did moments ago (tests)."""
    _bulk_fill.reset()


def routing_cache_size() -> int:
    return len(_cache)
