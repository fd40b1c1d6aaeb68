import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenants.audit import Actor


@pytest.fixture
def keys_dir(tmp_path, settings):
    """A fresh JWT signing-keys directory (no key yet) and 300 s access tokens."""
    settings.JWT_PRIVATE_KEYS_DIR = str(tmp_path / "jwt-keys")
    settings.JWT_ACCESS_TOKEN_SECONDS = 300
    return tmp_path / "jwt-keys"


@pytest.fixture
def token_for():
    """token_for(org, user, scope="read-write", lifetime_days=30) → (ApiToken, raw value)."""
    from tenant_apps.api.tokens import token_create

    def make(organization, user, scope="read-write", lifetime_days=30):
        with tenant_context(organization):
            return token_create(
                user=user,
                name="ci",
                scope=scope,
                lifetime_days=lifetime_days,
                actor=Actor.command_line(),
            )

    return make


@pytest.fixture
def bearer():
    """bearer(raw) → the headers a test client sends for that token."""
    return lambda raw: {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
