"""The one place that reads the process environment (HackSoft's config/env.py).

Every setting that comes from the environment is read through `env`; nothing else in the
project touches os.environ. When DATABASE_URL / REDIS_URL are unset, the URLs default to
the embedded servers under `.data/` that `manage.py dev` and the test session start.
"""

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("TENANTRY_DATA_DIR", default=str(BASE_DIR / ".data")))


def embedded_services_needed() -> dict[str, bool]:
    """Which embedded servers this process's settings point at (keyword args of start())."""
    return {
        "postgres": not env.str("DATABASE_URL", default=""),
        "redis": not env.str("REDIS_URL", default=""),
    }


def database_config(url: str, pool: dict | None = None) -> dict:
    """django-environ's parse, with a unix-socket `?host=` moved to HOST and our backend.

    With `pool` (psycopg_pool.ConnectionPool's options), each process keeps a pool and
    connections are not kept per thread (Django refuses CONN_MAX_AGE with a pool).
    """
    config = environ.Env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    socket_host = options.pop("host", None)
    if socket_host:
        config["HOST"] = socket_host
    config["ENGINE"] = "shared_apps.tenants.db_backend"
    if pool:
        options["pool"] = pool
        config["CONN_MAX_AGE"] = 0
    else:
        config["CONN_MAX_AGE"] = 60
    return config


def kombu_url(url: str) -> str:
    """Celery's broker URL for a redis-py URL, which is used as given except that kombu
    spells a unix socket `redis+socket://` and its database `virtual_host`."""
    parts = urlsplit(url)
    if parts.scheme != "unix":
        return url
    query = [
        ("virtual_host" if key == "db" else key, value) for key, value in parse_qsl(parts.query)
    ]
    return f"redis+socket://{parts.path}" + (f"?{urlencode(query)}" if query else "")
