"""The serving benchmark's control: config.settings.prod as a plain Django project.

The same apps, middleware, pool, sessions and page, minus tenancy: Django's own
PostgreSQL backend with the search_path fixed on the connection to one organization's
schema (BENCH_PLAIN_SCHEMA), a fixed `request.tenant` in place of the routing middleware,
and cache keys without the schema."""

from config.env import env
from config.settings.prod import *  # noqa: F403
from config.settings.prod import CACHES, DATABASES, MIDDLEWARE

_SCHEMA = env.str("BENCH_PLAIN_SCHEMA")
_ROUTING = "shared_apps.tenants.routing.middleware.TenantRoutingMiddleware"

# Django's own backend; it names the fixed schema, which an API token's digest reads.
DATABASES["default"]["ENGINE"] = "tests.bench.plain_backend"
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "options": f"-c search_path={_SCHEMA},public",
}
# Django's own pool (psycopg_pool's ConnectionPool, first in first out): one schema
# gains nothing from affinity.
DATABASES["default"]["OPTIONS"]["pool"].pop("schema_affinity", None)
MIDDLEWARE = [
    "tests.bench.serving_plain.FixedTenantMiddleware" if m == _ROUTING else m for m in MIDDLEWARE
]
ROOT_URLCONF = "config.urls_tenant"
for _alias in CACHES:
    CACHES[_alias].pop("KEY_FUNCTION", None)
    CACHES[_alias].pop("REVERSE_KEY_FUNCTION", None)
