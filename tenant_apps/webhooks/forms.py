from django import forms

from tenant_apps.events.registry import registered


class EndpointForm(forms.Form):
    """Shapes the input; the rules (URL, event types) are the service's, one place."""

    url = forms.CharField(
        label="URL", widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks"})
    )
    description = forms.CharField(required=False)
    event_types = forms.MultipleChoiceField(
        label="Event types", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(kind.name, kind.name) for kind in registered()]
