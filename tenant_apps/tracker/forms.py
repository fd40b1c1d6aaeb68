"""The tracker's forms: they parse input; the services decide what is allowed."""

from django import forms

from tenant_apps.tracker import selectors
from tenant_apps.tracker.models import Comment, Project, Tag, Task
from tenant_apps.tracker.selectors import DUE_CHOICES, TaskFilters


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "project", "title", "description", "status", "priority", "assignee", "due_date",
            "tags",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.order_by("name")
        self.fields["assignee"].queryset = selectors.assignable_members()
        self.fields["tags"].queryset = selectors.tags_list()

    def _post_clean(self) -> None:
        """The service runs the model's checks (once, with its own); don't touch the row."""


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "colour"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def _post_clean(self) -> None:
        """Checked by tag_create (full_clean, with the case-insensitive unique name)."""


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "aria-label": "Comment"})}


class AttachmentForm(forms.Form):
    file = forms.FileField(error_messages={"required": "Choose a file to attach."})


FILTER_LABELS = {
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "tag": "Tag",
    "due": "Due date",
}


class TaskFilterForm(forms.Form):
    """The task list's query string; anything unparseable is ignored, not an error page."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    project = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Task.Status.choices])
    priority = forms.ChoiceField(
        required=False, choices=[("", "Any priority"), *Task.Priority.choices]
    )
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    due = forms.ChoiceField(
        required=False,
        choices=[("", "Any due date"), *[(d, d.capitalize()) for d in DUE_CHOICES]],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Anyone")] + [
            (user.pk, str(user)) for user in selectors.assignable_members()
        ]
        self.fields["tag"].choices = [("", "Any tag")] + [
            (tag.pk, tag.name) for tag in selectors.tags_list()
        ]
        # The filters sit in a row without visible labels: each select names itself.
        for name, label in FILTER_LABELS.items():
            self.fields[name].widget.attrs["aria-label"] = label

    def filters(self) -> TaskFilters:
        if not self.is_valid():
            valid = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            valid = self.cleaned_data
        return TaskFilters(
            project=valid.get("project"),
            status=valid.get("status") or "",
            priority=valid.get("priority") or "",
            assignee=valid.get("assignee"),
            tag=valid.get("tag"),
            due=valid.get("due") or "",
            search=valid.get("q") or "",
        )
