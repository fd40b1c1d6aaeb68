"""Production refuses to start with a guessable SECRET_KEY.

Everything the platform signs (sessions, password-reset and impersonation links) is only
as secret as this key: with the development default or the `.env.example` placeholder
anyone can forge an impersonation link. The rules follow Django's own deploy check
(security.W009), made fatal, plus the keys this repository itself ships.
"""

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
KNOWN_KEYS = frozenset(
    {
        "change-me-to-a-long-random-string",  # .env.example
        "insecure-dev-key-change-me",  # config/settings/base.py's development default
        "build-only",  # the image build's collectstatic
        "change-me",
        "secret",
        "changeme",
    }
)
_HOW = 'Generate one: python -c "import secrets; print(secrets.token_urlsafe(50))"'


def refuse_weak_secret_key(key: str) -> None:
    if key.strip().lower() in KNOWN_KEYS or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(f"SECRET_KEY is a published example value. {_HOW}")
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(
            f"SECRET_KEY is {len(key)} characters long; use at least {MIN_LENGTH}. {_HOW}"
        )
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        raise ImproperlyConfigured(f"SECRET_KEY repeats too few characters to be random. {_HOW}")
