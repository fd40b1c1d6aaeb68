"""`manage.py wait_for_services`: the image's entrypoint waits here for PostgreSQL and Redis.

Containers start in any order; rather than crash-looping, each role waits (bounded) for
the services it needs and, past the timeout, exits with a message that names what is
missing and where it was looked for.
"""

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared_apps.operations.connections import unpooled_connection
from shared_apps.operations.health import check_database, check_redis

_RETRY_SECONDS = 1.0


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Command(BaseCommand):
    help = "Wait until the database and Redis answer (at most --timeout seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60, help="Seconds (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        deadline = time.monotonic() + options["timeout"]
        # Outside the pool: a refused connection fails at once, with its own error.
        database = unpooled_connection()
        services = (
            (
                "the database",
                "DATABASE_URL",
                settings.DATABASE_URL,
                lambda: check_database(database),
            ),
            ("Redis", "REDIS_URL", settings.REDIS_URL, check_redis),
        )
        for name, variable, url, check in services:
            told = False
            while True:
                try:
                    check()
                    break
                except Exception as error:
                    database.close()
                    if time.monotonic() >= deadline:
                        raise CommandError(
                            f"Gave up after {options['timeout']:g} s waiting for {name} at "
                            f"{_without_password(url)} ({type(error).__name__}: {error}). "
                            f"Is it running, and is {variable} right?"
                        ) from None
                    if not told:
                        self.stdout.write(f"Waiting for {name} at {_without_password(url)} …")
                        told = True
                    time.sleep(_RETRY_SECONDS)
            self.stdout.write(f"{name[0].upper()}{name[1:]} is up.")
        database.close()
