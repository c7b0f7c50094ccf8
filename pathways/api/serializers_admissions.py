"""Admissions over the API. Validation only: every write goes through pathways.services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import (
    NamedChoiceField,
    ScopedUuidRelatedField,
    SlugRelatedField,
    UuidRelatedField,
    visible,
)
from common.api.serializers import InputSerializer, ValidatedModelSerializer
from registry.capabilities import Capability, can
from registry.models import Organization, OrganizationKind, ServiceLevel, Ward

from .. import access
from ..models import (
    Admission,
    AdmissionStatus,
    DischargeDestination,
    EarlyNotification,
    MunicipalAnswer,
    MunicipalAnswerKind,
    Patient,
    ReadyForDischarge,
)
from ..services.admissions import ADMISSION_FIELDS
from .common import PatientFields, RelatedCodeField, RelatedUuidField, display_name_field
from .serializers import IdentityNumberField

WARD_HELP = _(
    "The ward, by its short code (e.g. SLAG; any case) or its UUID: one of the hospital's "
    "registered wards (registry data the hospital keeps in the portal). An unknown ward is a "
    "400 naming `ward`; a closed ward takes no new admissions.")


def ward_field(**kwargs):
    kwargs.setdefault("help_text", WARD_HELP)
    return serializers.CharField(max_length=64, **kwargs)


def ward_at(hospital, value) -> Ward:
    """The hospital's ward named by code or UUID; a 400 naming the field `ward` if none."""
    ward = Ward.objects.filter(hospital=hospital).named_by(value)
    if ward is None:
        raise serializers.ValidationError({"ward": _(
            "%(hospital)s has no ward with the code or UUID \"%(value)s\".") % {
                "hospital": hospital.name, "value": value}})
    return ward


class MunicipalAnswerSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(MunicipalAnswerKind.choices, enum_name="MunicipalAnswerKind",
                            read_only=True)
    answered_by = display_name_field("answered_by")

    class Meta:
        model = MunicipalAnswer
        fields = ["uuid", "kind", "receive_on", "expected_date", "comment", "answered_at",
                  "answered_by"]
        read_only_fields = fields


class ReadyForDischargeSerializer(serializers.ModelSerializer):
    admission = UuidRelatedField(read_only=True)
    withdrawn_by = display_name_field("withdrawn_by")
    answers = MunicipalAnswerSerializer(
        many=True, read_only=True,
        help_text=_("Oldest first; the latest answer is the one in force."))

    class Meta:
        model = ReadyForDischarge
        fields = ["uuid", "admission", "declared_at", "physician", "health_information_sent",
                  "withdrawn_at", "withdrawn_by", "withdrawal_reason", "answers"]
        read_only_fields = fields


class DayLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    billable = serializers.BooleanField(help_text=_("The municipality pays for this day."))
    reason = serializers.CharField(help_text=_("Why the day is (or is not) billable."))
    rate = serializers.DecimalField(max_digits=8, decimal_places=0, allow_null=True,
                                    help_text=_("NOK per day that year; null if none is "
                                                "registered."))
    amount = serializers.DecimalField(max_digits=8, decimal_places=0)
    declaration = serializers.UUIDField(help_text=_("The declaration the day belongs to."))


class StatementSerializer(serializers.Serializer):
    billable_days = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=0,
                                     help_text=_("NOK, the sum of the billable days."))
    missing_rate_years = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("Years with billable days but no registered daily rate: the total "
                    "leaves them out."))
    lines = DayLineSerializer(many=True)


class NoticeSummarySerializer(serializers.ModelSerializer):
    acknowledged_by = display_name_field("acknowledged_by")

    class Meta:
        model = EarlyNotification
        fields = ["uuid", "sequence", "message_status", "sent_at", "late", "acknowledged_at",
                  "acknowledged_by"]
        read_only_fields = fields


class AdmissionSerializer(PatientFields, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="admission-detail",
                                               lookup_field="uuid")
    hospital = UuidRelatedField(read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=_(
        "The ward's short code (registered per hospital)."))
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    municipality = UuidRelatedField(read_only=True, help_text=_(
        "UUID of the municipality responsible for the patient after discharge."))
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    readmission_of = RelatedUuidField("readmission_of", allow_null=True)
    transferred_from = RelatedUuidField("transferred_from", allow_null=True)
    status = NamedChoiceField(AdmissionStatus.choices, enum_name="AdmissionStatus",
                              read_only=True)
    discharge_destination = NamedChoiceField(
        DischargeDestination.choices, enum_name="DischargeDestination", read_only=True,
        allow_blank=True, help_text=_("Blank while the patient is admitted."))
    discharge_level = RelatedCodeField("discharge_level", "code", allow_null=True)

    class Meta:
        model = Admission
        fields = ["uuid", "url", "patient", "patient_name", "hospital", "hospital_name", "ward",
                  "ward_name", "admitted_at", "reason", "receives_municipal_services",
                  "municipality", "municipality_name", "estimated_discharge_date",
                  "needs_interdisciplinary_follow_up", "is_rehabilitation_stay", "status",
                  "readmission_of", "transferred_from", "notification_deadline",
                  "first_notification_sent_at", "discharged_at", "discharge_destination",
                  "discharge_level", "interdisciplinary_report_ready", "epicrisis_ready",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields


class AdmissionDetailSerializer(AdmissionSerializer):
    """The admission with what the two sides need at a glance: the latest notice, the
    declaration and the day-by-day ready-for-discharge statement."""

    latest_notice = NoticeSummarySerializer(
        read_only=True, allow_null=True,
        help_text=_("The latest early notification sent; null before the first."))
    ready_for_discharge = ReadyForDischargeSerializer(
        read_only=True, allow_null=True,
        help_text=_("The latest declaration not withdrawn, with the municipality's answers: "
                    "in force while the status is ready_for_discharge, and the one the stay "
                    "ended under after discharge."))
    statement = StatementSerializer(
        read_only=True,
        help_text=_("Ready-for-discharge days over all declarations of the stay (withdrawn "
                    "ones too), day by day with the reason, as pathways.billing counts them."))

    class Meta(AdmissionSerializer.Meta):
        fields = [*AdmissionSerializer.Meta.fields, "latest_notice", "ready_for_discharge",
                  "statement"]
        read_only_fields = fields


class AdmissionCreateSerializer(InputSerializer):
    """Either `patient` (a UUID you may see) or `identity_number` (for EPJ systems)."""

    patient = ScopedUuidRelatedField(
        queryset=Patient.objects.all(), scope=visible, required=False,
        help_text=_("UUID of a patient you may see. Or give identity_number instead."))
    identity_number = IdentityNumberField(required=False, help_text=_(
        "Fødselsnummer or D-number, instead of patient. See the operation's description."))
    given_name = serializers.CharField(max_length=100, required=False, help_text=_(
        "Registers a patient the portal does not know yet; checked against a registered "
        "one, and required to admit one you may not see yet."))
    family_name = serializers.CharField(max_length=100, required=False, help_text=_(
        "Registers a patient the portal does not know yet; checked against a registered "
        "one, and required to admit one you may not see yet."))
    birth_date = serializers.DateField(required=False, help_text=_(
        "Only to register a patient; taken from the identity number if left out."))
    hospital = UuidRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.HOSPITAL), required=False,
        help_text=_("UUID of the admitting hospital; may be left out if you act for one "
                    "hospital only."))
    ward = ward_field()
    admitted_at = serializers.DateTimeField()
    municipality = UuidRelatedField(
        queryset=Organization.objects.municipalities(), required=False,
        help_text=_("UUID of the responsible municipality; by default the patient's "
                    "municipality of residence. For a new patient also the residence."))
    reason = serializers.CharField(required=False, allow_blank=True)
    receives_municipal_services = serializers.BooleanField(required=False)
    estimated_discharge_date = serializers.DateField(required=False, allow_null=True)
    needs_interdisciplinary_follow_up = serializers.BooleanField(required=False)
    is_rehabilitation_stay = serializers.BooleanField(required=False)
    readmission_of = ScopedUuidRelatedField(
        queryset=Admission.objects.all(), scope=visible, required=False, allow_null=True,
        help_text=_("UUID of the earlier admission this one is a readmission of."))

    def validate(self, attrs):
        if "patient" in attrs and "identity_number" in attrs:
            raise serializers.ValidationError({"identity_number": _(
                "Give either patient or identity_number, not both.")})
        if "patient" not in attrs and "identity_number" not in attrs:
            raise serializers.ValidationError({"patient": _(
                "Give the patient's UUID, or identity_number.")})
        user = self.context["request"].user
        hospital = attrs.get("hospital") or access.acting_hospital(user)
        if hospital is None:
            raise serializers.ValidationError({"hospital": _(
                "You act for several hospitals: say which one admits the patient.")})
        attrs["hospital"] = hospital
        # Who may not admit here gets the service's 403, not a word about its wards.
        attrs["ward"] = (ward_at(hospital, attrs["ward"])
                         if can(user, Capability.ACT_FOR_HOSPITAL, hospital) else None)
        return attrs


class AdmissionUpdateSerializer(ValidatedModelSerializer):
    ward = ward_field(required=False)

    class Meta:
        model = Admission
        fields = list(ADMISSION_FIELDS)

    def validate_ward(self, value) -> Ward:
        try:
            return ward_at(self.instance.hospital, value)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(exc.detail["ward"]) from None


class DeclareReadySerializer(InputSerializer):
    physician = serializers.CharField(max_length=200, help_text=_(
        "The physician who declared the patient ready."))
    declared_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))
    health_information_sent = serializers.BooleanField(default=False, help_text=_(
        "Updated health information and a preliminary discharge note were sent."))


class WithdrawReadySerializer(InputSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False, help_text=_("Default: now."))


class MunicipalAnswerInputSerializer(InputSerializer):
    kind = NamedChoiceField(MunicipalAnswerKind.choices, enum_name="MunicipalAnswerKind")
    receive_on = serializers.DateField(required=False, allow_null=True, help_text=_(
        "For can_receive: the first day the municipality can receive the patient."))
    expected_date = serializers.DateField(required=False, allow_null=True, help_text=_(
        "For cannot_yet: when the municipality expects to be able to."))
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DischargeSerializer(InputSerializer):
    destination = NamedChoiceField(DischargeDestination.choices,
                                   enum_name="DischargeDestination")
    discharged_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))
    discharge_level = SlugRelatedField(
        slug_field="code", queryset=ServiceLevel.objects.all(), required=False,
        allow_null=True, help_text=_("Pyramid level code (e.g. 3); required for municipal "
                                     "rehabilitation."))
    interdisciplinary_report_ready = serializers.BooleanField(default=False)
    epicrisis_ready = serializers.BooleanField(default=False)


class TransferSerializer(InputSerializer):
    to_hospital = UuidRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.HOSPITAL))
    ward = ward_field(help_text=_(
        "The ward at the receiving hospital, by its short code (any case) or its UUID. An "
        "unknown ward is a 400 naming `ward`."))
    at = serializers.DateTimeField(required=False, help_text=_("Default: now."))

    def validate(self, attrs):
        attrs["ward"] = ward_at(attrs["to_hospital"], attrs["ward"])
        return attrs


class DeathSerializer(InputSerializer):
    died_at = serializers.DateTimeField()
