"""Signatures bound to one organization.

Row ids restart at 1 in every schema and the secret key is the platform's, so a
signature over a row id alone ("EmailAddress 7") is valid at every organization. Every
value the platform signs therefore carries the schema it was made for in its salt:
verified in another schema, the signature does not match.

* `schema_salt(purpose, schema=...)`: the salt for one purpose in one schema (the current
  one unless given: a ticket the console signs for an organization names its schema);
  settings read by libraries that sign on their own name it through config/lazy.py's
  `str_on_use`, evaluated each time it is used (allauth's ACCOUNT_SALT);
* `dumps` / `loads`: django.core.signing with that salt.
"""

from typing import Any

from django.core import signing


def schema_salt(purpose: str, *, schema: str | None = None) -> str:
    if schema is None:
        from django.db import connection  # settings import this module: no DB at import

        schema = connection.schema_name
    return f"{purpose}|schema:{schema}"


def dumps(value: Any, *, purpose: str, schema: str | None = None) -> str:
    return signing.dumps(value, salt=schema_salt(purpose, schema=schema))


def loads(token: str, *, purpose: str, max_age: int, schema: str | None = None) -> Any:
    """The signed value; signing.SignatureExpired / BadSignature as django.core.signing."""
    return signing.loads(token, salt=schema_salt(purpose, schema=schema), max_age=max_age)
