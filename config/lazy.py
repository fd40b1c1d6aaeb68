"""Settings that name an app's object by dotted path, made when first used.

Settings load before the app registry, so base.py imports no app module: where Django
wants an object rather than a path (ALLOWED_HOSTS, allauth's ACCOUNT_SALT), it names the
object here and the import happens on first use. Wiring only: no logic of its own.
"""

from typing import Any

from django.utils.functional import SimpleLazyObject, lazy
from django.utils.module_loading import import_string


def built_on_use(dotted_path: str, *args: Any) -> Any:
    """`import_string(dotted_path)(*args)`, made once, on first use."""
    return SimpleLazyObject(lambda: import_string(dotted_path)(*args))


def str_on_use(dotted_path: str, *args: Any) -> Any:
    """A str computed by `import_string(dotted_path)(*args)` each time it is used."""
    return lazy(lambda: import_string(dotted_path)(*args), str)()
