#!/usr/bin/env python
"""Django's command-line utility. `uv run manage.py dev` runs the whole platform locally."""

import gc
import os
import sys
from collections.abc import Callable
from typing import Any


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from django.core.management import execute_from_command_line

    django.setup = _without_collection(django.setup)
    execute_from_command_line(sys.argv)


def _without_collection(setup: Callable[..., None]) -> Callable[..., None]:
    """Django's setup with the cyclic garbage collector off, after which what it built is
    exempted from later collections (gc.freeze).

    App loading allocates some 100,000 objects that live as long as the process (modules,
    classes, the app registry); collecting while they are made took 10-20 % of every
    command's start, which the deploy's migrate step is timed from. Errors are Django's."""

    def setup_without_collection(*args: Any, **kwargs: Any) -> None:
        gc.disable()
        try:
            setup(*args, **kwargs)
        finally:
            gc.freeze()
            gc.enable()

    return setup_without_collection


if __name__ == "__main__":
    main()
