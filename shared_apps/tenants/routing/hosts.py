"""The allowed-hosts list settings name, and the hostname the middleware resolved.

Hostname parsing itself (one normal form for every hostname we store or look up) is in
shared_apps.tenants.validators, below the models that use it.
"""

from contextvars import ContextVar
from typing import Any

# The hostname the routing middleware resolved for the request in progress. Only a host
# that maps to the platform or to a registered domain is ever put here.
resolved_host: ContextVar[str | None] = ContextVar("tenantry_resolved_host", default=None)


class PlatformAllowedHosts(list[str]):
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
