"""What an organization looks like: read from its own Organization row.

The row is the request's tenant (from the routing cache, keyed by hostname and cleared
when an Organization is saved), so a page costs no extra query, and nothing is shared
between organizations: there is no branding cache of our own to key.
"""

import posixpath
from dataclasses import dataclass

from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.links import organization_url
from tenant_apps.branding import colours

LOGO_PATH = "/branding/logo/"
# Page backgrounds links must stay readable on (docs/ui.md, "Theme"): slate-50 in the
# light theme; slate-900 (cards, the lighter of the dark backgrounds) in the dark one.
_LIGHT_BACKGROUND, _DARK_BACKGROUND = "#f8fafc", "#0f172a"


@dataclass(frozen=True)
class Branding:
    name: str
    accent: str = ""
    on_accent: str = ""
    accent_hover: str = ""
    link_light: str = ""
    link_dark: str = ""
    logo_path: str = ""


def branding_for(organization: Organization) -> Branding:
    accent = organization.brand_accent
    logo_path = (
        LOGO_PATH + posixpath.basename(organization.brand_logo) if organization.brand_logo else ""
    )
    if not accent:
        return Branding(name=organization.name, logo_path=logo_path)
    return Branding(
        name=organization.name,
        accent=accent,
        on_accent=colours.text_on(accent),
        accent_hover=colours.hover_of(accent),
        link_light=accent if colours.readable_on(accent, _LIGHT_BACKGROUND) else "",
        link_dark=accent if colours.readable_on(accent, _DARK_BACKGROUND) else "",
        logo_path=logo_path,
    )


def logo_name_for(organization: Organization, filename: str) -> str | None:
    """The storage name of the organization's logo if `filename` names it, else None."""
    stored = organization.brand_logo
    return stored if stored and posixpath.basename(stored) == filename else None


def logo_absolute_url(organization: Organization) -> str:
    """For emails: the logo on the organization's canonical host ('' without a logo)."""
    path = branding_for(organization).logo_path
    return organization_url(organization, path) if path else ""
