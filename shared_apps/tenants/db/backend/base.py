import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base as postgresql_backend
from django_tenants.postgresql_backend import base as tenants_backend
from django_tenants.utils import get_public_schema_name, quote_schema_name

from shared_apps.tenants.db.pool import SchemaAffinePool, wanted_schema

# alias -> {"tenant": ..., "schema_name": ..., "include_public_schema": ...}; replaced, never
# mutated, so a context copied into another thread or task can't change its parent's binding.
_bindings: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar(
    "tenantry_db_bindings", default=None
)

_BOUND_ATTRIBUTES = ("tenant", "schema_name", "include_public_schema")


def _context_bound(attribute: str) -> property:
    def getter(self: "DatabaseWrapper") -> Any:
        if self._follows_context:
            binding = (_bindings.get() or {}).get(self.alias)
            if binding is not None:
                return binding[attribute]
        return self.__dict__.get(f"_own_{attribute}")

    def setter(self: "DatabaseWrapper", value: Any) -> None:
        if not self._follows_context:
            # During __init__ django-tenants points the new connection at public. Writing
            # that into the context would reset the tenant of whoever opened the connection.
            self.__dict__[f"_own_{attribute}"] = value
            return
        bindings = _bindings.get() or {}
        binding = bindings.get(self.alias) or {
            name: self.__dict__.get(f"_own_{name}") for name in _BOUND_ATTRIBUTES
        }
        _bindings.set({**bindings, self.alias: {**binding, attribute: value}})

    return property(getter, setter)


_STATEMENT_END = re.compile(r";\n")
# Plain DML, which can always share a message (and so an implicit transaction) with a SET.
_FOLDABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


class SearchPathCursor(postgresql_backend.Cursor):
    """A cursor that sends a pending `SET search_path` with its next statement.

    Both go in one simple-query message: one network round trip instead of two. If that
    message fails, PostgreSQL rolls the SET back with it (or the transaction is aborted),
    so the connection forgets what it thought it had applied. A pending SET that never
    leaves (the cursor is closed, or used for COPY) is sent on its own or forgotten. The
    pending text may hold more than one statement (the schema check): the caller's
    result comes after all of theirs.
    """

    _pending: str | None = None
    _abandoned: Callable[[], None] | None = None

    def defer_search_path(self, statement: str, abandoned: Callable[[], None]) -> None:
        self._pending, self._abandoned = statement, abandoned

    @property
    def has_pending_search_path(self) -> bool:
        return self._pending is not None

    def flush_search_path(self) -> None:
        """Send the pending SET now, on its own."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                super().execute(pending)
            except BaseException:
                self._forget()
                raise

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        pending, self._pending = self._pending, None
        if pending is None:
            return super().execute(query, params, **kwargs)
        if not (isinstance(query, str) and _FOLDABLE.match(query)):
            # Composed queries, and statements that can't run inside the implicit
            # transaction a multi-statement message opens (CREATE DATABASE, VACUUM,
            # CREATE INDEX CONCURRENTLY…): the SET goes first, on its own.
            self._pending = pending
            self.flush_search_path()
            return super().execute(query, params, **kwargs)
        try:
            super().execute(f"{pending};\n{query}", params, **kwargs)
        except BaseException:
            self._forget()
            raise
        for _statement in _STATEMENT_END.findall(pending):
            self.nextset()
        self.nextset()  # the caller's statement's result, not the SET's
        return self

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self.flush_search_path()
        return super().executemany(*args, **kwargs)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        self.flush_search_path()
        return super().copy(*args, **kwargs)

    def close(self) -> None:
        if self._pending is not None:
            self._pending = None
            self._forget()
        super().close()

    def _forget(self) -> None:
        if self._abandoned is not None:
            self._abandoned()


def _search_path_statement(paths: list[str]) -> str:
    """Set the search_path, failing closed when the organization's schema is missing.

    PostgreSQL skips a missing schema in search_path, so queries meant for a dropped
    schema would read public's tables. The `::regnamespace` cast raises "schema … does not
    exist" instead; it is a catalog cache lookup in the same statement, no round trip.
    Schema names are validated identifiers (no quotes, no %), so they may be inlined.
    """
    path = ",".join(quote_schema_name(schema) for schema in paths)
    if paths[0] == get_public_schema_name():
        return f"SET search_path = {path}"
    return f"SET search_path = {path};\nSELECT '{quote_schema_name(paths[0])}'::regnamespace"


class DatabaseWrapper(tenants_backend.DatabaseWrapper):
    tenant = _context_bound("tenant")
    schema_name = _context_bound("schema_name")
    include_public_schema = _context_bound("include_public_schema")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_own_include_public_schema"] = True
        self._follows_context = False
        super().__init__(*args, **kwargs)
        self._follows_context = True
        # Behind a transaction-pooling proxy (PgBouncer pool_mode=transaction), each
        # transaction may run on another server connection: a path applied in an earlier
        # one proves nothing. Then every transaction carries its own SET, which costs no
        # round trip because it travels with the transaction's first statement.
        self._path_per_transaction = settings.PGBOUNCER_TRANSACTION_MODE

    def _trusts_applied_path(self) -> bool:
        return not self._path_per_transaction or self.in_atomic_block

    def commit(self) -> None:
        super().commit()
        if self._path_per_transaction:
            self.search_path_set_schemas = None

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        applied = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        # What the server holds hasn't changed; _handle_search_path compares against it.
        self.search_path_set_schemas = applied

    _deferred_on: SearchPathCursor | None = None

    @property
    def pool(self) -> Any:
        """Django's own pool property (django/db/backends/postgresql/base.py, 5.2), making
        a SchemaAffinePool (shared_apps/tenants/db/pool.py) unless the pool options say
        `"schema_affinity": True`; without it, psycopg_pool's plain ConnectionPool."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            pool_options = {} if pool_options is True else dict(pool_options)
            from psycopg_pool import ConnectionPool

            pool_class = (
                SchemaAffinePool if pool_options.pop("schema_affinity", False) else ConnectionPool
            )
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            enable_checks = self.settings_dict["CONN_HEALTH_CHECKS"]
            pool = pool_class(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=ConnectionPool.check_connection if enable_checks else None,
                **pool_options,
            )
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        # A pooled connection is taken for the schema this wrapper is bound to now (the
        # request's organization): the pool prefers one that served it before.
        token = wanted_schema.set(self.schema_name)
        try:
            return super().get_new_connection(conn_params)
        finally:
            wanted_schema.reset(token)

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is postgresql_backend.Cursor:
            params["cursor_factory"] = SearchPathCursor
        return params

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self._setting_search_path:
            return
        # At most one SET waits for a statement: one pending elsewhere is sent now, so no
        # cursor can run before the SET it relies on.
        deferred, self._deferred_on = self._deferred_on, None
        if deferred is not None and deferred.has_pending_search_path:
            deferred.flush_search_path()
        applied = self.search_path_set_schemas
        paths = self._get_cursor_search_paths()
        trusted = self._trusts_applied_path()
        if trusted and applied and applied == paths:
            return
        raw = getattr(cursor, "cursor", None)  # Django hands us its CursorWrapper
        if not isinstance(raw, SearchPathCursor):
            # A server-side cursor (QuerySet.iterator()) gets its SET from a throwaway
            # cursor in django-tenants' code, which with TENANT_LIMIT_SET_CALLS skips the
            # SET whenever any path is recorded. set_tenant kept the previous tenant's
            # path recorded (above), so forget it: it differs from the one needed now.
            self.search_path_set_schemas = None
            super()._handle_search_path(cursor)
            if not trusted:
                self.search_path_set_schemas = None
            return
        raw.defer_search_path(_search_path_statement(paths), abandoned=self._forget_search_path)
        self._deferred_on = raw
        self.search_path_set_schemas = paths if trusted else None

    def _forget_search_path(self) -> None:
        self.search_path_set_schemas = None


DatabaseClient = tenants_backend.original_backend.DatabaseClient
DatabaseCreation = tenants_backend.original_backend.DatabaseCreation
DatabaseFeatures = tenants_backend.original_backend.DatabaseFeatures
DatabaseOperations = tenants_backend.original_backend.DatabaseOperations
DatabaseIntrospection = tenants_backend.DatabaseSchemaIntrospection
