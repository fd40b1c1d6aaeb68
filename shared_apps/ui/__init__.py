"""The design system's server side: the Tailwind build command, the theme choice view and
the dev-only component catalogue. Templates live in templates/components/ and
templates/base*.html (docs/ui.md). Imports Django only: the user model through
get_user_model(), never tenant_apps."""
