"""The KE's work over the API. Validation only: every write goes through
coordination.services."""

from django.contrib.auth import get_user_model
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
from common.api.serializers import InputSerializer, ValidatedModelSerializer
from pathways.api.common import PatientFields, display_name_field
from pathways.models import Patient
from registry.models import Organization, ServiceOffering

from .. import services
from ..models import (
    AchievementStatus,
    Consent,
    ConsentMethod,
    ConsentScope,
    Coordinator,
    CoordinatorAssignment,
    CoordinatorKind,
    Evaluation,
    Goal,
    IndividualPlan,
    Measure,
    MeasureStatus,
    PlanParticipant,
    PlanParticipantKind,
    PlanRequest,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestSource,
    RequestStatus,
)
from ..services.plans import PLAN_FIELDS


def _colleagues(queryset, user):
    """Coordinators (or users) of the organisations the requesting user works for."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    organizations = Organization.objects.filter(memberships__user=user)
    if queryset.model is Coordinator:
        return queryset.filter(organization__in=organizations)
    return queryset.filter(memberships__organization__in=organizations).distinct()


class ColleagueField(SlugRelatedField):
    """A user of one of the requester's organisations, by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return _colleagues(super().get_queryset(), getattr(request, "user", None))


def coordinator_field(**kwargs):
    return ScopedUuidRelatedField(queryset=Coordinator.objects.select_related(
        "user", "organization"), scope=_colleagues, **kwargs)


# -- Requests ----------------------------------------------------------------------------

# A municipality's record about a patient (a request, a plan). No docstring: the schema would
# give it to the serializers built on it.
class _MunicipalRecordSerializer(PatientFields, serializers.ModelSerializer):
    municipality = UuidRelatedField(read_only=True)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)


class PlanRequestSerializer(_MunicipalRecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="plan-request-detail",
                                               lookup_field="uuid")
    kind = NamedChoiceField(RequestKind.choices, enum_name="PlanRequestKind", read_only=True)
    source = NamedChoiceField(RequestSource.choices, enum_name="PlanRequestSource",
                              read_only=True)
    status = NamedChoiceField(RequestStatus.choices, enum_name="PlanRequestStatus",
                              read_only=True)
    early_notification = UuidRelatedField(read_only=True, allow_null=True)
    decided_by = display_name_field("decided_by")
    waiting_days = serializers.SerializerMethodField(help_text=_(
        "Calendar days (Europe/Oslo) from receipt to the decision, or to today."))
    plan = serializers.SerializerMethodField(help_text=_(
        "UUID of the plan the request opened, if any."))

    class Meta:
        model = PlanRequest
        fields = ["uuid", "url", "patient", "patient_name", "municipality",
                  "municipality_name", "kind", "source", "submitter_name",
                  "early_notification", "description", "received_at", "status",
                  "waiting_days", "decided_at", "decided_by", "decline_reason",
                  "coordinator_offered", "appeal_received_at", "appeal_note", "plan",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_waiting_days(self, obj) -> int:
        return services.waiting_days(obj)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_plan(self, obj):
        plan = getattr(obj, "plan", None)
        return plan.uuid if plan is not None else None


class PlanRequestCreateSerializer(InputSerializer):
    patient = ScopedUuidRelatedField(queryset=Patient.objects.all(), scope=visible,
                                     help_text=_("UUID of a patient you may see."))
    municipality = UuidRelatedField(queryset=Organization.objects.municipalities(),
                                    help_text=_("UUID of the municipality whose coordinating "
                                                "unit receives the request."))
    kind = NamedChoiceField(RequestKind.choices, enum_name="PlanRequestKind")
    source = NamedChoiceField(RequestSource.choices, enum_name="PlanRequestSource")
    submitter_name = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                           help_text=_("Default: your name."))
    description = serializers.CharField(required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))


class AcceptSerializer(InputSerializer):
    coordinator = coordinator_field(required=False, allow_null=True, help_text=_(
        "UUID of a coordinator of the request's municipality; required for a plan or "
        "coordinator request."))
    patient_wishes = serializers.CharField(required=False, allow_blank=True)
    allow_over_capacity = serializers.BooleanField(default=False)


class DeclineSerializer(InputSerializer):
    reason = serializers.CharField(allow_blank=True)
    coordinator_offered = serializers.BooleanField(default=False)
    coordinator = coordinator_field(required=False, allow_null=True, help_text=_(
        "The coordinator the patient accepted instead of a plan, if any."))
    patient_wishes = serializers.CharField(required=False, allow_blank=True)
    allow_over_capacity = serializers.BooleanField(default=False)


class AppealSerializer(InputSerializer):
    note = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))


# -- Coordinators ------------------------------------------------------------------------

class CoordinatorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="coordinator-detail",
                                               lookup_field="uuid")
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)
    organization = UuidRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            read_only=True)
    load = serializers.IntegerField(read_only=True, help_text=_(
        "Open plans the coordinator coordinates now."))
    over_capacity = serializers.BooleanField(read_only=True)

    class Meta:
        model = Coordinator
        fields = ["uuid", "url", "user", "name", "organization", "organization_name", "kind",
                  "profession", "training_completed_on", "capacity", "active", "load",
                  "over_capacity", "created_at", "updated_at"]
        read_only_fields = fields


class CoordinatorCreateSerializer(InputSerializer):
    user = ColleagueField(help_text=_("Username of a staff member of the organisation."))
    organization = UuidRelatedField(queryset=Organization.objects.all())
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            default=CoordinatorKind.GENERAL)
    profession = serializers.CharField(max_length=100, required=False, allow_blank=True)
    training_completed_on = serializers.DateField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, max_value=32767, default=10)


class CoordinatorUpdateSerializer(ValidatedModelSerializer):
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            required=False)

    class Meta:
        model = Coordinator
        fields = list(services.coordinators.PROFILE_FIELDS)


# -- Plans: the nested parts -------------------------------------------------------------

class SubGoalSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(AchievementStatus.choices, enum_name="AchievementStatus",
                              read_only=True)

    class Meta:
        model = Goal
        fields = ["uuid", "text", "expressed_by_patient", "target_date", "status", "position"]
        read_only_fields = fields


class GoalSerializer(SubGoalSerializer):
    parent = UuidRelatedField(read_only=True, allow_null=True)
    sub_goals = SubGoalSerializer(many=True, read_only=True)

    class Meta(SubGoalSerializer.Meta):
        fields = [*SubGoalSerializer.Meta.fields, "parent", "sub_goals"]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer):
    goal = UuidRelatedField(read_only=True, allow_null=True)
    service = UuidRelatedField(read_only=True, allow_null=True)
    service_name = serializers.CharField(source="service.name", read_only=True,
                                         allow_null=True)
    level = serializers.CharField(source="service.level.code", read_only=True,
                                  allow_null=True, help_text=_("The service's pyramid level."))
    responsible_organization = UuidRelatedField(read_only=True, allow_null=True)
    status = NamedChoiceField(MeasureStatus.choices, enum_name="MeasureStatus", read_only=True)

    class Meta:
        model = Measure
        fields = ["uuid", "goal", "service", "service_name", "level", "description",
                  "responsible_person", "responsible_organization", "extent", "starts_on",
                  "ends_on", "status", "position"]
        read_only_fields = fields


class PlanParticipantSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(PlanParticipantKind.choices, enum_name="PlanParticipantKind",
                            read_only=True)
    organization = UuidRelatedField(read_only=True, allow_null=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True,
                                              allow_null=True)

    class Meta:
        model = PlanParticipant
        fields = ["uuid", "kind", "name", "organization", "organization_name", "contribution"]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    organization = UuidRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    scope = NamedChoiceField(ConsentScope.choices, enum_name="ConsentScope", read_only=True)
    method = NamedChoiceField(ConsentMethod.choices, enum_name="ConsentMethod", read_only=True)
    recorded_by = display_name_field("recorded_by")
    revoked_by = display_name_field("revoked_by")

    class Meta:
        model = Consent
        fields = ["uuid", "organization", "organization_name", "scope", "method", "given_at",
                  "recorded_by", "revoked_at", "revoked_by"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    evaluated_by = display_name_field("evaluated_by")

    class Meta:
        model = Evaluation
        fields = ["uuid", "evaluated_on", "summary", "goal_achievement", "evaluated_by",
                  "created_at"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    coordinator = UuidRelatedField(read_only=True)
    name = serializers.CharField(source="coordinator.user.display_name", read_only=True)
    assigned_by = display_name_field("assigned_by")

    class Meta:
        model = CoordinatorAssignment
        fields = ["coordinator", "name", "patient_wishes", "assigned_at", "assigned_by"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    created_by = display_name_field("created_by")

    class Meta:
        model = PlanVersion
        fields = ["number", "created_at", "created_by", "summary"]
        read_only_fields = fields


class PlanChangeSerializer(serializers.Serializer):
    section = serializers.CharField()
    item = serializers.CharField(help_text=_("Which goal, measure ...; blank for the plan."))
    field = serializers.CharField(help_text=_("Blank when a whole item was added or removed."))
    kind = NamedChoiceField([("added", _("Added")), ("removed", _("Removed")),
                             ("changed", _("Changed"))], enum_name="PlanChangeKind")
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    text_diff = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("For long texts: [op, text] word runs, op equal, delete or insert."))


# -- Plans -------------------------------------------------------------------------------

class PlanSerializer(_MunicipalRecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="individual-plan-detail",
                                               lookup_field="uuid")
    coordinator = UuidRelatedField(read_only=True, allow_null=True)
    coordinator_name = serializers.CharField(source="coordinator.user.display_name",
                                             read_only=True, allow_null=True)
    status = NamedChoiceField(PlanStatus.choices, enum_name="PlanStatus", read_only=True)

    class Meta:
        model = IndividualPlan
        fields = ["uuid", "url", "patient", "patient_name", "municipality",
                  "municipality_name", "coordinator", "coordinator_name", "status",
                  *PLAN_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    current_coordinator = serializers.SerializerMethodField(help_text=_(
        "The assignment in force, with the patient's wishes; null without a coordinator."))
    goals = GoalSerializer(source="main_goals", many=True, read_only=True, help_text=_(
        "Main goals, each with its sub-goals."))
    measures = MeasureSerializer(many=True, read_only=True)
    participants = PlanParticipantSerializer(many=True, read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    evaluations = EvaluationSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "current_coordinator", "goals", "measures",
                  "participants", "consents", "evaluations"]
        read_only_fields = fields

    @extend_schema_field(AssignmentSerializer(allow_null=True))
    def get_current_coordinator(self, obj):
        current = next(iter(getattr(obj, "current_assignments", [])), None)
        return AssignmentSerializer(current).data if current is not None else None


class PlanUpdateSerializer(ValidatedModelSerializer):
    class Meta:
        model = IndividualPlan
        fields = list(PLAN_FIELDS)


class PlanStatusChangeSerializer(InputSerializer):
    status = NamedChoiceField(PlanStatus.choices, enum_name="PlanStatus")
    note = serializers.CharField(max_length=150, required=False, allow_blank=True)


class PlanCoordinatorSerializer(InputSerializer):
    coordinator = coordinator_field()
    patient_wishes = serializers.CharField(required=False, allow_blank=True)
    allow_over_capacity = serializers.BooleanField(default=False)


class GoalInputSerializer(InputSerializer):
    text = serializers.CharField()
    parent = serializers.UUIDField(required=False, allow_null=True, help_text=_(
        "The UUID of the main goal this is a sub-goal of."))
    expressed_by_patient = serializers.BooleanField(required=False)
    target_date = serializers.DateField(required=False, allow_null=True)
    status = NamedChoiceField(AchievementStatus.choices, enum_name="AchievementStatus",
                              required=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


def _service_queryset():
    return ServiceOffering.objects.select_related("level")


class MeasureInputSerializer(InputSerializer):
    goal = serializers.UUIDField(required=False, allow_null=True,
                                 help_text=_("The UUID of the goal the measure serves."))
    service = UuidRelatedField(queryset=_service_queryset(), required=False, allow_null=True,
                               help_text=_("UUID of a service; its level is the measure's."))
    description = serializers.CharField(required=False, allow_blank=True)
    responsible_person = serializers.CharField(max_length=200, required=False,
                                               allow_blank=True)
    responsible_organization = UuidRelatedField(queryset=Organization.objects.all(),
                                                required=False, allow_null=True)
    extent = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    status = NamedChoiceField(MeasureStatus.choices, enum_name="MeasureStatus",
                              required=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class PlanParticipantInputSerializer(InputSerializer):
    kind = NamedChoiceField(PlanParticipantKind.choices, enum_name="PlanParticipantKind")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    user = ColleagueField(required=False, allow_null=True, help_text=_(
        "Username of a colleague, if the participant works with you."))
    organization = UuidRelatedField(queryset=Organization.objects.all(), required=False,
                                    allow_null=True)
    contribution = serializers.CharField(required=False, allow_blank=True)


class ConsentInputSerializer(InputSerializer):
    organization = UuidRelatedField(queryset=Organization.objects.all())
    scope = NamedChoiceField(ConsentScope.choices, enum_name="ConsentScope")
    method = NamedChoiceField(ConsentMethod.choices, enum_name="ConsentMethod")
    given_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))


class EvaluationInputSerializer(InputSerializer):
    evaluated_on = serializers.DateField()
    summary = serializers.CharField()
    goal_achievement = serializers.CharField(required=False, allow_blank=True)
    next_evaluation_on = serializers.DateField(required=False, allow_null=True, help_text=_(
        "Default: the evaluation interval after this one."))


class DiffQuerySerializer(serializers.Serializer):
    """`from` is a Python keyword, so that field is added by name."""

    to = serializers.IntegerField(min_value=1, required=False)

    def get_fields(self):
        return {"from": serializers.IntegerField(min_value=1), **super().get_fields()}
