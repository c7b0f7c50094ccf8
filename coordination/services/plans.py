"""The individual plan (§ 19): its fields, the patient's goals, measures, the responsible
group, consent and evaluations, and its status.

Every write checks can_edit_plan, locks the plan row, refuses a closed (or declined) plan,
optionally checks `expected_version` (optimistic locking; the whole-plan update requires it),
then raises the version by a conditional UPDATE, stores a PlanVersion snapshot and audits.
Revoking consent is the one write a closed plan accepts: it only narrows access, and the
patient may withdraw consent at any time.

Closing (or declining) a plan ends the access the plan gave: the coordinator's personal
relationship and the consenting organisations' individual_plan relationships, each unless
another open plan of the patient still grounds it. The municipality's coordinating unit keeps
the closed plan on its own grounds (it holds the record); the assignment history and the
consents stay as they were, for the record.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways.models import CareRelationship, CareRelationshipReason
from pathways.services import end_care_relationship, grant_care_relationship
from registry.models import AuditAction, Organization, ServiceOffering

from ..models import (
    OPEN_PLAN_STATUSES,
    AchievementStatus,
    Consent,
    ConsentScope,
    Evaluation,
    Goal,
    IndividualPlan,
    Measure,
    PlanParticipant,
    PlanStatus,
)
from ._common import bump, lock_plan, not_in_future
from .coordinators import _end_personal_access

P = PlanStatus
# The allowed transitions: from → the states it may move to. Closing is possible from every
# open state (the patient moves, dies or no longer wants the plan); declining only before the
# plan is in force; a coordinator-only plan (requested) becomes an IP by going to preparation.
TRANSITIONS = {
    P.REQUESTED: {P.IN_PREPARATION, P.DECLINED, P.CLOSED},
    P.IN_PREPARATION: {P.ACTIVE, P.DECLINED, P.CLOSED},
    P.ACTIVE: {P.UNDER_EVALUATION, P.CLOSED},
    P.UNDER_EVALUATION: {P.ACTIVE, P.CLOSED},
}
PLAN_FIELDS = ("what_matters", "resources", "service_needs", "other_agencies", "period_start",
               "period_end", "next_evaluation_on")
GOAL_FIELDS = ("text", "parent", "expressed_by_patient", "target_date", "status", "position")
MEASURE_FIELDS = ("goal", "service", "description", "responsible_person",
                  "responsible_organization", "extent", "starts_on", "ends_on", "status",
                  "position")
PARTICIPANT_FIELDS = ("kind", "name", "user", "organization", "contribution")


def _unknown(changes: dict, allowed: tuple, what: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown {what} fields: {sorted(unknown)}")


def evaluation_interval() -> datetime.timedelta:
    return datetime.timedelta(days=settings.COORDINATION_DEADLINES["EVALUATION_INTERVAL_DAYS"])


# -- The plan itself -------------------------------------------------------------------------

@transaction.atomic
def update_plan(plan: IndividualPlan, *, by, expected_version: int,
                **changes) -> IndividualPlan:
    """Change the plan's own fields unless someone saved in between (a StaleVersion lists
    what they changed)."""
    _unknown(changes, PLAN_FIELDS, "plan")
    current = lock_plan(plan, by, expected_version=expected_version)
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
            changes[name] = value
        setattr(current, name, value)
    current.full_clean()
    return bump(current, by, action=AuditAction.UPDATE, obj=current,
                summary="plan: " + ", ".join(sorted(changes)), **changes)


def _activation_problems(plan: IndividualPlan) -> list[str]:
    problems = []
    if plan.coordinator_id is None:
        problems.append(_("Appoint a coordinator."))
    if not plan.goals.exists():
        problems.append(_("Write down at least one goal in the patient's own words."))
    if not plan.consents.filter(scope=ConsentScope.PLAN, revoked_at__isnull=True).exists():
        problems.append(_("Record the patient's consent to the plan."))
    return problems


@transaction.atomic
def set_status(plan: IndividualPlan, status: str, *, by, expected_version: int | None = None,
               note: str = "") -> IndividualPlan:
    """Move the plan along TRANSITIONS. Activating needs a coordinator, a goal and consent to
    the plan; it starts the plan period and schedules the first evaluation if not set."""
    current = lock_plan(plan, by, expected_version=expected_version)
    allowed_from = {source for source, targets in TRANSITIONS.items() if status in targets}
    if current.status not in allowed_from:
        raise StateConflict(_("A plan that is %(current)s cannot become %(target)s.") % {
            "current": current.get_status_display().lower(),
            "target": PlanStatus(status).label.lower()},
            code="invalid_transition", field="status")
    changes = {"status": status}
    if status == P.ACTIVE:
        problems = _activation_problems(current)
        if problems:
            raise ValidationError({"status": problems})
        today = timezone.localdate()
        if current.period_start is None:
            changes["period_start"] = today
        if current.next_evaluation_on is None:
            changes["next_evaluation_on"] = today + evaluation_interval()
    summary = f"status {current.status} → {status}" + (f": {note}" if note else "")
    plan = bump(current, by, action=AuditAction.UPDATE, obj=current, summary=summary,
                only_from=allowed_from, **changes)
    if status in (P.CLOSED, P.DECLINED):
        _end_plan_access(plan, by=by)
    return plan


def _end_plan_access(plan: IndividualPlan, *, by) -> None:
    """The plan is over: end the access it alone gave (see the module docstring)."""
    now = timezone.now()
    if plan.coordinator_id is not None:
        _end_personal_access(plan, plan.coordinator, by=by, at=now)
    organizations = {c.organization for c in plan.consents.filter(
        revoked_at__isnull=True).select_related("organization")}
    for organization in organizations:
        _end_consent_access(plan, organization, by=by, at=now)


def _end_consent_access(plan: IndividualPlan, organization: Organization, *, by, at) -> None:
    """End the organisation's individual_plan relationship unless a standing consent on
    another open plan of the patient still grounds it."""
    standing = Consent.objects.filter(
        plan__patient=plan.patient, plan__status__in=OPEN_PLAN_STATUSES,
        organization=organization, revoked_at__isnull=True).exists()
    if standing:
        return
    for relationship in _plan_relationships(plan, organization).select_related(
            "patient", "organization"):
        end_care_relationship(relationship, by=by, at=at)


# -- Goals ---------------------------------------------------------------------------------

def _check_goal(goal: Goal, plan: IndividualPlan) -> None:
    goal.text = (goal.text or "").strip()
    parent = goal.parent
    if parent is not None:
        if parent.plan_id != plan.pk:
            raise ValidationError({"parent": _("That goal belongs to another plan.")})
        if parent.parent_id is not None or (goal.pk and parent.pk == goal.pk):
            raise ValidationError({"parent": _("A sub-goal belongs under a main goal.")})
        if goal.pk and goal.sub_goals.exists():
            raise ValidationError({"parent": _("A goal with sub-goals cannot be a sub-goal.")})
    goal.full_clean()


@transaction.atomic
def add_goal(plan: IndividualPlan, *, by, text: str, parent: Goal | None = None,
             target_date: datetime.date | None = None, expressed_by_patient: bool = True,
             status: str = AchievementStatus.NOT_STARTED, position: int | None = None,
             expected_version: int | None = None) -> Goal:
    """A goal in the patient's own words; with `parent`, a sub-goal (delmål)."""
    current = lock_plan(plan, by, expected_version=expected_version)
    if position is None:
        position = current.goals.filter(parent=parent).count()
    goal = Goal(plan=current, parent=parent, text=text, target_date=target_date,
                expressed_by_patient=expressed_by_patient, status=status, position=position)
    _check_goal(goal, current)
    goal.save()
    bump(current, by, action=AuditAction.CREATE, obj=goal, summary="goal added")
    return goal


@transaction.atomic
def update_goal(goal: Goal, *, by, expected_version: int | None = None, **changes) -> Goal:
    _unknown(changes, GOAL_FIELDS, "goal")
    current = lock_plan(goal.plan, by, expected_version=expected_version)
    goal = Goal.objects.get(pk=goal.pk, plan=current)
    for name, value in changes.items():
        setattr(goal, name, value)
    _check_goal(goal, current)
    goal.save()
    bump(current, by, action=AuditAction.UPDATE, obj=goal,
         summary="goal: " + ", ".join(sorted(changes)))
    return goal


# -- Measures ------------------------------------------------------------------------------

def _check_measure(measure: Measure, plan: IndividualPlan, changed: set) -> None:
    measure.description = (measure.description or "").strip()
    if measure.goal_id is not None and measure.goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("That goal belongs to another plan.")})
    if "service" in changed and measure.service_id is not None and not measure.service.active:
        raise ValidationError({"service": _("The service is no longer offered.")})
    measure.full_clean()


@transaction.atomic
def add_measure(plan: IndividualPlan, *, by, service: ServiceOffering | None = None,
                description: str = "", goal: Goal | None = None, responsible_person: str = "",
                responsible_organization: Organization | None = None, extent: str = "",
                starts_on: datetime.date | None = None, ends_on: datetime.date | None = None,
                status: str | None = None, position: int | None = None,
                expected_version: int | None = None) -> Measure:
    """A measure: a service on the pyramid (its level follows from the service) or free
    text; who is responsible, how much, from when to when."""
    current = lock_plan(plan, by, expected_version=expected_version)
    measure = Measure(plan=current, service=service, description=description, goal=goal,
                      responsible_person=responsible_person,
                      responsible_organization=responsible_organization, extent=extent,
                      starts_on=starts_on, ends_on=ends_on,
                      position=current.measures.count() if position is None else position)
    if status:
        measure.status = status
    _check_measure(measure, current, {"service"})
    measure.save()
    bump(current, by, action=AuditAction.CREATE, obj=measure, summary="measure added")
    return measure


@transaction.atomic
def update_measure(measure: Measure, *, by, expected_version: int | None = None,
                   **changes) -> Measure:
    _unknown(changes, MEASURE_FIELDS, "measure")
    current = lock_plan(measure.plan, by, expected_version=expected_version)
    measure = Measure.objects.get(pk=measure.pk, plan=current)
    for name, value in changes.items():
        setattr(measure, name, value)
    _check_measure(measure, current, set(changes))
    measure.save()
    bump(current, by, action=AuditAction.UPDATE, obj=measure,
         summary="measure: " + ", ".join(sorted(changes)))
    return measure


# -- The responsible group -----------------------------------------------------------------

@transaction.atomic
def add_participant(plan: IndividualPlan, *, by, kind: str, name: str = "", user=None,
                    organization: Organization | None = None, contribution: str = "",
                    expected_version: int | None = None) -> PlanParticipant:
    """A member of the responsible group and what they contribute. Membership gives no
    access: an organisation sees the plan through the patient's consent (record_consent)."""
    current = lock_plan(plan, by, expected_version=expected_version)
    name = (name or "").strip() or (user.display_name() if user is not None else "")
    participant = PlanParticipant(plan=current, kind=kind, name=name, user=user,
                                  organization=organization, contribution=contribution.strip())
    participant.full_clean()
    participant.save()
    bump(current, by, action=AuditAction.CREATE, obj=participant, summary="participant added")
    return participant


@transaction.atomic
def remove_participant(participant: PlanParticipant, *, by,
                       expected_version: int | None = None) -> None:
    current = lock_plan(participant.plan, by, expected_version=expected_version)
    PlanParticipant.objects.filter(pk=participant.pk, plan=current).delete()
    bump(current, by, action=AuditAction.DELETE, obj=participant,
         summary="participant removed")


# -- Consent -------------------------------------------------------------------------------

def _plan_relationships(plan: IndividualPlan, organization: Organization):
    return CareRelationship.objects.active().filter(
        patient=plan.patient, organization=organization, user__isnull=True,
        reason=CareRelationshipReason.INDIVIDUAL_PLAN)


@transaction.atomic
def record_consent(plan: IndividualPlan, organization: Organization, scope: str, method: str,
                   *, by, given_at: datetime.datetime | None = None,
                   expected_version: int | None = None) -> Consent:
    """The patient's consent for one organisation; while it stands, the organisation's staff
    see the patient (care relationship, reason individual_plan)."""
    current = lock_plan(plan, by, expected_version=expected_version)
    given_at = given_at or timezone.now()
    not_in_future(given_at, "given_at")
    consent = Consent(plan=current, organization=organization, scope=scope, method=method,
                      given_at=given_at, recorded_by=by)
    consent.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:
        raise StateConflict(_("%(org)s already has this consent.") % {
            "org": organization.name}, code="already_consented", field="organization") from exc
    if not _plan_relationships(current, organization).exists():
        grant_care_relationship(current.patient, organization,
                                CareRelationshipReason.INDIVIDUAL_PLAN, by=by)
    bump(current, by, action=AuditAction.CREATE, obj=consent,
         summary=f"consent {scope}: {organization.name}")
    return consent


@transaction.atomic
def revoke_consent(consent: Consent, *, by, expected_version: int | None = None) -> Consent:
    """The patient withdraws consent. When the organisation has no other standing consent
    for the patient's open plans, its individual_plan relationship ends: its staff keep the
    patient only on other grounds."""
    current = lock_plan(consent.plan, by, expected_version=expected_version, allow_closed=True)
    now = timezone.now()
    if not Consent.objects.filter(pk=consent.pk, plan=current, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by):
        raise StateConflict(_("The consent was already revoked."), code="already_revoked")
    consent.refresh_from_db()
    _end_consent_access(current, consent.organization, by=by, at=now)
    bump(current, by, action=AuditAction.UPDATE, obj=consent, allow_closed=True,
         summary=f"consent revoked: {consent.organization.name}")
    return consent


# -- Evaluations ---------------------------------------------------------------------------

@transaction.atomic
def record_evaluation(plan: IndividualPlan, *, by, evaluated_on: datetime.date, summary: str,
                      goal_achievement: str = "",
                      next_evaluation_on: datetime.date | None = None,
                      expected_version: int | None = None) -> Evaluation:
    """Record an evaluation of a plan in force and schedule the next one (by default
    EVALUATION_INTERVAL_DAYS after this one). The status stays as it is: set_status moves
    the plan back to active."""
    current = lock_plan(plan, by, expected_version=expected_version)
    if current.status not in (P.ACTIVE, P.UNDER_EVALUATION):
        raise StateConflict(_("Only a plan in force can be evaluated."), code="not_active",
                            field="status")
    not_in_future(evaluated_on, "evaluated_on")
    next_evaluation_on = next_evaluation_on or evaluated_on + evaluation_interval()
    if next_evaluation_on <= evaluated_on:
        raise ValidationError({"next_evaluation_on": _(
            "The next evaluation must come after this one.")})
    evaluation = Evaluation(plan=current, evaluated_on=evaluated_on, summary=summary.strip(),
                            goal_achievement=goal_achievement.strip(), evaluated_by=by)
    evaluation.full_clean()
    evaluation.save()
    bump(current, by, action=AuditAction.CREATE, obj=evaluation, summary="evaluation",
         next_evaluation_on=next_evaluation_on)
    return evaluation


def current_plan_version(plan: IndividualPlan) -> int:
    """The version an editor should send back as expected_version."""
    return IndividualPlan.objects.filter(pk=plan.pk).values_list("version", flat=True).get()
