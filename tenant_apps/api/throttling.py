"""Rate limits set by the organization's plan: one budget for the organization, one per
credential (API token, user behind a session or JWT, else the client address).

Fixed one-minute windows counted in Redis through the cache, whose keys carry the schema,
so one organization's traffic never spends another's budget. If Redis is unreachable the
cache drops the count and requests pass (limits protect capacity; they are no lock).
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from shared_apps.tenants.client_ip import client_ip
from tenant_apps.api.models import ApiToken

_WINDOW_SECONDS = 60


def _limits(request) -> dict[str, int]:
    plans = settings.API_RATE_LIMITS
    plan = getattr(request.tenant, "plan", "")
    return plans.get(plan) or plans[settings.API_RATE_LIMIT_DEFAULT_PLAN]


def _credential(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request) or 'unknown'}"


def _count(key: str) -> int:
    cache.add(key, 0, timeout=_WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new count
        return 1


class PlanRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        limits = _limits(request)
        now = time.time()
        window = int(now // _WINDOW_SECONDS)
        self._retry_after = _WINDOW_SECONDS - int(now % _WINDOW_SECONDS)
        per_credential = _count(f"api-rate:{window}:{_credential(request)}")
        if per_credential > limits["credential"]:
            return False
        return _count(f"api-rate:{window}:organization") <= limits["organization"]

    def wait(self) -> float:
        return self._retry_after
