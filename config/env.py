"""The one place that reads the process environment (HackSoft's config/env.py).

Every setting that comes from the environment is read through `env`; nothing else in the
project touches os.environ. When DATABASE_URL / REDIS_URL are unset, the URLs default to
the embedded servers under `.data/` that `manage.py dev` and the test session start.
"""

import hashlib
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("TENANTRY_DATA_DIR", default=str(BASE_DIR / ".data")))


# Where the embedded PostgreSQL and Valkey (shared_apps.localdev.embedded) listen: named
# here, because the default DATABASE_URL / REDIS_URL point there before any app loads.
PG_SOCKET_NAME = ".s.PGSQL.5432"
VALKEY_SOCKET_NAME = "valkey.sock"
# Unix socket paths are limited to 108 bytes on Linux (sun_path), including the NUL.
_MAX_SOCKET_PATH = 100


def embedded_socket_dir(data_dir: Path) -> Path:
    """Where both servers put their sockets: `.data/run`, or a short /tmp path if too long."""
    preferred = data_dir / "run"
    if len(str(preferred / PG_SOCKET_NAME)) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tenantry-{digest}"


def embedded_database_url(data_dir: Path, name: str = "tenantry") -> str:
    return f"postgres://postgres@/{name}?host={embedded_socket_dir(data_dir)}"


def embedded_redis_url(data_dir: Path) -> str:
    return f"unix://{embedded_socket_dir(data_dir) / VALKEY_SOCKET_NAME}"


def embedded_services_needed() -> dict[str, bool]:
    """Which embedded servers this process's settings point at (keyword args of start())."""
    return {
        "postgres": not env.str("DATABASE_URL", default=""),
        "redis": not env.str("REDIS_URL", default=""),
    }


def database_config(url: str, pool: dict[str, Any] | None = None) -> dict[str, Any]:
    """django-environ's parse, with a unix-socket `?host=` moved to HOST and our backend.

    With `pool` (psycopg_pool.ConnectionPool's options), each process keeps a pool and
    connections are not kept per thread (Django refuses CONN_MAX_AGE with a pool).
    """
    config = environ.Env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    socket_host = options.pop("host", None)
    if socket_host:
        config["HOST"] = socket_host
    config["ENGINE"] = "shared_apps.tenants.db.backend"
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
