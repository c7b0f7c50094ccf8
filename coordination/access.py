"""Who may see and change requests and plans: one function per capability, asked by the
services, the web views and the API alike.

Seeing follows the patient's care relationships (the models' visible_to). Acting for a
municipality's coordinating unit (KE) is for its KE staff and for its EPJ system (an API
client of that municipality, within its scopes: the API checks `coordination:write` before
any of this), never for another municipality's:

| capability | who |
|---|---|
| decide a request (assess, accept, decline, appeal) | the KE of the request's municipality |
| appoint and change coordinator profiles | the KE of the coordinator's organisation |
| appoint or replace a plan's coordinator | the KE of the plan's municipality |
| edit a plan (fields, goals, measures, group, status, consents, evaluations) | the plan's
  current coordinator, or the KE of its municipality |

Organisation administrators administer users, services and API clients, not the KE's work."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from common.lookup import one_or_404
from pathways.access import audit_reads
from registry.capabilities import Capability, can
from registry.models import AuditObjectType

from .models import IndividualPlan, PlanRequest


def visible_plans(user):
    return IndividualPlan.objects.visible_to(user)


def visible_requests(user):
    return PlanRequest.objects.visible_to(user)


def _visible_one(user, queryset, uuid, object_type: AuditObjectType, log: bool):
    """The record, or 404 whether it does not exist or lies outside the user's scope; the
    read is audited unless `log` is off (the caller audits it with more)."""
    record = one_or_404(queryset, uuid=uuid)
    if log:
        audit_reads(user, [record], object_type=object_type, patient_of=lambda r: r.patient)
    return record


def get_visible_plan(user, uuid, *, log: bool = True) -> IndividualPlan:
    return _visible_one(user, visible_plans(user).select_related(
        "patient", "municipality", "coordinator__user"), uuid,
        AuditObjectType.INDIVIDUAL_PLAN, log)


def get_visible_request(user, uuid, *, log: bool = True) -> PlanRequest:
    return _visible_one(user, visible_requests(user).select_related("patient", "municipality"),
                        uuid, AuditObjectType.PLAN_REQUEST, log)


def is_ke_staff(user, organization) -> bool:
    """Acts for the organisation's coordinating unit: its KE staff or its EPJ system."""
    return bool(user and user.is_authenticated and user.is_active) and can(
        user, Capability.ACT_FOR_MUNICIPALITY, organization)


def can_decide_request(user, plan_request: PlanRequest) -> bool:
    return is_ke_staff(user, plan_request.municipality)


def can_manage_coordinators(user, organization) -> bool:
    return is_ke_staff(user, organization)


def can_assign_coordinator(user, plan: IndividualPlan) -> bool:
    return is_ke_staff(user, plan.municipality)


def is_current_coordinator(user, plan: IndividualPlan) -> bool:
    coordinator = plan.coordinator
    return (coordinator is not None and coordinator.active and user is not None
            and user.is_authenticated and user.is_active and coordinator.user_id == user.pk)


def can_edit_plan(user, plan: IndividualPlan) -> bool:
    """The current coordinator, or KE staff of the plan's municipality."""
    return is_current_coordinator(user, plan) or is_ke_staff(user, plan.municipality)


def require_can_edit_plan(user, plan: IndividualPlan) -> None:
    if not can_edit_plan(user, plan):
        raise PermissionDenied(_(
            "Only the plan's coordinator or the coordinating unit of %(municipality)s may "
            "change this plan.") % {"municipality": plan.municipality.name})


def require_can_assign_coordinator(user, plan: IndividualPlan) -> None:
    require_ke_staff(user, plan.municipality)


def require_ke_staff(user, organization) -> None:
    """Deciding requests and appointing coordinators is the coordinating unit's duty."""
    if not is_ke_staff(user, organization):
        raise PermissionDenied(_(
            "Only the coordinating unit of %(municipality)s may do this.")
            % {"municipality": organization.name})
