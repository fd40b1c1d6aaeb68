"""Per-address, per-feature hourly limits for the public site's anonymous forms.

Each feature counts on its own key, so using up one (ten organization look-ups) never
locks the same network out of another (creating a workspace). Counted in the cache
(Redis), which all web processes share.
"""

from django.core.cache import cache
from django.http import HttpRequest

from shared_apps.tenants.client_ip import client_ip


def over_hourly_limit(request: HttpRequest, *, feature: str, per_hour: int) -> bool:
    """Counts this request; True once the address made more than per_hour this hour."""
    key = f"ratelimit:{feature}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > per_hour
    except ValueError:  # the key expired between add and incr
        return False
