"""config.settings.prod refuses, at start, a SECRET_KEY that could be guessed."""

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.deploy.conftest import ROOT


def start_production_settings(secret_key: str) -> subprocess.CompletedProcess:
    """Loads config.settings.prod the way every process does at start (django.setup())."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    code = "import django; django.setup(); print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def _env_example_key() -> str:
    text = (ROOT / ".env.example").read_text()
    return re.search(r"^SECRET_KEY=(.*)$", text, re.MULTILINE).group(1)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (_env_example_key(), "SECRET_KEY is a published example value"),
        ("insecure-dev-key-change-me", "SECRET_KEY is a published example value"),
        ("django-insecure-" + "x" * 50, "SECRET_KEY is a published example value"),
        ("k3Jq9vXw2LmZ8pR4tY6uB1nC5eF7gH0s", "characters long; use at least 50"),
        ("ab" * 40, "repeats too few characters"),
    ],
    ids=["env-example", "dev-default", "django-insecure", "short", "low-entropy"],
)
def test_a_known_or_weak_key_stops_start_up_with_a_clear_message(key, message):
    result = start_production_settings(key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_a_long_random_key_starts():
    result = start_production_settings(secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_production_sends_hsts_for_a_year_without_subdomains_by_default():
    env_code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    env.pop("SECURE_HSTS_SECONDS", None)
    result = subprocess.run(
        [sys.executable, "-c", env_code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["31536000", "False"], result.stderr
