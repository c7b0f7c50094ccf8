"""The plan's parts: the patient's goals (and sub-goals), the measures towards them and the
responsible group. Each write follows the plan's rules (coordination.services.plans): it
checks can_edit_plan, locks the plan, refuses a closed plan and raises its version."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AuditAction, Organization, ServiceOffering

from ..models import (
    AchievementStatus,
    Goal,
    IndividualPlan,
    Measure,
    PlanParticipant,
)
from ._common import bump, lock_plan
from .plans import refuse_unknown

GOAL_FIELDS = ("text", "parent", "expressed_by_patient", "target_date", "status", "position")


MEASURE_FIELDS = ("goal", "service", "description", "responsible_person",
                  "responsible_organization", "extent", "starts_on", "ends_on", "status",
                  "position")


PARTICIPANT_FIELDS = ("kind", "name", "user", "organization", "contribution")



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
    """Change the goal. A new wording keeps whose words the goal is (expressed_by_patient,
    unless given) and records who reworded it and when; the version history keeps the old
    wording."""
    refuse_unknown(changes, GOAL_FIELDS, "goal")
    current = lock_plan(goal.plan, by, expected_version=expected_version)
    goal = Goal.objects.get(pk=goal.pk, plan=current)
    old_text = goal.text
    if goal.written_by_patient and "text" in changes and \
            (changes["text"] or "").strip() != old_text:
        # The patient's own words: staff propose (patient_input.propose_goal_wording).
        raise ValidationError({"text": _(
            "Written by the patient: propose a new wording instead.")})
    for name, value in changes.items():
        setattr(goal, name, value)
    _check_goal(goal, current)
    if goal.text != old_text:
        goal.reworded_by, goal.reworded_at = by, timezone.now()
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
    refuse_unknown(changes, MEASURE_FIELDS, "measure")
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
