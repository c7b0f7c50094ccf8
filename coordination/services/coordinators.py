"""Coordinators: profiles, load, and (re)assignment to a plan. The coordinator sees the patient
through a personal care relationship that lasts as long as the assignment."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StaleVersion, StateConflict
from pathways.models import CareRelationship, CareRelationshipReason
from pathways.services import end_care_relationship, grant_care_relationship
from registry.models import AuditAction, AuditObjectType, Membership, Organization

from ..access import require_ke_staff
from ..models import (
    OPEN_PLAN_STATUSES,
    Coordinator,
    CoordinatorAssignment,
    CoordinatorKind,
    IndividualPlan,
)
from ._common import bump, lock_plan, notify_users, plan_url, record

PROFILE_FIELDS = ("kind", "profession", "training_completed_on", "capacity", "active")


@transaction.atomic
def create_coordinator_profile(*, user, organization: Organization, by,
                               kind: str = CoordinatorKind.GENERAL, profession: str = "",
                               training_completed_on=None, capacity: int = 10) -> Coordinator:
    """The KE appoints one of the organisation's staff as a coordinator (of a kind)."""
    require_ke_staff(by, organization)
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError({"user": _("The coordinator must work for %(org)s.") % {
            "org": organization.name}})
    coordinator = Coordinator(user=user, organization=organization, kind=kind,
                              profession=profession, capacity=capacity,
                              training_completed_on=training_completed_on,
                              created_by=by, updated_by=by)
    coordinator.full_clean()
    coordinator.save()
    record(by, AuditAction.CREATE, coordinator, None, f"{kind} {organization.name}",
           object_type=AuditObjectType.COORDINATOR)
    return coordinator


@transaction.atomic
def update_coordinator_profile(coordinator: Coordinator, *, by,
                               expected_version: int | None = None, **changes) -> Coordinator:
    """Change training, capacity or kind, or deactivate (active=False): an inactive
    coordinator keeps the plans they have but gets no new ones. With `expected_version`, a
    profile changed since is a StaleVersion."""
    require_ke_staff(by, coordinator.organization)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown coordinator fields: {sorted(unknown)}")
    current = Coordinator.objects.select_for_update().get(pk=coordinator.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    coordinator.version = current.version + 1
    for name, value in changes.items():
        setattr(coordinator, name, value)
    coordinator.updated_by = by
    coordinator.full_clean()
    coordinator.save()
    record(by, AuditAction.UPDATE, coordinator, None, ", ".join(sorted(changes)),
           object_type=AuditObjectType.COORDINATOR)
    return coordinator


def coordinators_with_load(organization: Organization | None = None) -> QuerySet:
    """Coordinators annotated with `load` (open plans they coordinate now) and
    `over_capacity`, in one query whatever the number of coordinators."""
    queryset = Coordinator.objects.select_related("user", "organization")
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset.annotate(
        load=Count("plans", filter=Q(plans__status__in=OPEN_PLAN_STATUSES), distinct=True),
    ).annotate(
        over_capacity=ExpressionWrapper(Q(load__gt=F("capacity")),
                                        output_field=BooleanField()),
    )


def coordinator_load(coordinator: Coordinator, *, excluding: IndividualPlan | None = None) -> int:
    plans = coordinator.plans.filter(status__in=OPEN_PLAN_STATUSES)
    if excluding is not None:
        plans = plans.exclude(pk=excluding.pk)
    return plans.count()


def _refuse(message: str, code: str):
    raise ValidationError({"coordinator": ValidationError(message, code=code)})


def check_coordinator(coordinator: Coordinator, municipality: Organization, *,
                      plan: IndividualPlan | None = None,
                      allow_over_capacity: bool = False) -> None:
    """A coordinator of the plan's municipality, active, and with room (unless the KE says
    to assign anyway)."""
    if coordinator.organization_id != municipality.pk:
        _refuse(_("%(name)s is a coordinator in %(org)s, not in %(municipality)s.") % {
            "name": coordinator.user.display_name(), "org": coordinator.organization.name,
            "municipality": municipality.name}, "other_organization")
    if not coordinator.active or not coordinator.user.is_active:
        _refuse(_("%(name)s is not an active coordinator.") % {
            "name": coordinator.user.display_name()}, "inactive")
    load = coordinator_load(coordinator, excluding=plan)
    if load >= coordinator.capacity and not allow_over_capacity:
        _refuse(_("%(name)s already coordinates %(load)s plans (capacity %(capacity)s). "
                  "Confirm to assign anyway.") % {
            "name": coordinator.user.display_name(), "load": load,
            "capacity": coordinator.capacity}, "over_capacity")


def _personal_relationships(patient, user):
    return CareRelationship.objects.active().filter(
        patient=patient, user=user, reason=CareRelationshipReason.COORDINATION)


def _end_personal_access(plan: IndividualPlan, coordinator: Coordinator, *, by, at) -> None:
    """The leaving coordinator's personal relationship ends, unless they still coordinate
    another open plan for the same patient."""
    still = IndividualPlan.objects.filter(
        patient=plan.patient, coordinator=coordinator, status__in=OPEN_PLAN_STATUSES,
    ).exclude(pk=plan.pk).exists()
    if still:
        return
    for relationship in _personal_relationships(plan.patient, coordinator.user).select_related(
            "patient", "organization"):
        end_care_relationship(relationship, by=by, at=at)


def _assign(plan: IndividualPlan, coordinator: Coordinator, *, by, patient_wishes: str,
            summary: str) -> CoordinatorAssignment:
    """End the current assignment (if any), start the new one, move the personal access.
    `plan` must be locked and checked by the caller."""
    now = timezone.now()
    previous = plan.assignments.filter(ended_at__isnull=True).select_related(
        "coordinator__user").first()
    if previous is not None:
        if not CoordinatorAssignment.objects.filter(
                pk=previous.pk, ended_at__isnull=True).update(ended_at=now):
            raise StateConflict(_("The coordinator changed at the same moment; reload."),
                                code="concurrent_assignment", field="coordinator")
    try:
        with transaction.atomic():
            assignment = CoordinatorAssignment.objects.create(
                plan=plan, coordinator=coordinator, patient_wishes=patient_wishes,
                assigned_at=now, assigned_by=by)
    except IntegrityError as exc:
        raise StateConflict(_("The coordinator changed at the same moment; reload."),
                            code="concurrent_assignment", field="coordinator") from exc
    if previous is not None and previous.coordinator.user_id != coordinator.user_id:
        _end_personal_access(plan, previous.coordinator, by=by, at=now)
    if not _personal_relationships(plan.patient, coordinator.user).exists():
        grant_care_relationship(plan.patient, coordinator.organization,
                                CareRelationshipReason.COORDINATION, by=by,
                                user=coordinator.user, valid_from=now)
    bump(plan, by, action=AuditAction.UPDATE, obj=plan, summary=summary,
         coordinator=coordinator)
    record(by, AuditAction.CREATE, assignment, plan.patient,
           f"plan {plan.uuid}: coordinator {coordinator.user.display_name()}")
    notify_users([coordinator.user], kind="coordination.coordinator_assigned",
                 title=_("You have been appointed coordinator for a patient"),
                 url=plan_url(plan), subject=plan, patient=plan.patient)
    return assignment


@transaction.atomic
def assign_coordinator(plan: IndividualPlan, coordinator: Coordinator, *, by,
                       patient_wishes: str = "", allow_over_capacity: bool = False,
                       expected_version: int | None = None) -> CoordinatorAssignment:
    """Appoint (or replace) the plan's coordinator. The patient's wishes weigh in the choice
    and are kept with the assignment; the history of assignments is kept."""
    require_ke_staff(by, plan.municipality)
    plan = lock_plan(plan, by, expected_version=expected_version)
    if plan.coordinator_id == coordinator.pk:
        raise StateConflict(_("%(name)s already coordinates this plan.") % {
            "name": coordinator.user.display_name()}, code="already_assigned",
            field="coordinator")
    check_coordinator(coordinator, plan.municipality, plan=plan,
                      allow_over_capacity=allow_over_capacity)
    summary = "coordinator reassigned" if plan.coordinator_id else "coordinator assigned"
    return _assign(plan, coordinator, by=by, patient_wishes=patient_wishes, summary=summary)
