"""The individual plan (§ 19): its fields, evaluations and status. Its goals, measures and
responsible group are plan_items.py's, consent consents.py's; all follow the rules below.

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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from registry.models import AuditAction

from ..models import (
    ConsentScope,
    Evaluation,
    IndividualPlan,
    PlanStatus,
)
from ._common import bump, lock_plan, not_in_future
from .consents import end_consent_access
from .coordinators import _end_personal_access
from .experience import invite_to_experience_survey

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



def refuse_unknown(changes: dict, allowed: tuple, what: str) -> None:
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
    refuse_unknown(changes, PLAN_FIELDS, "plan")
    current = lock_plan(plan, by, expected_version=expected_version)
    if current.what_matters_by_patient and "what_matters" in changes:
        # The patient wrote it on their own pages: theirs alone (they may be messaged).
        if (changes["what_matters"] or "").strip() != current.what_matters:
            raise ValidationError({"what_matters": _(
                "The patient wrote this on their own pages, so only they change it. Send "
                "them a message instead.")})
        del changes["what_matters"]
        if not changes:
            return current
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
    if status == P.CLOSED:
        # The pathway has ended: the patient is asked how it went (PREM).
        invite_to_experience_survey(plan)
    return plan



def _end_plan_access(plan: IndividualPlan, *, by) -> None:
    """The plan is over: end the access it alone gave (see the module docstring)."""
    now = timezone.now()
    if plan.coordinator_id is not None:
        _end_personal_access(plan, plan.coordinator, by=by, at=now)
    organizations = {c.organization for c in plan.consents.filter(
        revoked_at__isnull=True).select_related("organization")}
    for organization in organizations:
        end_consent_access(plan, organization, by=by, at=now)



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
