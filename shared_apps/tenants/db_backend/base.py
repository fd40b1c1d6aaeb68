from contextvars import ContextVar
from typing import Any

from django_tenants.postgresql_backend import base as tenants_backend

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


class DatabaseWrapper(tenants_backend.DatabaseWrapper):
    tenant = _context_bound("tenant")
    schema_name = _context_bound("schema_name")
    include_public_schema = _context_bound("include_public_schema")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_own_include_public_schema"] = True
        self._follows_context = False
        super().__init__(*args, **kwargs)
        self._follows_context = True

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        applied = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        # What the server holds hasn't changed; _handle_search_path compares against it.
        self.search_path_set_schemas = applied

    def _handle_search_path(self, cursor: Any = None) -> None:
        applied = self.search_path_set_schemas
        if not self._setting_search_path and applied and applied == self._get_cursor_search_paths():
            return
        super()._handle_search_path(cursor)


DatabaseClient = tenants_backend.original_backend.DatabaseClient
DatabaseCreation = tenants_backend.original_backend.DatabaseCreation
DatabaseFeatures = tenants_backend.original_backend.DatabaseFeatures
DatabaseOperations = tenants_backend.original_backend.DatabaseOperations
DatabaseIntrospection = tenants_backend.DatabaseSchemaIntrospection
