"""Who may see and change requests and plans. Seeing follows the patient's care relationships
(Patient.objects.visible_to, through the models' visible_to); changing a plan is for its
current coordinator and the KE staff of its municipality; deciding a request is the KE's."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from pathways.access import acts_for, log_patient_access
from registry.models import AuditAction, Role

from .models import IndividualPlan, PlanRequest

KE_ROLES = (Role.KE_STAFF,)


def visible_plans(user):
    return IndividualPlan.objects.visible_to(user)


def visible_requests(user):
    return PlanRequest.objects.visible_to(user)


def get_visible_plan(user, uuid, *, log: bool = True) -> IndividualPlan:
    """The plan, or 404 whether it does not exist or lies outside the user's scope; the read
    is audited."""
    try:
        plan = visible_plans(user).select_related(
            "patient", "municipality", "coordinator__user").get(uuid=uuid)
    except (IndividualPlan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such plan.") from exc
    if log:
        log_patient_access(user, AuditAction.VIEW, [plan.patient], object_type="individualplan",
                           object_ids={plan.patient.pk: plan.uuid})
    return plan


def get_visible_request(user, uuid, *, log: bool = True) -> PlanRequest:
    try:
        request = visible_requests(user).select_related("patient", "municipality").get(uuid=uuid)
    except (PlanRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such request.") from exc
    if log:
        log_patient_access(user, AuditAction.VIEW, [request.patient], object_type="planrequest",
                           object_ids={request.patient.pk: request.uuid})
    return request


def is_ke_staff(user, organization) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and acts_for(
        user, organization, KE_ROLES)


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


def require_ke_staff(user, organization) -> None:
    """Deciding requests and appointing coordinators is the coordinating unit's duty."""
    if not is_ke_staff(user, organization):
        raise PermissionDenied(_(
            "Only the coordinating unit of %(municipality)s may do this.")
            % {"municipality": organization.name})
