"""A plan's parts: goals with their sub-goals, measures, the responsible group, consents and
evaluations, as the plan shows them and as a change names them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import NamedChoiceField, UuidRelatedField
from common.api.serializers import InputSerializer
from pathways.api.common import display_name_field
from registry.models import Organization, ServiceOffering

from ...models import (
    AchievementStatus,
    Consent,
    ConsentMethod,
    ConsentScope,
    Evaluation,
    Goal,
    Measure,
    MeasureStatus,
    PlanParticipant,
    PlanParticipantKind,
)
from ._common import ColleagueField

# -- As the plan shows them ----------------------------------------------------------------

class SubGoalSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(AchievementStatus.choices, enum_name="AchievementStatus",
                              read_only=True)
    reworded_by = display_name_field("reworded_by", help_text=_(
        "Who last changed the goal's wording, as people read it; null while it has its first "
        "wording. A goal in the patient's words stays theirs (expressed_by_patient)."))
    reworded_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_(
        "When the wording was last changed; the earlier wording is in the plan's versions."))

    class Meta:
        model = Goal
        fields = ["uuid", "text", "expressed_by_patient", "target_date", "status", "position",
                  "reworded_by", "reworded_at"]
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


# -- As a change names them ----------------------------------------------------------------

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
