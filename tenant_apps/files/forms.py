from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": "Choose a file to upload."})
