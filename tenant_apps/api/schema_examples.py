"""Schema examples for the credential endpoints (tokens, auth), by operationId.

Those modules are the credentials' own; their examples live here so the schema has one for
every endpoint. schema.py adds each where the operation declares none;
tests/tenant_apps/api/test_schema_examples.py checks every example against its schema.
"""

_TOKEN = {
    "id": 7,
    "name": "CI deploys",
    "scope": "read-write",
    "prefix": "k3J9aQ2x",
    "user": "alice@acme.test",
    "created_at": "2026-12-01T09:30:00Z",
    "expires_at": "2027-03-01T09:30:00Z",
    "last_used_at": None,
    "revoked_at": None,
}
_PAIR = {
    "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIwMjYxMjAxVDA5MzAwMFotYWJjZCJ9.e30.c2ln",
    "token_type": "Bearer",
    "expires_in": 300,
    "scope": "read-write",
    "refresh_token": "tprt_Vn8mZk2xQ4",
}
_REFRESH = {"refresh_token": "tprt_Vn8mZk2xQ4"}

EXAMPLES_BY_OPERATION: dict[str, dict] = {
    "tokens_list": {"responses": {"200": [_TOKEN]}},
    "tokens_create": {
        "request": {"name": "CI deploys", "scope": "read-write", "lifetime_days": 90},
        "responses": {"201": _TOKEN},
    },
    "tokens_retrieve": {"responses": {"200": _TOKEN}},
    "auth_token_create": {"responses": {"200": _PAIR}},
    "auth_token_refresh_create": {"request": _REFRESH, "responses": {"200": _PAIR}},
    "auth_token_revoke_create": {"request": _REFRESH},
}
