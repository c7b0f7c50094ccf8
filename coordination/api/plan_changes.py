"""How the plan API changes a plan: every change through coordination.services on the plan
locked for it, with the plan's version in If-Match; a lost update is a 412 that names what
the other editor changed. IndividualPlanViewSet takes this from PlanChangeMixin."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers, status

from common.api.concurrency import PreconditionFailed, version_etag, versioned_response
from common.api.operations import etag_header, locked_schema, uuid_path_parameter
from common.api.serializers import validated_input
from common.exceptions import StaleVersion
from common.lookup import one_or_404

from .. import access, services
from ..models import Goal, IndividualPlan

PLAN_ETAG = etag_header("plan's version")
# Removing or revoking an item reads no body.
ITEM_ERRORS = (401, 403, 404, 409, 412, 428)

GOAL_ID = uuid_path_parameter("goal_id", "goal")
MEASURE_ID = uuid_path_parameter("measure_id", "measure")
PARTICIPANT_ID = uuid_path_parameter("participant_id", "participant")
CONSENT_ID = uuid_path_parameter("consent_id", "consent")


def plan_change(responses: dict, summary: str, description: str | None = None, **kwargs):
    """A change to the plan or one of its items, with the plan's version in If-Match."""
    return locked_schema(responses, summary, description, etag=PLAN_ETAG, **kwargs)


# The change machinery of a PatientRecordViewSet over plans. No docstring: the schema would
# give it to the operations that declare no description.
class PlanChangeMixin:
    def handle_exception(self, exc):
        if isinstance(exc, StaleVersion):
            # The lost update: tell the client what the other editor changed.
            response = super().handle_exception(
                PreconditionFailed(exc.message, etag=version_etag(exc.current_version)))
            response.data["error"]["fields"] = _changed_fields(exc)
            return response
        return super().handle_exception(exc)

    def _locked(self, request, *, may=None) -> IndividualPlan:
        """The plan, locked for this transaction, once the user may make the change (403
        first) and If-Match names its current version (428; 412 listing what changed)."""
        return self.locked(
            request, may or access.require_can_edit_plan,
            conflict=lambda current, versions: services.plan_conflict(current, versions[0]))

    def _change(self, request, serializer_class, change, *, instance=None, partial=False,
                may=None, item=None, prepare=None):
        """`change(subject, by=user, expected_version=..., **input)` on the plan locked for
        it (_locked), or on its `item(plan)`; `prepare(plan, input)` finds the plan's goals
        the input names. The plan, and what the change returns."""
        data = {} if serializer_class is None else validated_input(
            self, serializer_class, instance=instance, partial=partial)
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
        data = serializer_class(item, context=self.get_serializer_context()).data
        return versioned_response(data, services.current_plan_version(plan), status_code)


def goal_input(plan, data: dict) -> dict:
    if data.get("parent") is not None:
        data["parent"] = _item(Goal, plan, data["parent"], field="parent")
    return data


def measure_input(plan, data: dict) -> dict:
    if data.get("goal") is not None:
        data["goal"] = _item(Goal, plan, data["goal"], field="goal")
    return data


def _item(model, plan, item_id, *, field: str | None = None):
    """A goal, measure, participant or consent of this plan, by UUID; another plan's is
    unknown."""
    try:
        return one_or_404(model.objects.filter(plan=plan), uuid=item_id)
    except Http404:
        if field is None:
            raise  # the envelope's 404 (common.api.errors)
        raise serializers.ValidationError({field: [_("The plan has no such %(what)s.") % {
            "what": model._meta.verbose_name}]}) from None


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
