from django import forms

from tenant_apps.tracker.models import Project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name"]
