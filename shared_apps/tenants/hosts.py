"""Host header parsing: one normal form for every hostname we store or look up."""

import re
from contextvars import ContextVar
from typing import Any

import idna

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_MAX_HOSTNAME = 253


class InvalidHost(ValueError):
    """The Host header is not a hostname we could ever serve."""


def split_host(raw: str) -> tuple[str, str]:
    """Split `Host` into (normalized hostname, port or "")."""
    raw = raw.strip()
    host, port = raw, ""
    if raw.startswith("["):
        raise InvalidHost("IP literals are not served")
    if raw.count(":") == 1:
        host, port = raw.split(":")
        if not _PORT.fullmatch(port):
            raise InvalidHost(f"invalid port {port!r}")
    elif ":" in raw:
        raise InvalidHost("malformed host")
    return normalize_hostname(host), port


def normalize_hostname(host: str) -> str:
    """Lower-case, without its trailing dot, IDN converted to punycode; else InvalidHost."""
    host = host.strip()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidHost("empty host")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise InvalidHost(f"invalid internationalized name: {error}") from None
    host = host.lower()
    if len(host) > _MAX_HOSTNAME or not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise InvalidHost("not a valid hostname")
    return host


# The hostname the routing middleware resolved for the request in progress. Only a host
# that maps to the platform or to a registered domain is ever put here.
resolved_host: ContextVar[str | None] = ContextVar("tenantry_resolved_host", default=None)


class PlatformAllowedHosts(list):
    """ALLOWED_HOSTS: the platform domain and its subdomains, plus the custom domain of the
    request in progress once the routing middleware has matched it to an organization.

    Custom domains are rows, not settings; listing them all here would go stale and grow
    without bound. The middleware is the authority: it resolves every request's host
    against the platform domain and the Domain table first, and answers unknown hosts with
    its own 404, so Django's later `get_host()` checks only ever see a host we serve.
    """

    def __iter__(self) -> Any:
        yield from super().__iter__()
        host = resolved_host.get()
        if host:
            yield host
