"""Production: every secret comes from the environment; a missing one stops start-up."""

from config.env import env, given, or_default, required
from shared_apps.operations.secret_key import refuse_weak_secret_key

# Checked before base so that a missing value fails here, loudly, instead of falling back
# to the development key or the embedded servers. A known or short key stops start-up too.
SECRET_KEY = required("SECRET_KEY", given.secret_key)
refuse_weak_secret_key(SECRET_KEY)
required("DATABASE_URL", given.database_url)
required("REDIS_URL", given.redis_url)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import LOGGING  # noqa: E402

# One JSON object per log line for the collector (LOG_FORMAT=text for readable lines).
LOGGING["handlers"]["console"]["formatter"] = or_default(given.log_format, "json")

DEBUG = False
PLATFORM_CONSOLE_REQUIRE_MFA = or_default(given.platform_console_require_mfa, True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: browsers use https only for a year once they saw the header (served only over
# https, i.e. behind the TLS proxy). Subdomains are left out by default: an organization's
# custom domain is its own host and unaffected either way, but including subdomains of
# PLATFORM_DOMAIN binds every name under it, tenant or not. docs/security.md
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links in emails are built from these, never from a request's Host (docs/security.md).
PUBLIC_URL_SCHEME = or_default(given.public_url_scheme, "https")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

STORAGES = {
    **STORAGES,  # noqa: F405 (uploads: the tenant storage chosen by FILES_STORAGE in base)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
