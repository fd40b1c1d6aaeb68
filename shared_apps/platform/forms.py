from django import forms
from django.conf import settings

from shared_apps.tenants.models import Organization


def _plans() -> list[tuple[str, str]]:
    return [(plan, plan.title()) for plan in settings.PLATFORM_PLANS]


class NewOrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=40, help_text="Becomes <slug>.<platform domain>.")
    owner_email = forms.EmailField(label="Owner's email")
    plan = forms.ChoiceField(choices=_plans)


class FilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Organization.Status.choices]
    )
    plan = forms.ChoiceField(required=False, choices=lambda: [("", "Any plan"), *_plans()])
    sort = forms.CharField(required=False)


class PlanForm(forms.Form):
    plan = forms.ChoiceField(choices=_plans)


class DeleteForm(forms.Form):
    confirm_slug = forms.CharField(label="Type the organization's slug to confirm")
    force = forms.BooleanField(
        required=False, label="Skip the grace period and export checks (irreversible)"
    )


class APITokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name (what will use it)")


class MoveForm(forms.Form):
    """Where to move an organization's schema on a Citus cluster."""

    target = forms.CharField(label="To node (host:port)")
    mode = forms.ChoiceField(
        label="Transfer",
        choices=[
            ("block_writes", "block writes (fastest; writes wait for the copy)"),
            ("auto", "logical replication (writes continue)"),
        ],
        initial=settings.CITUS_SHARD_TRANSFER_MODE,
    )
