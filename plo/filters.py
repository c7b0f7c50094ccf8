"""The filters of the operator's message log (plo.views): kind, status, direction,
organisation and the patient's identity number. A value outside a list, or a number that is
no identity number, is a form error and filters nothing (no 500)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pathways.identity import parse_identity_number

from . import codes
from .models import Direction, MessageStatus, PloMessage


class IdentityNumberField(forms.CharField):
    """A fødselsnummer or D-number, normalised (spaces dropped) and checked."""

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        return parse_identity_number(value).number if value else ""


class IdentityNumberFilter(django_filters.CharFilter):
    field_class = IdentityNumberField


def message_type_choices():
    """The kinds of PLO message (code list 8279), by their code, with the list's name."""
    found = [codes.code(codes.MESSAGE_TYPE, value) for value in codes.values(codes.MESSAGE_TYPE)]
    return [(code.value, f"{code.text} ({code.value})")
            for code in sorted(found, key=lambda code: code.text)]


class PloMessageFilter(django_filters.FilterSet):
    msg_type = django_filters.ChoiceFilter(label=_("Message type"), empty_label=_("All types"))
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices, label=_("Status"),
                                         empty_label=_("All statuses"))
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("Direction"),
                                            empty_label=_("Received and sent"))
    organization = django_filters.ChoiceFilter(
        method="by_organization", label=_("Organisation"),
        empty_label=_("All organisations"), help_text=_("The sender or the receiver."))
    patient = IdentityNumberFilter(
        method="by_identity_number", label=_("Patient's identity number"),
        help_text=_("11 digits. Finds the messages the portal linked to the patient."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "spellcheck": "false"}))

    class Meta:
        model = PloMessage
        fields = ["msg_type", "status", "direction", "organization", "patient"]

    def __init__(self, data=None, *args, organizations=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.organizations = {str(organization.uuid): organization
                              for organization in organizations}
        self.form.fields["msg_type"].choices = message_type_choices()
        self.form.fields["organization"].choices = [
            (key, organization.name) for key, organization in self.organizations.items()]

    def by_organization(self, queryset, name, value):
        organization = self.organizations[value]
        scope = Q(sender=organization) | Q(receiver=organization)
        if organization.her_id:
            scope |= Q(sender__isnull=True, sender_her_id=organization.her_id)
            scope |= Q(receiver__isnull=True, receiver_her_id=organization.her_id)
        return queryset.filter(scope)

    def by_identity_number(self, queryset, name, value):
        return queryset.filter(patient__identity_number=value)
