"""Rate limits set by the organization's plan: one budget for the organization, one per
credential (API token, user behind a session or JWT, else the client address).

Fixed one-minute windows counted in Redis under the cache's keys, which carry the schema,
so one organization's traffic never spends another's budget. Both counts are one script,
so one round trip per request; a request refused for its credential does not spend the
organization's budget. If Redis is unreachable the count is dropped and requests pass
(limits protect capacity; they are no lock).
"""

import functools
import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.throttling import BaseThrottle

from shared_apps.tenants.client_ip import client_ip
from tenant_apps.api.models import ApiToken

logger = logging.getLogger(__name__)

_WINDOW_SECONDS = 60

# KEYS: the credential's counter, the organization's. ARGV: expiry, their two limits.
# 1 if the request is within both budgets, else 0.
_COUNT_BOTH = """
local credential = redis.call('INCR', KEYS[1])
if credential == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if credential > tonumber(ARGV[2]) then return 0 end
local organization = redis.call('INCR', KEYS[2])
if organization == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
if organization > tonumber(ARGV[3]) then return 0 end
return 1
"""


@functools.cache
def _counter(client: redis.Redis):
    return client.register_script(_COUNT_BOTH)


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


class PlanRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        limits = _limits(request)
        now = time.time()
        window = int(now // _WINDOW_SECONDS)
        self._retry_after = _WINDOW_SECONDS - int(now % _WINDOW_SECONDS)
        keys = [
            cache.make_key(f"api-rate:{window}:{_credential(request)}"),
            cache.make_key(f"api-rate:{window}:organization"),
        ]
        arguments = [_WINDOW_SECONDS * 2, limits["credential"], limits["organization"]]
        try:
            return bool(_counter(get_redis_connection("default"))(keys=keys, args=arguments))
        except redis.RedisError:
            logger.warning("API rate limit not counted (Redis unavailable)", exc_info=True)
            return True

    def wait(self) -> float:
        return self._retry_after
