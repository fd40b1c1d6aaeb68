"""Every PostgreSQL advisory lock key Tenantry takes, in one place so none collide.

Below 2**31, so each is pg_locks.objid as is."""

# Held exclusively by `migrate_tenants` for a whole deploy, and shared by each
# provisioning transaction: a new schema is never built while migrations run (it could
# miss the ones being applied).
MIGRATION_LOCK_KEY = 0x7E4A_0001
# Held shared while a schema is built from the template, exclusive while it is refreshed.
TEMPLATE_LOCK_KEY = 0x7E4A_7E4A
