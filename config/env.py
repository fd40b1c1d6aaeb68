"""The one place that reads the process environment (HackSoft's config/env.py).

Every setting that comes from the environment is read through `env`; nothing else in the
project touches os.environ (ruff's TID251), and each variable is read once, by one module
(tests/config/test_env_reads.py). The few whose default differs between environments are
read here, into `given`, and each settings module picks its default. When DATABASE_URL /
REDIS_URL are unset, the URLs default to the embedded servers under `.data/` that
`manage.py dev` and the test session start.
"""

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("TENANTRY_DATA_DIR", default=str(BASE_DIR / ".data")))


@dataclass(frozen=True)
class Given:
    """The variables whose default depends on the environment, as set (None when unset).

    base.py gives the development default; prod.py requires the first three (`required`)
    and has defaults of its own for the others; dev.py its own PUBLIC_URL_PORT; test.py its
    own EVENTS_RELAY_ON_COMMIT.
    """

    secret_key: str | None
    database_url: str | None
    redis_url: str | None
    log_format: str | None
    platform_console_require_mfa: bool | None
    public_url_scheme: str | None
    public_url_port: str | None
    events_relay_on_commit: bool | None


given = Given(
    secret_key=env.str("SECRET_KEY", default=None),
    database_url=env.str("DATABASE_URL", default=None),
    redis_url=env.str("REDIS_URL", default=None),
    log_format=env.str("LOG_FORMAT", default=None),
    platform_console_require_mfa=env.bool("PLATFORM_CONSOLE_REQUIRE_MFA", default=None),
    public_url_scheme=env.str("PUBLIC_URL_SCHEME", default=None),
    public_url_port=env.str("PUBLIC_URL_PORT", default=None),
    events_relay_on_commit=env.bool("EVENTS_RELAY_ON_COMMIT", default=None),
)

_T = TypeVar("_T")


def or_default(value: _T | None, default: _T) -> _T:
    """A `given` value, or this environment's default when the variable is unset."""
    return default if value is None else value


def required(name: str, value: _T | None) -> _T:
    """A `given` value that this environment cannot do without (django-environ's wording)."""
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return value


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
    return {"postgres": not given.database_url, "redis": not given.redis_url}


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
