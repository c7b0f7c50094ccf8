"""Needs assessments, referrals and waiting lists over the API. Validation only: every write
goes through referrals.services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import (
    NamedChoiceField,
    ScopedUuidRelatedField,
    SlugRelatedField,
    UuidRelatedField,
    visible,
)
from common.api.serializers import InputSerializer
from common.sweeps import local_date
from coordination.models import IndividualPlan
from pathways.api.common import PatientFields, display_name_field
from pathways.models import Admission, Patient
from registry.models import Organization, ServiceLevel, ServiceOffering

from .. import services
from ..models import (
    AssessmentStatus,
    Difficulty,
    DomainScore,
    FunctionDomain,
    NeedsAssessment,
    Referral,
    ReferralStatus,
    RehabilitationPotential,
    WithdrawalReason,
)


def _level_field(source: str, **kwargs):
    return serializers.CharField(source=f"{source}.code", read_only=True, allow_null=True,
                                 **kwargs)


def _patient_record(model, help_text):
    """A record of the same patient by UUID, among those the caller may see."""
    return ScopedUuidRelatedField(queryset=model.objects.all(), scope=visible, required=False,
                                  allow_null=True, help_text=help_text)


def _service_field(**kwargs):
    return UuidRelatedField(queryset=ServiceOffering.objects.select_related(
        "provider", "level"), **kwargs)


# -- The needs assessment -----------------------------------------------------------------------

class DomainScoreSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.code", read_only=True,
                                   help_text=_("The function domain's code."))
    domain_name = serializers.CharField(source="domain.localized_name", read_only=True)
    icf_code = serializers.CharField(source="domain.icf_code", read_only=True)
    difficulty = NamedChoiceField(Difficulty.choices, enum_name="Difficulty", read_only=True,
                                  allow_null=True)

    class Meta:
        model = DomainScore
        fields = ["domain", "domain_name", "icf_code", "difficulty", "note"]
        read_only_fields = fields


class NeedsAssessmentSerializer(PatientFields, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="needs-assessment-detail",
                                               lookup_field="uuid")
    organization = UuidRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    admission = UuidRelatedField(read_only=True, allow_null=True)
    individual_plan = UuidRelatedField(read_only=True, allow_null=True)
    previous = UuidRelatedField(read_only=True, allow_null=True, help_text=_(
        "The completed version this one revises."))
    status = NamedChoiceField(AssessmentStatus.choices, enum_name="NeedsAssessmentStatus",
                              read_only=True)
    rehabilitation_potential = NamedChoiceField(
        RehabilitationPotential.choices, enum_name="RehabilitationPotential", read_only=True,
        allow_blank=True)
    suggested_level = _level_field("suggested_level", help_text=_(
        "The level the portal's rules suggest from the scores (it never decides)."))
    level = _level_field("level", help_text=_("The level the professional chose."))
    overridden = serializers.BooleanField(read_only=True, help_text=_(
        "Another level than the one suggested was chosen (override_reason says why)."))
    completed_by = display_name_field("completed_by")
    domain_scores = DomainScoreSerializer(many=True, read_only=True)

    class Meta:
        model = NeedsAssessment
        fields = ["uuid", "url", "patient", "patient_name", "organization",
                  "organization_name", "admission", "individual_plan", "previous", "number",
                  "status", "patient_goals", "barthel_index", "modified_rankin", "cognition",
                  "communication", "vision_hearing", "swallowing", "social_situation",
                  "next_of_kin", "rehabilitation_potential", "potential_note",
                  "domain_scores", "suggested_level", "suggestion_reason", "level",
                  "override_reason", "overridden", "completed_at", "completed_by", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class DomainScoreInputSerializer(InputSerializer):
    domain = SlugRelatedField(slug_field="code", queryset=FunctionDomain.objects.filter(
        active=True), help_text=_("The code of an active function domain."))
    difficulty = NamedChoiceField(Difficulty.choices, enum_name="Difficulty", allow_null=True,
                                  help_text=_("ICF's qualifier, 0 (none) to 4 (complete); "
                                              "null: not scored."))
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# What a draft's editors write: the assessment's own fields and its domain scores. No
# docstring: the schema would give it to the create's serializer built on it.
class AssessmentFieldsSerializer(InputSerializer):

    patient_goals = serializers.CharField(required=False, allow_blank=True, help_text=_(
        "The patient's own goals, in their words: required before completing."))
    barthel_index = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                             max_value=100)
    modified_rankin = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                               max_value=6)
    cognition = serializers.CharField(required=False, allow_blank=True)
    communication = serializers.CharField(required=False, allow_blank=True)
    vision_hearing = serializers.CharField(required=False, allow_blank=True)
    swallowing = serializers.CharField(required=False, allow_blank=True)
    social_situation = serializers.CharField(required=False, allow_blank=True)
    next_of_kin = serializers.CharField(required=False, allow_blank=True)
    rehabilitation_potential = NamedChoiceField(
        RehabilitationPotential.choices, enum_name="RehabilitationPotential", required=False,
        allow_blank=True)
    potential_note = serializers.CharField(required=False, allow_blank=True)
    domain_scores = DomainScoreInputSerializer(many=True, required=False, help_text=_(
        "Scores to set, one per domain; domains left out keep their score."))

    def validate_domain_scores(self, value):
        codes = [score["domain"].code for score in value]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Give each domain once."))
        return value


class NeedsAssessmentCreateSerializer(AssessmentFieldsSerializer):
    patient = ScopedUuidRelatedField(queryset=Patient.objects.all(), scope=visible,
                                     help_text=_("UUID of a patient you may see."))
    organization = UuidRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True,
        help_text=_("The unit you assess for; default: your only (or first) one."))
    admission = _patient_record(Admission, _("The patient's admission it belongs to."))
    individual_plan = _patient_record(IndividualPlan,
                                      _("The patient's individual plan it belongs to."))


class CompleteAssessmentSerializer(InputSerializer):
    level = SlugRelatedField(slug_field="code", queryset=ServiceLevel.objects.all(),
                             help_text=_("The pyramid level chosen (its code, e.g. 5.1)."))
    override_reason = serializers.CharField(required=False, allow_blank=True, default="",
                                            help_text=_(
        "Required when the level is not the one suggested."))


# -- The referral -------------------------------------------------------------------------------

class ReferralSerializer(PatientFields, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="referral-detail", lookup_field="uuid")
    service = UuidRelatedField(read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    level = serializers.CharField(source="service.level.code", read_only=True, help_text=_(
        "The pyramid level of the service asked for."))
    receiver = UuidRelatedField(read_only=True, help_text=_(
        "Who assesses it: the service's provider, or the region's assessment unit (RVE)."))
    receiver_name = serializers.CharField(source="receiver.name", read_only=True)
    referrer = UuidRelatedField(read_only=True)
    referrer_name = serializers.CharField(source="referrer.name", read_only=True)
    referred_by = display_name_field("referred_by")
    status = NamedChoiceField(ReferralStatus.choices, enum_name="ReferralStatus",
                              read_only=True)
    needs_assessment = UuidRelatedField(read_only=True, allow_null=True)
    admission = UuidRelatedField(read_only=True, allow_null=True)
    individual_plan = UuidRelatedField(read_only=True, allow_null=True)
    forwarded_from = UuidRelatedField(read_only=True, allow_null=True)
    forwarded_to = serializers.SerializerMethodField(help_text=_(
        "The referral this one was forwarded as, if it was."))
    decided_by = display_name_field("decided_by")
    allocated_service = UuidRelatedField(read_only=True, allow_null=True, help_text=_(
        "The service whose waiting list the patient is on."))
    allocated_service_name = serializers.CharField(source="allocated_service.name",
                                                   read_only=True, allow_null=True)
    withdrawal_reason = NamedChoiceField(WithdrawalReason.choices,
                                         enum_name="ReferralWithdrawalReason", read_only=True,
                                         allow_blank=True)
    overdue = serializers.SerializerMethodField(help_text=_(
        "Awaiting assessment after assessment_due, or waiting for a start after "
        "care_start_deadline (Europe/Oslo dates)."))

    class Meta:
        model = Referral
        fields = ["uuid", "url", "patient", "patient_name", "service", "service_name", "level",
                  "receiver", "receiver_name", "referrer", "referrer_name", "referred_by",
                  "needs_assessment", "admission", "individual_plan", "forwarded_from",
                  "forwarded_to", "reason", "received_at", "assessment_due", "status",
                  "overdue", "information_requested_at", "information_request",
                  "information_received_at", "information_reply", "severity",
                  "expected_benefit", "resource_use", "has_right", "care_start_deadline",
                  "decided_at", "decided_by", "decision_reason", "allocated_service",
                  "allocated_service_name", "expected_start", "chosen_by_patient",
                  "choice_recorded_at", "started_on", "withdrawn_at", "withdrawal_reason",
                  "assessment_breached_at", "care_start_breached_at", "version", "created_at",
                  "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_forwarded_to(self, obj):
        onward = getattr(obj, "forwarded_to", None)
        return onward.uuid if onward is not None else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, obj) -> bool:
        today = local_date(timezone.now())
        if obj.status in (ReferralStatus.RECEIVED, ReferralStatus.INFORMATION_REQUESTED):
            return obj.assessment_due < today
        return bool(obj.status == ReferralStatus.ACCEPTED and obj.care_start_deadline
                    and obj.care_start_deadline < today)


class ChoiceOptionSerializer(serializers.ModelSerializer):
    service = serializers.UUIDField(source="uuid", read_only=True)
    provider = UuidRelatedField(read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = ServiceOffering
        fields = ["service", "name", "provider", "provider_name", "waiting_days",
                  "waiting_days_computed_at"]
        read_only_fields = fields


class OtherReferralSerializer(serializers.ModelSerializer):
    """Another open referral of the patient: what it asks for and where it stands, so that
    nobody waits in two queues for the same stay unseen (no id: it may not be yours)."""

    service_name = serializers.CharField(source="service.name", read_only=True)
    level = serializers.CharField(source="service.level.code", read_only=True)
    receiver_name = serializers.CharField(source="receiver.name", read_only=True)
    status = NamedChoiceField(ReferralStatus.choices, enum_name="ReferralStatus",
                              read_only=True)

    class Meta:
        model = Referral
        fields = ["service_name", "level", "receiver_name", "status", "received_at",
                  "expected_start"]
        read_only_fields = fields


class ReferralDetailSerializer(ReferralSerializer):
    other_open_referrals = serializers.SerializerMethodField(help_text=_(
        "The patient's other open referrals."))
    choice_options = serializers.SerializerMethodField(help_text=_(
        "Accepted with a right to necessary specialised care: where the patient may choose "
        "to wait (fritt behandlingsvalg), each with its current expected waiting time."))

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "other_open_referrals", "choice_options"]
        read_only_fields = fields

    @extend_schema_field(OtherReferralSerializer(many=True))
    def get_other_open_referrals(self, obj):
        others = services.other_open_referrals(obj).select_related(
            "service__level", "receiver").order_by("received_at", "pk")
        return OtherReferralSerializer(others, many=True).data

    @extend_schema_field(ChoiceOptionSerializer(many=True))
    def get_choice_options(self, obj):
        if obj.status != ReferralStatus.ACCEPTED or not obj.has_right:
            return []
        return ChoiceOptionSerializer(services.choice_options(obj), many=True).data


class ReferralCreateSerializer(InputSerializer):
    patient = ScopedUuidRelatedField(queryset=Patient.objects.all(), scope=visible,
                                     help_text=_("UUID of a patient you may see."))
    service = _service_field(help_text=_(
        "UUID of the service asked for (GET /api/v1/services/). A place at a private "
        "institution is applied for through the region's assessment unit unless you refer "
        "for a hospital."))
    reason = serializers.CharField(help_text=_("What the referral asks for, and why."))
    referrer = UuidRelatedField(queryset=Organization.objects.all(), required=False,
                                allow_null=True, help_text=_(
        "The organisation you refer for; default: your only one."))
    needs_assessment = _patient_record(NeedsAssessment, _("The patient's needs assessment."))
    admission = _patient_record(Admission, _("The patient's admission it comes from."))
    individual_plan = _patient_record(IndividualPlan, _("The patient's individual plan."))
    received_at = serializers.DateTimeField(required=False, help_text=_(
        "When it was sent (the assessment deadline runs from it); default: now."))


class RequestInformationSerializer(InputSerializer):
    question = serializers.CharField(allow_blank=True, help_text=_(
        "What the assessment lacks. The deadline stands: it runs from receipt."))


class GiveInformationSerializer(InputSerializer):
    reply = serializers.CharField(allow_blank=True)


# The rights assessment (prioriteringsforskriften § 2: benefit, resource use, severity). No
# docstring, as above.
class _RightsAssessmentSerializer(InputSerializer):

    has_right = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text=_(
        "Right to necessary specialised care; required for a specialist service."))
    severity = serializers.CharField(required=False, allow_blank=True, default="")
    expected_benefit = serializers.CharField(required=False, allow_blank=True, default="")
    resource_use = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralAcceptSerializer(_RightsAssessmentSerializer):
    care_start_deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                                help_text=_(
        "The date by which care must start at the latest; required with has_right."))
    expected_start = serializers.DateField(required=False, allow_null=True, default=None)
    allocated_service = _service_field(required=False, allow_null=True, default=None,
                                       help_text=_(
        "Where the patient waits; default: the service asked for. An assessment unit gives "
        "a place at a private institution's service of the same level in its region."))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralDeclineSerializer(_RightsAssessmentSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_(
        "Why: the patient may complain about the decision (to Statsforvalteren)."))


class ReferralForwardSerializer(InputSerializer):
    to_service = _service_field(help_text=_("UUID of the service that fits better."))
    reason = serializers.CharField(allow_blank=True)


class ReferralChoiceSerializer(InputSerializer):
    service = _service_field(help_text=_(
        "The service the patient chose, one of the referral's choice_options."))


class ExpectedStartSerializer(InputSerializer):
    expected_start = serializers.DateField()


class ReferralStartSerializer(InputSerializer):
    started_on = serializers.DateField(required=False, help_text=_("Default: today."))


class ReferralWithdrawSerializer(InputSerializer):
    reason = NamedChoiceField(WithdrawalReason.choices, enum_name="ReferralWithdrawalReason")
    note = serializers.CharField(required=False, allow_blank=True, default="")


# -- The waiting list ---------------------------------------------------------------------------

class WaitingListEntrySerializer(PatientFields, serializers.ModelSerializer):
    uuid = serializers.UUIDField(read_only=True, help_text=_("The referral's UUID."))
    referral = serializers.HyperlinkedIdentityField(view_name="referral-detail",
                                                    lookup_field="uuid")
    service = UuidRelatedField(source="allocated_service", read_only=True)
    service_name = serializers.CharField(source="allocated_service.name", read_only=True)
    receiver_name = serializers.CharField(source="receiver.name", read_only=True)
    referrer_name = serializers.CharField(source="referrer.name", read_only=True)
    accepted_at = serializers.DateTimeField(source="decided_at", read_only=True)
    days_waited = serializers.SerializerMethodField(help_text=_(
        "Calendar days (Europe/Oslo) since acceptance."))
    late = serializers.SerializerMethodField(help_text=_(
        "The date care must start has passed, or the expected start lies after it."))

    class Meta:
        model = Referral
        fields = ["uuid", "referral", "patient", "patient_name", "service", "service_name",
                  "receiver_name", "referrer_name", "received_at", "accepted_at",
                  "days_waited", "has_right", "care_start_deadline", "expected_start",
                  "chosen_by_patient", "late", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_waited(self, obj):
        if obj.decided_at is None:
            return None
        return (local_date(timezone.now()) - local_date(obj.decided_at)).days

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_late(self, obj) -> bool:
        deadline = obj.care_start_deadline
        if deadline is None:
            return False
        return deadline < local_date(timezone.now()) or bool(
            obj.expected_start and obj.expected_start > deadline)
