"""The individual plan: a row of the list, the whole plan with its parts, its coordinator,
versions and what changed between them, and the changes to its own fields."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import NamedChoiceField, UuidRelatedField
from common.api.serializers import InputSerializer, ValidatedModelSerializer
from pathways.api.common import display_name_field

from ...models import CoordinatorAssignment, IndividualPlan, PlanStatus, PlanVersion
from ...services.plans import PLAN_FIELDS
from ._common import MunicipalRecordSerializer, coordinator_field
from .plan_items import (
    ConsentSerializer,
    EvaluationSerializer,
    GoalSerializer,
    MeasureSerializer,
    PlanParticipantSerializer,
)


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


class PlanSerializer(MunicipalRecordSerializer):
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


class DiffQuerySerializer(serializers.Serializer):
    """`from` is a Python keyword, so that field is added by name."""

    to = serializers.IntegerField(min_value=1, required=False)

    def get_fields(self):
        return {"from": serializers.IntegerField(min_value=1), **super().get_fields()}
