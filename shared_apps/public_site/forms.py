from django import forms


class FindOrganizationForm(forms.Form):
    email = forms.EmailField(label="Your work email")


class WorkspaceSignupForm(forms.Form):
    name = forms.CharField(max_length=200, label="Workspace name")
    slug = forms.CharField(max_length=40, label="Web address", help_text="your-team")
    email = forms.EmailField(label="Your email")
