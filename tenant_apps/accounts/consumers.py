"""The base of every member-facing socket: the gates HTTP applies, applied to sockets."""

import asyncio
from typing import Any

from django.utils import timezone

from shared_apps.tenants.routing.websocket import CLOSE_SIGN_IN_REQUIRED, CLOSE_TWO_FACTOR_REQUIRED
from shared_apps.tenants.runtime.consumers import TenantConsumer
from shared_apps.tenants.runtime.groups import session_group
from tenant_apps.accounts.impersonated_sessions import impersonation_ends_at
from tenant_apps.accounts.middleware import mfa_setup_required


class MemberConsumer(TenantConsumer):
    """A TenantConsumer that also refuses (and, once open, closes) what pages refuse:

    * 4428 when the organization requires two-factor and the member has none yet
      (RequireMFAMiddleware sends such a member to set one up);
    * 4401 for a support (impersonation) session past its end, and at its end for a
      socket opened during one (ImpersonationMiddleware signs such a session out), or
      when staff end it (the session's own group gets `member.signed_out`).
    """

    def refusal(self, user: Any) -> int | None:
        refused = super().refusal(user)
        if refused is not None:
            return refused
        session = self.scope["session"]
        if mfa_setup_required(organization=self.tenant, user=user, session=session):
            return CLOSE_TWO_FACTOR_REQUIRED
        ends_at = impersonation_ends_at(session)
        if ends_at is not None and ends_at <= timezone.now():
            return CLOSE_SIGN_IN_REQUIRED
        return None

    def allowed_groups(self) -> frozenset[str]:
        own = super().allowed_groups()
        key = self.scope["session"].session_key
        return own | {session_group(self.tenant.schema_name, key)} if key else own

    async def on_connected(self) -> None:
        ends_at = await self.in_tenant(impersonation_ends_at, self.scope["session"])
        if ends_at is not None:
            await self.join(
                session_group(self.tenant.schema_name, self.scope["session"].session_key)
            )
            delay = (ends_at - timezone.now()).total_seconds()
            self._impersonation_timer = asyncio.create_task(self._close_after(delay))

    async def _close_after(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0))
        await self.close(code=CLOSE_SIGN_IN_REQUIRED)

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "_impersonation_timer", None)
        if timer is not None:
            timer.cancel()
        await super().disconnect(code)
