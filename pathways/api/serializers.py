"""Patients over the API. Validation only: every write goes through pathways.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import UuidRelatedField
from common.api.serializers import InputSerializer, ValidatedModelSerializer
from registry.models import Organization

from ..identity import IdentityKind, parse_identity_number
from ..models import NextOfKin, Patient


class IdentityNumberField(serializers.CharField):
    """A fødselsnummer or D-number, checked and normalised by pathways.identity.

    No max_length of its own: a number of the wrong length gets identity's precise message
    ("has 11 digits; this one has 12"), not a generic one. The cap only bounds abuse.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", _("Fødselsnummer or D-number, 11 digits."))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return parse_identity_number(value).number
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class NextOfKinSerializer(serializers.ModelSerializer):
    class Meta:
        model = NextOfKin
        fields = ["uuid", "name", "relation", "phone", "email", "consent_to_share",
                  "consent_recorded_at"]
        read_only_fields = ["uuid", "consent_recorded_at"]


class PatientSerializer(ValidatedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="patient-detail", lookup_field="uuid")
    identity_number = IdentityNumberField()
    identity_kind = serializers.ChoiceField(choices=IdentityKind.choices, read_only=True)
    municipality = UuidRelatedField(
        queryset=Organization.objects.municipalities(),
        help_text=_("UUID of the municipality of residence."),
    )
    next_of_kin = NextOfKinSerializer(
        many=True, required=False,
        help_text=_("May be given when the patient is registered; read-only afterwards."),
    )

    class Meta:
        model = Patient
        fields = ["uuid", "url", "identity_number", "identity_kind", "given_name", "family_name",
                  "birth_date", "municipality", "address", "phone", "email",
                  "needs_interpreter", "interpreter_language", "next_of_kin", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["uuid", "version", "created_at", "updated_at"]

    def validate_next_of_kin(self, value):
        if self.instance is not None:
            raise serializers.ValidationError(
                _("Next of kin are given when the patient is registered, not changed here.")
            )
        return value


class PatientSearchSerializer(InputSerializer):
    """The identity number travels in the body: it must never appear in a URL or a log."""

    identity_number = IdentityNumberField()
