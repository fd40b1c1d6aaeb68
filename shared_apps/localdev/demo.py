"""Demo data for `manage.py dev`: a platform staff user and two organizations, made once."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning

DEMO_PASSWORD = "tenantry-demo"
STAFF_EMAIL = "staff@tenantry.test"


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    member_email: str


DEMO_ORGANIZATIONS = (
    DemoOrganization("acme", "Acme Corp", "alice@acme.test"),
    DemoOrganization("globex", "Globex", "bob@globex.test"),
)


def demo_seed() -> list[str]:
    """Create what is missing; return a line per thing created (nothing on a second run)."""
    created: list[str] = []
    user_model = get_user_model()
    with schema_context("public"):
        if not user_model.objects.filter(email=STAFF_EMAIL).exists():
            user_model.objects.create_superuser(STAFF_EMAIL, DEMO_PASSWORD)
            created.append(f"platform staff user {STAFF_EMAIL}")
    for demo in DEMO_ORGANIZATIONS:
        if Organization.objects.filter(slug=demo.slug).exists():
            continue
        provisioning.organization_create(
            name=demo.name,
            slug=demo.slug,
            owner_email=demo.member_email,
            owner_password=DEMO_PASSWORD,
        )
        created.append(f"organization {demo.slug} with owner {demo.member_email}")
    return created
