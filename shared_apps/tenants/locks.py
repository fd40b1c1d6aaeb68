"""PostgreSQL advisory lock keys shared by deploys and provisioning."""

# Held exclusively by `migrate_tenants` for a whole deploy, and shared by each
# provisioning transaction: a new schema is never built while migrations run (it could
# miss the ones being applied). Below 2**31, so it is pg_locks.objid as is.
MIGRATION_LOCK_KEY = 0x7E4A_0001
