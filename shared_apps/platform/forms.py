from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict

from shared_apps.platform.api_tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS
from shared_apps.tenants.models import Organization, PlatformAPIToken


def _plans() -> list[tuple[str, str]]:
    return [(plan, plan.title()) for plan in settings.PLATFORM_PLANS]


class NewOrganizationForm(forms.Form):
    """Only renders the fields and shows the service's refusals (organization_request
    validates, as it does for the API and sign-up)."""

    name = forms.CharField(required=False, strip=False, max_length=200)
    slug = forms.CharField(
        required=False, strip=False, max_length=40, help_text="Becomes <slug>.<platform domain>."
    )
    owner_email = forms.CharField(
        required=False, strip=False, label="Owner's email", widget=forms.EmailInput
    )
    plan = forms.CharField(required=False, strip=False, widget=forms.Select(choices=[]))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].widget.choices = _plans()

    def show_refusal(self, error: ValidationError) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for field, problems in error.message_dict.items():
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)


class FilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Organization.Status.choices]
    )
    plan = forms.ChoiceField(required=False, choices=lambda: [("", "Any plan"), *_plans()])
    sort = forms.CharField(required=False)


class AuditFilterForm(forms.Form):
    """The audit log's filters. Django's fields refuse NUL characters and bad dates, so a
    hostile query string is a form error (the view answers 400), never a database error."""

    organization = forms.CharField(required=False, max_length=40, label="Organization slug")
    actor = forms.CharField(required=False, max_length=254, label="Actor")
    action = forms.CharField(required=False, max_length=60, label="Action")
    since = forms.DateField(
        required=False, label="From (UTC)", widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To (UTC)", widget=forms.DateInput({"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class PlanForm(forms.Form):
    plan = forms.ChoiceField(choices=_plans)


class DeleteForm(forms.Form):
    confirm_slug = forms.CharField(label="Type the organization's slug to confirm")
    force = forms.BooleanField(
        required=False, label="Skip the grace period and export checks (irreversible)"
    )


class APITokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name (what will use it)")
    scope = forms.ChoiceField(
        choices=PlatformAPIToken.Scope.choices, initial=PlatformAPIToken.Scope.READ
    )
    lifetime_days = forms.IntegerField(
        min_value=1, max_value=MAX_LIFETIME_DAYS, initial=DEFAULT_LIFETIME_DAYS,
        label="Expires after (days)",
    )  # fmt: skip


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
