"""The stand-in for `request.tenant` on the platform's own host (the public schema)."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PlatformSite:
    schema_name: str = "public"
    is_public: bool = True

    @property
    def name(self) -> str:
        return settings.PLATFORM_NAME

    def get_tenant_type(self) -> None:
        return None
