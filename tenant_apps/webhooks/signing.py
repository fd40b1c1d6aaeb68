"""Webhook signatures: HMAC-SHA256 over `f"{timestamp}.{body}"` with the endpoint's secret.

The timestamp is signed with the body so a receiver can refuse a replayed delivery that
is older than its tolerance (docs/events.md has the receiver's recipe).
"""

import hashlib
import hmac
import json
import secrets
from typing import Any

SIGNATURE_HEADER = "Tenantry-Signature"
EVENT_ID_HEADER = "Tenantry-Event-Id"
EVENT_TYPE_HEADER = "Tenantry-Event-Type"
DELIVERY_ID_HEADER = "Tenantry-Delivery-Id"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def body_of(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
