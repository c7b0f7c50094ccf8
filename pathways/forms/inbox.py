"""The KE inbox's filters: all by GET, so that a filtered, sorted page is a URL to share."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The columns a KE worker may sort by (the view maps each onto its ordering); "-" before
# the name sorts descending.
SORT_KEYS = ("patient", "hospital", "admitted", "deadline", "status", "assigned")
DEFAULT_SORT = "status"


class NoticeStatus:
    WAITING = "waiting"
    ACKNOWLEDGED = "acknowledged"


class NoticeQueueForm(forms.Form):
    q = forms.CharField(label=_("Search by patient name"), max_length=100, required=False,
                        strip=True)
    hospital = forms.UUIDField(label=_("Hospital"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", pgettext_lazy("early notifications", "All")),
                 (NoticeStatus.WAITING, _("Waiting for acknowledgement")),
                 (NoticeStatus.ACKNOWLEDGED, _("Acknowledged"))])
    due = forms.BooleanField(label=_("Due by today"), required=False)
    mine = forms.BooleanField(label=_("Taken by me"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in SORT_KEYS for key in (name, f"-{name}")])

    def value(self, name: str, default=None):
        """The cleaned value, or `default` when the field is missing or wrong (a wrong
        value is shown as the field's error and filters nothing)."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        return self.cleaned_data.get(name) or default
