"""What the patient (or the representative they chose) adds to the plan from their own door,
and the staff's side of it.

The patient's words are theirs alone: "what matters to me" and the goals they write on their
pages (Goal.written_by_patient) are never overwritten by staff. Staff propose a new wording
(GoalProposal) that the patient accepts or declines, and take the patient's goal into the plan
(acknowledge_patient_goal). A goal staff wrote (also when it records the patient's words) is
not the patient's to reword on their own: they comment on it in the message thread.

The patient's writes go through the same plan rules as the staff's: the plan row is locked,
a closed plan refuses, `expected_version` refuses a lost update (StaleVersion, with what
changed), and a change to the plan's content raises its version with a snapshot whose author
is the citizen and a summary code of models.plans.VERSION_SUMMARIES. Who may act is
pathways.citizen_access's: the part "plan" (the patient, or a representative granted the
plan), "self_report" (the patient alone). Comments, proposals and self-reports are not part
of the plan's snapshot: they are audited, but raise no version.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways.citizen_access import require_part
from registry.models import AuditAction

from ..models import (
    COMMENT_MAX_LENGTH,
    AchievementStatus,
    Goal,
    GoalProposal,
    IndividualPlan,
    Measure,
    MeasureComment,
    PlanStatus,
    ProposalStatus,
    SelfReport,
)
from ._common import bump, lock_plan, plan_conflict, record
from .plan_items import _check_goal

# Long enough for a paragraph in the patient's own words; a goal is a sentence or two.
WHAT_MATTERS_MAX_LENGTH = 4000
GOAL_MAX_LENGTH = 1000
SCORES = range(1, 11)
# Plans whose goals the patient scores before an evaluation: plans in force.
EVALUATED_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION)


def lock_plan_for_citizen(plan: IndividualPlan, by, part: str = "plan", *,
                          expected_version: int | None = None) -> IndividualPlan:
    """lock_plan for the patient's door: the citizen may act on the patient's `part`
    (PermissionDenied otherwise), the plan is open and, with `expected_version`, unchanged
    since they read it."""
    require_part(by, plan.patient, part)
    current = IndividualPlan.objects.select_for_update(of=("self",)).select_related(
        "coordinator__user", "municipality", "patient").get(pk=plan.pk)
    if current.is_closed:
        raise StateConflict(_("The plan is closed and can no longer be changed."),
                            code="closed", field="status")
    if expected_version is not None and current.version != expected_version:
        raise plan_conflict(current, expected_version)
    return current


def _text(value, field: str, limit: int, empty_message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: empty_message})
    if len(text) > limit:
        raise ValidationError({field: _(
            "Write at most %(limit)s characters (you wrote %(count)s).") % {
            "limit": limit, "count": len(text)}})
    return text


# -- The patient's words ---------------------------------------------------------------------

@transaction.atomic
def patient_write_what_matters(plan: IndividualPlan, *, by, text: str,
                               expected_version: int) -> IndividualPlan:
    """"What matters to me" in the patient's words; from now on staff do not change it."""
    current = lock_plan_for_citizen(plan, by, expected_version=expected_version)
    text = _text(text, "what_matters", WHAT_MATTERS_MAX_LENGTH,
                 _("Write what matters to you."))
    if text == current.what_matters and current.what_matters_by_patient:
        return current
    return bump(current, by, action=AuditAction.UPDATE, obj=current,
                summary="what matters changed by the patient", what_matters=text,
                what_matters_by_patient=True)


@transaction.atomic
def patient_add_goal(plan: IndividualPlan, *, by, text: str, target_date=None,
                     parent: Goal | None = None,
                     expected_version: int | None = None) -> Goal:
    """A goal in the patient's own words (with `parent`, a sub-goal). Staff see it as the
    patient's proposal until they take it into the plan."""
    current = lock_plan_for_citizen(plan, by, expected_version=expected_version)
    text = _text(text, "text", GOAL_MAX_LENGTH, _("Write your goal."))
    goal = Goal(plan=current, parent=parent, text=text, target_date=target_date,
                expressed_by_patient=True, written_by_patient=True,
                position=current.goals.filter(parent=parent).count())
    _check_goal(goal, current)
    goal.save()
    bump(current, by, action=AuditAction.CREATE, obj=goal, summary="goal added by the patient")
    return goal


def can_patient_reword(goal: Goal) -> bool:
    """The patient rewords the goals they wrote on their own pages; staff's goals they
    discuss with the coordinator."""
    return goal.written_by_patient


@transaction.atomic
def patient_update_goal(goal: Goal, *, by, text: str, expected_version: int) -> Goal:
    """A new wording of the patient's own goal. It stays theirs (and, if staff took it into
    the plan, in the plan); the earlier wording is in the version history."""
    current = lock_plan_for_citizen(goal.plan, by, expected_version=expected_version)
    goal = Goal.objects.select_for_update().get(pk=goal.pk, plan=current)
    if not can_patient_reword(goal):
        raise ValidationError({"text": _(
            "Your coordinator wrote this goal. Send them a message if you want it changed.")})
    text = _text(text, "text", GOAL_MAX_LENGTH, _("Write your goal."))
    if text == goal.text:
        return goal
    goal.text = text
    goal.reworded_by = goal.reworded_at = None  # the words are the patient's own again
    goal.save(update_fields=["text", "reworded_by", "reworded_at"])
    bump(current, by, action=AuditAction.UPDATE, obj=goal,
         summary="goal changed by the patient")
    return goal


@transaction.atomic
def answer_goal_proposal(proposal: GoalProposal, *, by, accept: bool) -> GoalProposal:
    """The patient takes the staff's wording (the goal reads so, still the patient's goal)
    or keeps their own words. A proposal already answered or withdrawn is a conflict."""
    current = lock_plan_for_citizen(proposal.plan, by)
    proposal = GoalProposal.objects.select_for_update().select_related("goal").get(
        pk=proposal.pk, plan=current)
    if proposal.status != ProposalStatus.OPEN:
        raise StateConflict(_("This proposal is no longer open: %(status)s.") % {
            "status": proposal_state(proposal)}, code="proposal_closed", field="status")
    now = timezone.now()
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    proposal.decided_by, proposal.decided_at = by, now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    record(by, AuditAction.UPDATE, proposal, current.patient, proposal.status)
    if accept:
        goal = proposal.goal
        goal.text = proposal.text
        goal.reworded_by_id, goal.reworded_at = proposal.proposed_by_id, now
        goal.save(update_fields=["text", "reworded_by", "reworded_at"])
        bump(current, by, action=AuditAction.UPDATE, obj=goal,
             summary="proposal accepted by the patient")
    return proposal


def proposal_state(proposal: GoalProposal) -> str:
    """The proposal's state in words a patient and staff both read."""
    return {
        ProposalStatus.OPEN: _("waiting for the patient's answer"),
        ProposalStatus.ACCEPTED: _("the patient accepted it"),
        ProposalStatus.DECLINED: _("the patient kept their own words"),
        ProposalStatus.WITHDRAWN: _("withdrawn"),
    }[proposal.status]


# -- Comments and the self-report -----------------------------------------------------------

@transaction.atomic
def comment_on_measure(measure: Measure, *, by, text: str) -> MeasureComment:
    """The patient's (or representative's) comment on a measure of an open plan."""
    current = lock_plan_for_citizen(measure.plan, by)
    measure = Measure.objects.get(pk=measure.pk, plan=current)
    text = _text(text, "text", COMMENT_MAX_LENGTH, _("Write your comment."))
    comment = MeasureComment.objects.create(measure=measure, text=text, written_by=by)
    record(by, AuditAction.CREATE, comment, current.patient, "comment on a measure")
    return comment


def self_report_goals(plan: IndividualPlan) -> list[Goal]:
    """The goals the patient scores: every goal of the plan but those dropped, main goals
    each followed by its sub-goals."""
    goals = list(plan.goals.exclude(status=AchievementStatus.DROPPED).order_by("position", "pk"))
    return ordered_goals(goals)


def ordered_goals(goals) -> list[Goal]:
    """Main goals in order, each followed by its sub-goals (a sub-goal whose main goal is not
    among `goals` comes last)."""
    shown = {g.pk for g in goals}
    result = []
    for goal in goals:
        if goal.parent_id is None:
            result.append(goal)
            result.extend(g for g in goals if g.parent_id == goal.pk)
    result.extend(g for g in goals if g.parent_id is not None and g.parent_id not in shown)
    return result


def score_field(goal: Goal, name: str) -> str:
    """The key of one answer: the self-report form's field name and the service's error
    key, e.g. "performance-<goal uuid>"."""
    return f"{name}-{goal.uuid}"


def _score(value, goal: Goal, name: str, errors: dict):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number not in SCORES:
        errors[score_field(goal, name)] = _("Choose a number from 1 to 10.")
    return number


@transaction.atomic
def submit_self_report(plan: IndividualPlan, *, by, scores: dict) -> list[SelfReport]:
    """The patient's scores before the plan's next evaluation, per goal: `scores` maps a
    goal of the plan to (performance, satisfaction, comment), each score 1-10. Submitting
    again before the evaluation is recorded changes the answers. Errors are per goal and
    field (score_field); nothing is written unless every answer is valid."""
    current = lock_plan_for_citizen(plan, by, "self_report")
    if current.status not in EVALUATED_STATUSES or current.next_evaluation_on is None:
        raise StateConflict(_("No evaluation of the plan is planned yet, so there is nothing "
                              "to answer now."), code="no_evaluation")
    if not scores:
        raise ValidationError(_("Answer for at least one goal."))
    errors, rows = {}, []
    for goal, (performance, satisfaction, comment) in scores.items():
        if goal.plan_id != current.pk:
            raise PermissionDenied(_("That goal belongs to another plan."))
        performance = _score(performance, goal, "performance", errors)
        satisfaction = _score(satisfaction, goal, "satisfaction", errors)
        comment = (comment or "").strip()
        if len(comment) > COMMENT_MAX_LENGTH:
            errors[score_field(goal, "comment")] = _(
                "Write at most %(limit)s characters (you wrote %(count)s).") % {
                "limit": COMMENT_MAX_LENGTH, "count": len(comment)}
        rows.append((goal, performance, satisfaction, comment))
    if errors:
        raise ValidationError(errors)
    now, reports = timezone.now(), []
    for goal, performance, satisfaction, comment in rows:
        report, created = SelfReport.objects.update_or_create(
            goal=goal, for_evaluation_on=current.next_evaluation_on,
            defaults={"plan": current, "performance": performance,
                      "satisfaction": satisfaction, "comment": comment, "submitted_by": by,
                      "submitted_at": now})
        record(by, AuditAction.CREATE if created else AuditAction.UPDATE, report,
               current.patient, f"for {current.next_evaluation_on.isoformat()}")
        reports.append(report)
    return reports


# -- The staff's side ------------------------------------------------------------------------

@transaction.atomic
def propose_goal_wording(goal: Goal, *, by, text: str, reason: str = "",
                         expected_version: int | None = None) -> GoalProposal:
    """Staff propose a new wording of a goal the patient wrote; the patient accepts it or
    keeps their words. One open proposal per goal."""
    current = lock_plan(goal.plan, by, expected_version=expected_version)
    goal = Goal.objects.get(pk=goal.pk, plan=current)
    if not goal.written_by_patient:
        raise ValidationError({"text": _(
            "Staff wrote this goal: reword it instead of proposing.")})
    text = _text(text, "text", GOAL_MAX_LENGTH, _("Write the wording you propose."))
    if text == goal.text:
        raise ValidationError({"text": _("That is the goal's wording already.")})
    if goal.proposals.filter(status=ProposalStatus.OPEN).exists():
        raise StateConflict(_("A proposal for this goal is waiting for the patient: withdraw "
                              "it first."), code="open_proposal", field="text")
    proposal = GoalProposal.objects.create(plan=current, goal=goal, text=text,
                                           reason=(reason or "").strip(), proposed_by=by)
    record(by, AuditAction.CREATE, proposal, current.patient, "new wording proposed")
    return proposal


@transaction.atomic
def withdraw_goal_proposal(proposal: GoalProposal, *, by) -> GoalProposal:
    current = lock_plan(proposal.plan, by)
    proposal = GoalProposal.objects.select_for_update().get(pk=proposal.pk, plan=current)
    if proposal.status != ProposalStatus.OPEN:
        raise StateConflict(_("This proposal is no longer open: %(status)s.") % {
            "status": proposal_state(proposal)}, code="proposal_closed", field="status")
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    record(by, AuditAction.UPDATE, proposal, current.patient, "withdrawn")
    return proposal


@transaction.atomic
def acknowledge_patient_goal(goal: Goal, *, by, expected_version: int | None = None) -> Goal:
    """Staff take the patient's goal into the plan: it is no longer shown as the patient's
    proposal. Its wording stays the patient's."""
    current = lock_plan(goal.plan, by, expected_version=expected_version)
    goal = Goal.objects.select_for_update().get(pk=goal.pk, plan=current)
    if not goal.written_by_patient:
        raise StateConflict(_("Staff wrote this goal; it is in the plan already."),
                            code="not_patients")
    if goal.acknowledged_at is not None:
        raise StateConflict(_("The goal is in the plan already."), code="acknowledged")
    goal.acknowledged_at, goal.acknowledged_by = timezone.now(), by
    goal.save(update_fields=["acknowledged_at", "acknowledged_by"])
    bump(current, by, action=AuditAction.UPDATE, obj=goal, summary="goal taken into the plan")
    return goal
