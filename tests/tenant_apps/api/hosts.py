from django.conf import settings


def host_of(organization) -> str:
    return f"{organization.slug}.{settings.PLATFORM_DOMAIN}"
