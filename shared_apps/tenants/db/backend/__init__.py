"""Tenantry's PostgreSQL backend: django-tenants' backend, with two changes.

* The tenant a connection serves is held in a context variable, not only on the
  per-thread connection object. `sync_to_async` and Channels' `database_sync_to_async`
  copy the caller's context into their worker thread, so ORM calls made from async views
  and consumers read the organization that started them, whatever thread runs them
  (django-tenants #1168).
* `SET search_path` is sent only when the path the server holds differs from the one the
  current tenant needs. django-tenants forgets the applied path on every `set_tenant`; we
  keep it (it is still forgotten on close, rollback and savepoint rollback, which undo or
  lose a session-level SET), so a persistent connection serving one organization after
  another of the same tenant sends no SET at all.
* When it must be sent, the SET travels in the same round trip as the statement that needs
  it (`SearchPathCursor`), so switching organization costs no extra round trip.
"""
