from django import forms

from tenant_apps.events.registry import registered


class AuditFilterForm(forms.Form):
    """The audit page's filters (GET). Invalid values are reported, never ignored."""

    event_type = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=254, label="Actor email contains")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "Any event")] + [
            (kind.name, kind.name) for kind in registered()
        ]
