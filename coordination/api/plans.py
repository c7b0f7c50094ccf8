"""Individual plans over the API: scoped by care relationship, every read audited, every
change through coordination.services (which check who may make it, lock, version and audit
it), with the plan's version in If-Match."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import PreconditionFailed, version_etag
from common.api.schema import IF_MATCH_HEADER, error_responses, etag_header, locked_schema
from common.api.serializers import NoInput, validated_input
from common.exceptions import StaleVersion
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

PLAN_ETAG = etag_header("plan's version")
# Removing or revoking an item reads no body.
ITEM_ERRORS = (401, 403, 404, 409, 412, 428)


def _plan_change(responses: dict, summary: str, description: str | None = None, **kwargs):
    """A change to the plan or one of its items, with the plan's version in If-Match."""
    return locked_schema(responses, summary, description, etag=PLAN_ETAG, **kwargs)


def _id_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description=f"The {what}'s UUID.")


GOAL_ID = _id_parameter("goal_id", "goal")
MEASURE_ID = _id_parameter("measure_id", "measure")
PARTICIPANT_ID = _id_parameter("participant_id", "participant")
CONSENT_ID = _id_parameter("consent_id", "consent")


def _with_details(queryset):
    return queryset.prefetch_related(
        Prefetch("goals", queryset=Goal.objects.filter(parent__isnull=True)
                 .prefetch_related("sub_goals"), to_attr="main_goals"),
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
    list=extend_schema(
        summary="List the individual plans you may see",
        description="Plans of patients you have a care relationship with (an organisation "
                    "sees a plan through the patient's consent). Every plan on the page is "
                    "recorded in the access log.",
        responses={200: s.PlanSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="An individual plan with goals, measures, group, consents and evaluations",
        description="404 for an unknown plan and for one outside your scope alike. The read "
                    "is recorded in the access log.",
        parameters=[PLAN_ETAG],
        responses={200: s.PlanDetailSerializer, **error_responses(401, 404)},
    ),
    partial_update=extend_schema(
        summary="Change the plan's own fields (optimistic locking with If-Match)",
        description="The plan's coordinator or the municipality's coordinating unit. When "
                    "someone saved since your version: 412, with the fields and sections "
                    "they changed in `fields`. A closed plan cannot change (409).",
        request=s.PlanUpdateSerializer,
        parameters=[IF_MATCH_HEADER, PLAN_ETAG],
        responses={200: s.PlanDetailSerializer,
                   **error_responses(400, 401, 403, 404, 409, 412, 413, 428)},
    ),
)
class IndividualPlanViewSet(PatientRecordViewSet):
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

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersion):
            # The lost update: tell the client what the other editor changed.
            response = super().handle_exception(
                PreconditionFailed(exc.message, etag=version_etag(exc.current_version)))
            response.data["error"]["fields"] = _changed_fields(exc)
            return response
        return super().handle_exception(exc)

    def partial_update(self, request, *args, **kwargs):
        data = validated_input(self, s.PlanUpdateSerializer, instance=self.get_object(),
                               partial=True)
        with transaction.atomic():
            plan = self._locked(request)
            plan = services.update_plan(plan, by=request.user, expected_version=plan.version,
                                        **data)
        return self.record_response(plan)

    @_plan_change({200: s.PlanDetailSerializer}, "Move the plan to another status",
                  "Activating needs a coordinator, a goal and consent to the plan. 409 for a "
                  "step the status does not allow.",
                  request=s.PlanStatusChangeSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, uuid=None):
        plan, _plan = self._change(request, s.PlanStatusChangeSerializer, services.set_status)
        return self.record_response(plan)

    @_plan_change({200: s.PlanDetailSerializer}, "Appoint or replace the plan's coordinator",
                  "The municipality's coordinating unit; a coordinator of the plan's "
                  "municipality, active and with room.",
                  request=s.PlanCoordinatorSerializer)
    @action(detail=True, methods=["post"])
    def coordinator(self, request, uuid=None):
        plan, _assignment = self._change(request, s.PlanCoordinatorSerializer,
                                         services.assign_coordinator,
                                         may=access.require_can_assign_coordinator)
        return self.record_response(plan)

    @_plan_change({201: s.GoalSerializer}, "Add a goal (or, with parent, a sub-goal)",
                  request=s.GoalInputSerializer)
    @action(detail=True, methods=["post"])
    def goals(self, request, uuid=None):
        plan, goal = self._change(request, s.GoalInputSerializer, services.add_goal,
                                  prepare=_goal_input)
        return self._item_response(s.GoalSerializer, goal, plan, status.HTTP_201_CREATED)

    @_plan_change({200: s.GoalSerializer}, "Change a goal",
                  request=s.GoalInputSerializer(partial=True), parameters=[GOAL_ID])
    @action(detail=True, methods=["patch"], url_path=r"goals/(?P<goal_id>[0-9a-fA-F-]{36})")
    def goal(self, request, uuid=None, goal_id=None):
        plan, goal = self._change_item(request, Goal, goal_id, s.GoalInputSerializer,
                                       services.update_goal, partial=True, prepare=_goal_input)
        return self._item_response(s.GoalSerializer, goal, plan)

    @_plan_change({201: s.MeasureSerializer}, "Add a measure",
                  request=s.MeasureInputSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, uuid=None):
        plan, measure = self._change(request, s.MeasureInputSerializer, services.add_measure,
                                     prepare=_measure_input)
        return self._item_response(s.MeasureSerializer, measure, plan, status.HTTP_201_CREATED)

    @_plan_change({200: s.MeasureSerializer}, "Change a measure",
                  request=s.MeasureInputSerializer(partial=True), parameters=[MEASURE_ID])
    @action(detail=True, methods=["patch"], url_path=r"measures/(?P<measure_id>[0-9a-fA-F-]{36})")
    def measure(self, request, uuid=None, measure_id=None):
        plan, measure = self._change_item(request, Measure, measure_id, s.MeasureInputSerializer,
                                          services.update_measure, partial=True,
                                          prepare=_measure_input)
        return self._item_response(s.MeasureSerializer, measure, plan)

    @_plan_change({201: s.PlanParticipantSerializer}, "Add a member of the responsible group",
                  "Membership gives no access: an organisation sees the plan through the "
                  "patient's consent.",
                  request=s.PlanParticipantInputSerializer)
    @action(detail=True, methods=["post"])
    def participants(self, request, uuid=None):
        plan, participant = self._change(request, s.PlanParticipantInputSerializer,
                                         services.add_participant)
        return self._item_response(s.PlanParticipantSerializer, participant, plan,
                                   status.HTTP_201_CREATED)

    @_plan_change({204: None}, "Remove a member of the responsible group",
                  request=None, parameters=[PARTICIPANT_ID], errors=ITEM_ERRORS)
    @action(detail=True, methods=["delete"],
            url_path=r"participants/(?P<participant_id>[0-9a-fA-F-]{36})")
    def participant(self, request, uuid=None, participant_id=None):
        # A DELETE's body is not read.
        plan, _none = self._change_item(request, PlanParticipant, participant_id, None,
                                        services.remove_participant)
        version = services.current_plan_version(plan)
        return Response(status=status.HTTP_204_NO_CONTENT,
                        headers={"ETag": version_etag(version)})

    @_plan_change({201: s.ConsentSerializer}, "Record the patient's consent for an organisation",
                  "While it stands, the organisation's staff see the patient.",
                  request=s.ConsentInputSerializer)
    @action(detail=True, methods=["post"])
    def consents(self, request, uuid=None):
        plan, consent = self._change(request, s.ConsentInputSerializer, services.record_consent)
        return self._item_response(s.ConsentSerializer, consent, plan, status.HTTP_201_CREATED)

    @_plan_change({200: s.ConsentSerializer}, "Revoke a consent",
                  "Also on a closed plan. Unless another consent stands, the organisation's "
                  "staff lose access to the patient (404).",
                  request=None, parameters=[CONSENT_ID], errors=ITEM_ERRORS)
    @action(detail=True, methods=["post"],
            url_path=r"consents/(?P<consent_id>[0-9a-fA-F-]{36})/revoke")
    def revoke_consent(self, request, uuid=None, consent_id=None):
        plan, consent = self._change_item(request, Consent, consent_id, NoInput,
                                          services.revoke_consent)
        return self._item_response(s.ConsentSerializer, consent, plan)

    @_plan_change({201: s.EvaluationSerializer}, "Record an evaluation of a plan in force",
                  request=s.EvaluationInputSerializer)
    @action(detail=True, methods=["post"])
    def evaluations(self, request, uuid=None):
        plan, evaluation = self._change(request, s.EvaluationInputSerializer,
                                        services.record_evaluation)
        return self._item_response(s.EvaluationSerializer, evaluation, plan,
                                   status.HTTP_201_CREATED)

    @extend_schema(summary="The plan's versions, oldest first",
                   description="The read is recorded in the access log.",
                   responses={200: s.PlanVersionSerializer(many=True),
                              **error_responses(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, uuid=None):
        plan = self.get_object()
        self.audit_reads([plan], detail="api versions")
        versions = PlanVersion.objects.filter(plan=plan).select_related(
            "created_by").order_by("number")
        return Response(s.PlanVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="What changed between two versions",
        description="A readable diff from version `from` to `to` (default: the latest).",
        parameters=[
            OpenApiParameter("from", int, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("to", int, OpenApiParameter.QUERY, required=False,
                             description="Default: the latest version."),
        ],
        responses={200: s.PlanChangeSerializer(many=True), **error_responses(400, 401, 404)})
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

    def _locked(self, request, *, may=None) -> IndividualPlan:
        """The plan, locked for this transaction, once the user may make the change (403
        first) and If-Match names its current version (428; 412 listing what changed)."""
        return self.locked(
            request, may or access.require_can_edit_plan,
            conflict=lambda current, versions: services.plan_conflict(current, versions[0]))

    def _change(self, request, serializer_class, change, *, partial=False, may=None,
                item=None, prepare=None):
        """`change(subject, by=user, expected_version=..., **input)` on the plan locked for
        it (_locked), or on its `item(plan)`; `prepare(plan, input)` finds the plan's goals
        the input names. The plan, and what the change returns."""
        data = {} if serializer_class is None else validated_input(self, serializer_class,
                                                                   partial=partial)
        with transaction.atomic():
            plan = self._locked(request, may=may)
            subject = plan if item is None else item(plan)
            if prepare is not None:
                data = prepare(plan, data)
            return plan, change(subject, by=request.user, expected_version=plan.version,
                                **data)

    def _change_item(self, request, model, item_id, serializer_class, change, **kwargs):
        """_change on one of the plan's goals, measures, participants or consents: an
        unknown one is a 404 before anything else."""
        _item(model, self.get_object(), item_id)
        return self._change(request, serializer_class, change,
                            item=lambda plan: _item(model, plan, item_id), **kwargs)

    def _item_response(self, serializer_class, item, plan, status_code=status.HTTP_200_OK):
        version = services.current_plan_version(plan)
        return Response(serializer_class(item, context=self.get_serializer_context()).data,
                        status=status_code, headers={"ETag": version_etag(version)})

    def record_response(self, plan, status_code=status.HTTP_200_OK, *, read_again=True,
                        **headers):
        # Re-read with the details: the services return bare rows. After a change that
        # takes the writer's access away, show nothing more than what was written.
        if read_again:
            plan = _with_details(self.get_queryset().filter(pk=plan.pk)).first()
            if plan is None:
                raise exceptions.NotFound()
        data = s.PlanDetailSerializer(plan, context=self.get_serializer_context()).data
        return Response(data, status=status_code,
                        headers={"ETag": version_etag(plan.version), **headers})


def _goal_input(plan, data: dict) -> dict:
    if data.get("parent") is not None:
        data["parent"] = _item(Goal, plan, data["parent"], field="parent")
    return data


def _measure_input(plan, data: dict) -> dict:
    if data.get("goal") is not None:
        data["goal"] = _item(Goal, plan, data["goal"], field="goal")
    return data


def _item(model, plan, item_id, *, field: str | None = None):
    """A goal, measure, participant or consent of this plan, by UUID; another plan's is
    unknown."""
    try:
        return model.objects.get(plan=plan, uuid=item_id)
    except (model.DoesNotExist, ValueError, ValidationError) as exc:
        if field is not None:
            raise serializers.ValidationError(
                {field: [_("The plan has no such %(what)s.") % {
                    "what": model._meta.verbose_name}]}) from exc
        raise exceptions.NotFound() from exc


def _changed_fields(conflict: StaleVersion) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for change in conflict.changes:
        name = change.field if change.section == "plan" else change.section
        if change.section == "plan":
            message = _("Changed by someone else since your version.")
        else:
            message = _("%(item)s: %(kind)s") % {"item": change.item or change.field,
                                                 "kind": change.kind}
        fields.setdefault(name, []).append(message)
    return fields or {"version": [conflict.message]}
