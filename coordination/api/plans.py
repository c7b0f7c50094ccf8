"""Individual plans over the API: scoped by care relationship, every read audited, every
change through coordination.services (which check who may make it, lock, version and audit
it), with the plan's version in If-Match (plan_changes)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import versioned_response
from common.api.operations import READ_ERRORS, list_schema, locked_schema, retrieve_schema
from common.api.serializers import NoInput
from pathways.api.base import PatientRecordViewSet
from registry.models import AuditObjectType

from .. import access, diff, services
from ..filters import IndividualPlanFilter
from ..models import (
    Consent,
    CoordinatorAssignment,
    Evaluation,
    Goal,
    IndividualPlan,
    Measure,
    PlanParticipant,
    PlanVersion,
)
from . import serializers as s
from .plan_changes import (
    CONSENT_ID,
    GOAL_ID,
    ITEM_ERRORS,
    MEASURE_ID,
    PARTICIPANT_ID,
    PLAN_ETAG,
    PlanChangeMixin,
    goal_input,
    measure_input,
    plan_change,
)


def _with_details(queryset):
    return queryset.prefetch_related(
        Prefetch("goals", queryset=Goal.objects.filter(parent__isnull=True)
                 .select_related("reworded_by")
                 .prefetch_related(Prefetch("sub_goals", queryset=Goal.objects.select_related(
                     "reworded_by"))), to_attr="main_goals"),
        Prefetch("measures", queryset=Measure.objects.select_related(
            "service__level", "responsible_organization", "goal")),
        Prefetch("participants", queryset=PlanParticipant.objects.select_related(
            "organization")),
        Prefetch("consents", queryset=Consent.objects.select_related(
            "organization", "recorded_by", "revoked_by")),
        Prefetch("evaluations", queryset=Evaluation.objects.select_related("evaluated_by")),
        Prefetch("assignments", queryset=CoordinatorAssignment.objects.filter(
            ended_at__isnull=True).select_related("coordinator__user", "assigned_by"),
            to_attr="current_assignments"),
    )


@extend_schema_view(
    list=list_schema(
        s.PlanSerializer, "List the individual plans you may see",
        "Plans of patients you have a care relationship with (an organisation sees a plan "
        "through the patient's consent). Every plan on the page is recorded in the access "
        "log."),
    retrieve=retrieve_schema(
        s.PlanDetailSerializer,
        "An individual plan with goals, measures, group, consents and evaluations",
        "404 for an unknown plan and for one outside your scope alike. The read is recorded "
        "in the access log.", parameters=[PLAN_ETAG]),
    partial_update=locked_schema(
        {200: s.PlanDetailSerializer},
        "Change the plan's own fields (optimistic locking with If-Match)",
        "The plan's coordinator or the municipality's coordinating unit. When someone saved "
        "since your version: 412, with the fields and sections they changed in `fields`. A "
        "closed plan cannot change (409).",
        etag=PLAN_ETAG, request=s.PlanUpdateSerializer),
)
class IndividualPlanViewSet(PlanChangeMixin, PatientRecordViewSet):
    model = IndividualPlan
    audit_object_type = AuditObjectType.INDIVIDUAL_PLAN
    scope_family = "coordination"
    serializer_class = s.PlanSerializer
    filterset_class = IndividualPlanFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope(self, queryset):
        queryset = (queryset.select_related("patient", "municipality", "coordinator__user")
                    .order_by("-created_at", "-pk"))
        if self.action == "retrieve":
            queryset = _with_details(queryset)
        return queryset

    def get_serializer_class(self):
        return s.PlanSerializer if self.action == "list" else s.PlanDetailSerializer

    def partial_update(self, request, *args, **kwargs):
        _plan, plan = self._change(request, s.PlanUpdateSerializer, services.update_plan,
                                   instance=self.get_object(), partial=True)
        return self.record_response(plan)

    @plan_change({200: s.PlanDetailSerializer}, "Move the plan to another status",
                  "Activating needs a coordinator, a goal and consent to the plan. 409 for a "
                  "step the status does not allow.",
                  request=s.PlanStatusChangeSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, uuid=None):
        plan, _plan = self._change(request, s.PlanStatusChangeSerializer, services.set_status)
        return self.record_response(plan)

    @plan_change({200: s.PlanDetailSerializer}, "Appoint or replace the plan's coordinator",
                  "The municipality's coordinating unit; a coordinator of the plan's "
                  "municipality, active and with room.",
                  request=s.PlanCoordinatorSerializer)
    @action(detail=True, methods=["post"])
    def coordinator(self, request, uuid=None):
        plan, _assignment = self._change(request, s.PlanCoordinatorSerializer,
                                         services.assign_coordinator,
                                         may=access.require_can_assign_coordinator)
        return self.record_response(plan)

    @plan_change({201: s.GoalSerializer}, "Add a goal (or, with parent, a sub-goal)",
                  request=s.GoalInputSerializer)
    @action(detail=True, methods=["post"])
    def goals(self, request, uuid=None):
        plan, goal = self._change(request, s.GoalInputSerializer, services.add_goal,
                                  prepare=goal_input)
        return self._item_response(s.GoalSerializer, goal, plan, status.HTTP_201_CREATED)

    @plan_change({200: s.GoalSerializer}, "Change a goal",
                  request=s.GoalInputSerializer(partial=True), parameters=[GOAL_ID])
    @action(detail=True, methods=["patch"], url_path=r"goals/(?P<goal_id>[0-9a-fA-F-]{36})")
    def goal(self, request, uuid=None, goal_id=None):
        plan, goal = self._change_item(request, Goal, goal_id, s.GoalInputSerializer,
                                       services.update_goal, partial=True, prepare=goal_input)
        return self._item_response(s.GoalSerializer, goal, plan)

    @plan_change({201: s.MeasureSerializer}, "Add a measure",
                  request=s.MeasureInputSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, uuid=None):
        plan, measure = self._change(request, s.MeasureInputSerializer, services.add_measure,
                                     prepare=measure_input)
        return self._item_response(s.MeasureSerializer, measure, plan, status.HTTP_201_CREATED)

    @plan_change({200: s.MeasureSerializer}, "Change a measure",
                  request=s.MeasureInputSerializer(partial=True), parameters=[MEASURE_ID])
    @action(detail=True, methods=["patch"], url_path=r"measures/(?P<measure_id>[0-9a-fA-F-]{36})")
    def measure(self, request, uuid=None, measure_id=None):
        plan, measure = self._change_item(request, Measure, measure_id, s.MeasureInputSerializer,
                                          services.update_measure, partial=True,
                                          prepare=measure_input)
        return self._item_response(s.MeasureSerializer, measure, plan)

    @plan_change({201: s.PlanParticipantSerializer}, "Add a member of the responsible group",
                  "Membership gives no access: an organisation sees the plan through the "
                  "patient's consent.",
                  request=s.PlanParticipantInputSerializer)
    @action(detail=True, methods=["post"])
    def participants(self, request, uuid=None):
        plan, participant = self._change(request, s.PlanParticipantInputSerializer,
                                         services.add_participant)
        return self._item_response(s.PlanParticipantSerializer, participant, plan,
                                   status.HTTP_201_CREATED)

    @plan_change({204: None}, "Remove a member of the responsible group",
                  request=None, parameters=[PARTICIPANT_ID], errors=ITEM_ERRORS)
    @action(detail=True, methods=["delete"],
            url_path=r"participants/(?P<participant_id>[0-9a-fA-F-]{36})")
    def participant(self, request, uuid=None, participant_id=None):
        # A DELETE's body is not read.
        plan, _none = self._change_item(request, PlanParticipant, participant_id, None,
                                        services.remove_participant)
        return versioned_response(None, services.current_plan_version(plan),
                                  status.HTTP_204_NO_CONTENT)

    @plan_change({201: s.ConsentSerializer}, "Record the patient's consent for an organisation",
                  "While it stands, the organisation's staff see the patient.",
                  request=s.ConsentInputSerializer)
    @action(detail=True, methods=["post"])
    def consents(self, request, uuid=None):
        plan, consent = self._change(request, s.ConsentInputSerializer, services.record_consent)
        return self._item_response(s.ConsentSerializer, consent, plan, status.HTTP_201_CREATED)

    @plan_change({200: s.ConsentSerializer}, "Revoke a consent",
                  "Also on a closed plan. Unless another consent stands, the organisation's "
                  "staff lose access to the patient (404).",
                  request=None, parameters=[CONSENT_ID], errors=ITEM_ERRORS)
    @action(detail=True, methods=["post"],
            url_path=r"consents/(?P<consent_id>[0-9a-fA-F-]{36})/revoke")
    def revoke_consent(self, request, uuid=None, consent_id=None):
        plan, consent = self._change_item(request, Consent, consent_id, NoInput,
                                          services.revoke_consent)
        return self._item_response(s.ConsentSerializer, consent, plan)

    @plan_change({201: s.EvaluationSerializer}, "Record an evaluation of a plan in force",
                  request=s.EvaluationInputSerializer)
    @action(detail=True, methods=["post"])
    def evaluations(self, request, uuid=None):
        plan, evaluation = self._change(request, s.EvaluationInputSerializer,
                                        services.record_evaluation)
        return self._item_response(s.EvaluationSerializer, evaluation, plan,
                                   status.HTTP_201_CREATED)

    @list_schema(s.PlanVersionSerializer, "The plan's versions, oldest first",
                 "The read is recorded in the access log.", errors=READ_ERRORS)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, uuid=None):
        plan = self.get_object()
        self.audit_reads([plan], detail="api versions")
        versions = PlanVersion.objects.filter(plan=plan).select_related(
            "created_by").order_by("number")
        return Response(s.PlanVersionSerializer(versions, many=True).data)

    @list_schema(
        s.PlanChangeSerializer, "What changed between two versions",
        "A readable diff from version `from` to `to` (default: the latest).",
        parameters=[
            OpenApiParameter("from", int, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("to", int, OpenApiParameter.QUERY, required=False,
                             description="Default: the latest version."),
        ])
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def diff(self, request, uuid=None):
        plan = self.get_object()
        query = s.DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        numbers = set(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True))
        for name in ("from", "to"):
            number = query.validated_data.get(name)
            if number is not None and number not in numbers:
                raise serializers.ValidationError(
                    {name: [_("The plan has no version %(number)s.") % {"number": number}]})
        self.audit_reads([plan], detail="api diff")
        changes = diff.diff_plan(plan, query.validated_data["from"],
                                 query.validated_data.get("to"))
        return Response([{
            "section": c.section, "item": c.item, "field": c.field, "kind": c.kind,
            "before": c.before, "after": c.after,
            "text_diff": [list(segment) for segment in c.text_diff],
        } for c in changes])

    # --- helpers -------------------------------------------------------------------------

    def record_response(self, plan, status_code=status.HTTP_200_OK, *, read_again=True,
                        **headers):
        # Re-read with the details: the services return bare rows. After a change that
        # takes the writer's access away, show nothing more than what was written.
        if read_again:
            plan = _with_details(self.get_queryset().filter(pk=plan.pk)).first()
            if plan is None:
                raise exceptions.NotFound()
        data = s.PlanDetailSerializer(plan, context=self.get_serializer_context()).data
        return versioned_response(data, plan.version, status_code, **headers)
