"""The patient search. Identity numbers arrive by POST only, never in a URL."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..identity import parse_identity_number

MIN_NAME_LENGTH = 2


class PatientSearchForm(forms.Form):
    """Search by identity number (exact, after normalising) or by name, not both."""

    identity_number = forms.CharField(
        label=_("National identity number"), required=False, max_length=20,
        help_text=_("Fødselsnummer or D-number, 11 digits. Spaces are ignored."),
        widget=forms.TextInput(attrs={
            "inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
        }),
    )
    name = forms.CharField(
        label=_("Name"), required=False, max_length=100,
        help_text=_("Given name, family name or both."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_identity_number(self) -> str:
        value = self.cleaned_data["identity_number"].strip()
        if not value:
            return ""
        return parse_identity_number(value).number

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data["name"].split())
        if value and len(value) < MIN_NAME_LENGTH:
            raise ValidationError(
                _("Type at least %(count)d letters of the name."),
                code="name_too_short", params={"count": MIN_NAME_LENGTH},
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        number, name = cleaned.get("identity_number"), cleaned.get("name")
        if not number and not name:
            raise ValidationError(
                _("Enter a national identity number or a name to search for."), code="empty"
            )
        if number and name:
            raise ValidationError(
                _("Search by national identity number or by name, not both at once."),
                code="both",
            )
        return cleaned
