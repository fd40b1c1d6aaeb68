from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse

from shared_apps.tenants.validation import NAME_MAX_LENGTH
from tenant_apps.accounts.roles import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER, required=False)

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or Role.MEMBER


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ProfileForm(forms.Form):
    # Checked by services.full_name_clean (length, control characters), the one rule.
    full_name = forms.CharField(required=False, strip=False, label="Name")


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="Picture",
        help_text="PNG, JPEG or WebP.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(widget=forms.PasswordInput, label="Password")
    password2 = forms.CharField(widget=forms.PasswordInput, label="Password (again)")

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords don't match.")
        return cleaned


class OrganizationNameForm(forms.Form):
    """The display name; the service (organization_rename) has the last word on it."""

    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        label="Organization name",
        help_text="Shown in the header, page titles and emails. The address doesn't change.",
    )


class OrganizationPolicyForm(forms.Form):
    require_mfa = forms.BooleanField(
        required=False, label="Require two-factor authentication for every member"
    )
    open_signup = forms.BooleanField(
        required=False, label="Let anyone create an account (otherwise invitation only)"
    )


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form, costing the same whether or not the address has an account.

    With ACCOUNT_PREVENT_ENUMERATION allauth answers an existing address with the same page
    and an "account already exists" email, but skips the account, and so the password
    hash, which is most of the work (~300 ms with PBKDF2): the answer time told which
    addresses are members. The hash is computed and thrown away on that path too.
    """

    def try_save(self, request: HttpRequest) -> tuple[Any, HttpResponse | None]:
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
