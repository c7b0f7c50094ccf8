"""CarePlan, CareTeam and Goal: the individual plans the user may see, and their goals in
the plans' order."""

from django.db.models import Prefetch

from coordination.models import Goal, IndividualPlan, Measure, PlanParticipant
from registry.models import AuditObjectType

from .. import mapping as m
from .base import Handler


class CarePlanHandler(Handler):
    type, family, audit_type = "CarePlan", "coordination", AuditObjectType.INDIVIDUAL_PLAN
    status_map = m.CAREPLAN_STATUS

    def base(self, user):
        return (IndividualPlan.objects.visible_to(user)
                .select_related("patient", "municipality")
                .prefetch_related(
                    Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
                    Prefetch("measures", queryset=Measure.objects.select_related(
                        "service__level", "responsible_organization", "goal"))))

    def to_fhir(self, obj):
        return m.care_plan(obj)


class CareTeamHandler(CarePlanHandler):
    type, audit_type = "CareTeam", AuditObjectType.INDIVIDUAL_PLAN
    status_map = m.CARETEAM_STATUS

    def base(self, user):
        return (IndividualPlan.objects.visible_to(user)
                .select_related("patient", "municipality", "coordinator__user",
                                "coordinator__organization")
                .prefetch_related(Prefetch(
                    "participants", queryset=PlanParticipant.objects.select_related(
                        "organization"))))

    def to_fhir(self, obj):
        return m.care_team(obj)


class GoalHandler(Handler):
    type, family, audit_type = "Goal", "coordination", AuditObjectType.GOAL
    status_param = "lifecycle-status"
    status_map = m.GOAL_LIFECYCLE
    patient_path = "plan__patient"
    last_updated = "plan__updated_at"
    order = ("plan__updated_at", "plan__uuid", "uuid")

    def base(self, user):
        return (Goal.objects.filter(plan__in=IndividualPlan.objects.visible_to(user))
                .select_related("plan__patient"))

    def to_fhir(self, obj):
        return m.goal(obj)
