"""Local development: `uv run manage.py dev`."""

from config.env import given, or_default
from config.settings.base import *  # noqa: F403
from config.settings.base import DEV_SERVER_PORT, INSTALLED_APPS, SHARED_APPS

# `manage.py dev` and the embedded servers: development and tests only, never production.
SHARED_APPS = [*SHARED_APPS, "shared_apps.localdev"]
INSTALLED_APPS = [*INSTALLED_APPS, "shared_apps.localdev"]

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve static files from the app folders, picking up edits without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None  # static files come from the app folders (WhiteNoise finders)
# Links in emails point at the dev server's port unless PUBLIC_URL_PORT says otherwise.
PUBLIC_URL_PORT = or_default(given.public_url_port, str(DEV_SERVER_PORT))
