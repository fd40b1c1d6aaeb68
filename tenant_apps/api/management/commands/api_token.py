"""`manage.py api_token <organization> create <email> <name> [--scope] [--days]` / `list` /
`revoke <prefix>`: an organization's personal API tokens from the command line (for
bootstrapping a CI account, or revoking a leaked token), through the page's services."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import Organization
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import token_create, token_revoke, tokens_visible_to


class Command(BaseCommand):
    help = "Create, list or revoke an organization's personal API tokens."

    def add_arguments(self, parser) -> None:
        parser.add_argument("organization", help="the organization's slug")
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create")
        create.add_argument("email", help="the member the token belongs to")
        create.add_argument("name")
        create.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        create.add_argument("--days", type=int, default=90)
        actions.add_parser("list")
        actions.add_parser("revoke").add_argument("prefix")

    def handle(self, *args, **options) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None or organization.is_public:
            raise CommandError(f"No organization with slug “{options['organization']}”.")
        with tenant_context(organization):
            getattr(self, f"_{options['action']}")(options)

    def _create(self, options) -> None:
        user = get_user_model().objects.filter(email=options["email"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active member “{options['email']}” in this organization.")
        try:
            _token, raw = token_create(
                user=user, name=options["name"], scope=options["scope"],
                lifetime_days=options["days"], actor=Actor.command_line(),
            )  # fmt: skip
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(raw)
        self.stderr.write("Store this token now: it is not shown again.")

    def _list(self, options) -> None:
        for token in tokens_visible_to(None):
            state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
            self.stdout.write(
                f"{token.prefix}  {token.name:<24} {token.user.email:<30} {token.scope:<10} {state}"
            )

    def _revoke(self, options) -> None:
        token = ApiToken.objects.select_related("user").filter(prefix=options["prefix"]).first()
        if token is None:
            raise CommandError(f"No token with prefix “{options['prefix']}”.")
        token_revoke(token=token, by=None, actor=Actor.command_line())
        self.stdout.write(self.style.SUCCESS(f"Revoked {token}."))
