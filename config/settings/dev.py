"""Local development: `uv run manage.py dev`."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DEV_SERVER_PORT, INSTALLED_APPS, SHARED_APPS, env

# `manage.py dev` and the embedded servers: development and tests only, never production.
SHARED_APPS = [*SHARED_APPS, "shared_apps.localdev"]
INSTALLED_APPS = [*INSTALLED_APPS, "shared_apps.localdev"]

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve static files from the app folders, picking up edits without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None  # static files come from the app folders (WhiteNoise finders)
PUBLIC_URL_PORT = env.str("PUBLIC_URL_PORT", default=str(DEV_SERVER_PORT))
