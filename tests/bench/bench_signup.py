"""Sign-up timing: an existing address against a new one, in an organization with open
sign-up, with Django's production password hasher (PBKDF2).

    uv run python -m tests.bench.bench_signup

Times POST /accounts/signup/ through Django's full stack, in process, median of 7 each.
Control in the same run: allauth's own sign-up form (the one before the fix), which skips
the password hash for an existing address.
"""

import os
import statistics
import time
import uuid


def _time(client, email_for, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        password = "a long enough passphrase"
        data = {"email": email_for(), "password1": password, "password2": password}
        started = time.perf_counter()
        response = client.post("/accounts/signup/", data)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
    return statistics.median(samples) * 1000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    import django

    django.setup()
    from allauth.account import app_settings as allauth_settings
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import override_settings

    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.services import organization_update_policy
    from shared_apps.tenants.provisioning.services import organization_create
    from tests.bench.common import fresh_database

    settings.ALLOWED_HOSTS = ["*"]
    results: dict[str, tuple[float, float]] = {}
    try:
        fresh_database("tenantry_bench_signup")
        organization = organization_create(
            name="Bench", slug="bench", owner_email="owner@bench.test",
            owner_password="bench owner passphrase",
        )  # fmt: skip
        organization_update_policy(
            organization=organization,
            require_mfa=False,
            open_signup=True,
            actor=Actor(label="test"),
        )
        connection.set_schema_to_public()
        forms = {
            "fixed (tenant_apps.accounts.forms.SignupForm)": settings.ACCOUNT_FORMS,
            "control (allauth's SignupForm)": {},
        }
        for label, account_forms in forms.items():
            pbkdf2 = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
            off = {"PASSWORD_HASHERS": pbkdf2, "ACCOUNT_RATE_LIMITS": False}
            with override_settings(**off, ACCOUNT_FORMS=account_forms):
                assert account_forms == allauth_settings.FORMS
                client = Client(HTTP_HOST="bench.localhost")
                existing = _time(client, lambda: "owner@bench.test")
                new = _time(client, lambda: f"new-{uuid.uuid4().hex[:10]}@bench.test")
                results[label] = (existing, new)
        connections.close_all()
    finally:
        services.stop()

    print("\nSign-up benchmark (median of 7 POSTs, in process, PBKDF2)")
    print("command: uv run python -m tests.bench.bench_signup\n")
    print(f"{'form':<48} {'existing':>10} {'new':>10}")
    for label, (existing, new) in results.items():
        print(f"{label:<48} {existing:>7.0f} ms {new:>7.0f} ms")


if __name__ == "__main__":
    main()
