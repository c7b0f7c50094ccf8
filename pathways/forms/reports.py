"""The form of a report on a stay written in the portal: the municipality's admission report
(innleggelsesrapport) and the hospital's discharge report (utskrivningsrapport), version by
version as PLO's messages are."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import text_area

from ..models import MessageStatus

REPORT_MAX_LENGTH = 20_000  # characters: some pages of text, far below a request's limit

LATER_VERSIONS = [
    (MessageStatus.CHANGE, _("A change: this version replaces the report")),
    (MessageStatus.ADDITION, _("An addition: this version adds to the report")),
    (MessageStatus.CANCEL, _("A cancellation: the report should not have been sent")),
]


class ReportForm(forms.Form):
    message_status = forms.ChoiceField(label=_("This version"), widget=forms.RadioSelect,
                                       choices=())
    summary = forms.CharField(label=_("The report"), max_length=REPORT_MAX_LENGTH,
                              widget=text_area(12), required=False)
    responsible = forms.CharField(
        label=_("Responsible for the report"), max_length=200, required=False,
        help_text=_("Name and role. Left empty, the report carries your name."))

    def __init__(self, *args, first: bool, **kwargs):
        """`first`: the stay has no report of this kind yet, so this one is the first."""
        super().__init__(*args, **kwargs)
        field = self.fields["message_status"]
        if first:
            field.choices = [(MessageStatus.NEW, MessageStatus.NEW.label)]
            field.widget = forms.HiddenInput()
            field.initial = MessageStatus.NEW
        else:
            field.choices = LATER_VERSIONS

    def clean(self):
        data = super().clean()
        if data.get("message_status") != MessageStatus.CANCEL and \
                not data.get("summary", "").strip() and "summary" not in self.errors:
            self.add_error("summary", _("Write the report."))
        return data
