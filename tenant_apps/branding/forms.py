from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


class AccentForm(forms.Form):
    """The colour itself is checked by the service (colours.accent_clean)."""

    accent = forms.CharField(
        required=False,
        max_length=7,
        label="Accent colour",
        help_text=(
            "# and six hex digits, like #4f46e5; empty for the default. Buttons take it, "
            "with white or black text, whichever reads at 4.5:1 (WCAG AA); links take it "
            "where it reads on the page background."
        ),
    )


class LogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text=(
            f"PNG, JPEG or WebP, at most {filesizeformat(settings.BRANDING_LOGO_MAX_BYTES)}; "
            "shown 32 pixels high. SVG isn't accepted (it can carry scripts)."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
