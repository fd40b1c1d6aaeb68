"""Settings for one variant of the routing benchmark (BENCH_VARIANT, BENCH_DATABASE)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, MIDDLEWARE, env

_VARIANT = env.str("BENCH_VARIANT")
_ROUTING = "shared_apps.tenants.routing.middleware.TenantRoutingMiddleware"
ROOT_URLCONF = "tests.bench.routing_urls"
DATABASES["default"]["NAME"] = env.str("BENCH_DATABASE")
DATABASES["default"]["CONN_MAX_AGE"] = None
DEBUG = False

if _VARIANT == "plain":
    # The same view and template in plain Django: no tenant routing, the schema fixed on
    # the connection.
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"]["OPTIONS"] = {"options": "-c search_path=org_bench_0000,public"}
    MIDDLEWARE = [
        "tests.bench.plain_tenant.FixedTenantMiddleware" if m == _ROUTING else m for m in MIDDLEWARE
    ]
elif _VARIANT == "django-tenants":
    DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
    MIDDLEWARE = [
        "django_tenants.middleware.main.TenantMainMiddleware" if m == _ROUTING else m
        for m in MIDDLEWARE
    ]
elif _VARIANT != "tenantry":
    raise ValueError(f"unknown BENCH_VARIANT {_VARIANT!r}")
