"""The plan page's "From the patient" part: what the patient (or their representative) added
on their own pages. The goals they wrote and staff have not yet taken into the plan (each a
proposal with a "Take into the plan" button), the staff's proposed wordings of the patient's
goals and how the patient answered, the patient's comments on measures, and their latest
self-report per goal beside the previous one. On the goal list a goal the patient wrote gets
"Propose new wording" instead of the reword form (goal_forms.html): its words are the
patient's.

Queries, whatever the number of goals, comments and reports: at most three. The comments
(with their authors) when the plan has measures, the self-reports when it has been in force,
the proposals when the patient wrote a goal; the goals and measures are the page's
(plan_context's prefetch)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.htmx import CONFLICT, UNPROCESSABLE, action_view, form_step, run_action
from common.lookup import one_or_404

from .. import services
from ..access import get_visible_plan
from ..forms import VersionedForm
from ..models import (
    Goal,
    GoalProposal,
    MeasureComment,
    PlanStatus,
    ProposalStatus,
    SelfReport,
)
from ..services.patient_input import ordered_goals, proposal_state
from . import plan as plan_page  # plan imports this module: read at call time

PROPOSALS_SHOWN = 50
COMMENTS_SHOWN = 30
# Self-reports read at most (the latest two evaluations' are shown): goals times evaluations.
REPORTS_READ = 400
# The statuses of a plan that may have self-reports: in force now or before it was closed
# (a plan in preparation has never been evaluated).
HAS_BEEN_IN_FORCE = (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION, PlanStatus.CLOSED)
# A refused form of this module travels to context() on the request: plan_context hands its
# hook no forms.
FORMS_ATTR = "_plan_from_patient_forms"


class ProposeWordingForm(VersionedForm):
    text = forms.CharField(label=gettext_lazy("The wording you propose"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(
        label=gettext_lazy("Why (the patient reads this)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))


def propose_key(goal) -> str:
    return f"goal_propose-{goal.pk}"


def _propose_form(goal, data=None, **kwargs):
    return ProposeWordingForm(data, auto_id=f"id_goalpropose{goal.pk}_%s", **kwargs)


def context(request, plan, *, editable: bool) -> dict:
    goals = list(plan.goals.all())  # the page's prefetch: the same objects the list shows
    patient_goals = [g for g in goals if g.written_by_patient]
    proposals = []
    if patient_goals:  # only the patient's goals have proposals
        proposals = list(GoalProposal.objects.filter(plan=plan).select_related(
            "proposed_by", "decided_by").order_by("-proposed_at", "-pk")[:PROPOSALS_SHOWN])
    goal_by_pk = {g.pk: g for g in goals}
    open_by_goal = {}
    for proposal in proposals:
        proposal.goal_shown = goal_by_pk.get(proposal.goal_id)
        proposal.state = proposal_state(proposal)
        proposal.is_open = proposal.status == ProposalStatus.OPEN
        if proposal.is_open:
            open_by_goal[proposal.goal_id] = proposal
    refused = getattr(request, FORMS_ATTR, {})
    for goal in patient_goals:
        goal.open_proposal = open_by_goal.get(goal.pk)
        if editable and goal.open_proposal is None:
            goal.propose_key = propose_key(goal)
            goal.propose_form = refused.get(goal.propose_key) or _propose_form(
                goal, initial={"version": plan.version, "text": goal.text})

    measures = {m.pk: m for m in plan.measures.all()}
    comments = []
    if measures:  # comments are on measures
        comments = list(MeasureComment.objects.filter(measure__plan=plan).select_related(
            "written_by").order_by("-written_at", "-pk")[:COMMENTS_SHOWN])
    for comment in comments:
        comment.measure_shown = measures.get(comment.measure_id)

    context = {
        "patient_goals_waiting": [g for g in patient_goals if g.acknowledged_at is None],
        "goal_proposals": proposals,
        "measure_comments": comments,
        **self_report_rows(plan, goals),
    }
    if plan.what_matters_by_patient and editable:
        locked = _locked_what_matters_form(request, plan)
        if locked is not None:
            context["what_matters_form"] = locked
    return context


def self_report_rows(plan, goals) -> dict:
    """The latest self-report per goal beside the one before it (the evaluation before):
    {"self_report_on": date, "self_report_before": date | None, "self_report_rows": [...]}."""
    if plan.status not in HAS_BEEN_IN_FORCE:  # a self-report is for a plan in force
        return {"self_report_rows": []}
    reports = list(SelfReport.objects.filter(plan=plan).order_by(
        "-for_evaluation_on", "pk")[:REPORTS_READ])
    dates = sorted({r.for_evaluation_on for r in reports}, reverse=True)
    if not dates:
        return {"self_report_rows": []}
    latest_on = dates[0]
    before_on = dates[1] if len(dates) > 1 else None
    latest = {r.goal_id: r for r in reports if r.for_evaluation_on == latest_on}
    before = {r.goal_id: r for r in reports if r.for_evaluation_on == before_on}
    rows = []
    for goal in ordered_goals(goals):
        now, then = latest.get(goal.pk), before.get(goal.pk)
        if now is None:
            continue
        rows.append({
            "goal": goal, "latest": now, "before": then,
            "performance_change": now.performance - then.performance if then else None,
            "satisfaction_change": now.satisfaction - then.satisfaction if then else None,
        })
    return {"self_report_on": latest_on, "self_report_before": before_on,
            "self_report_rows": rows}


def _locked_what_matters_form(request, plan):
    """The patient wrote "what matters": staff see the field locked, and why. A refused post
    keeps the page's own form with its error."""
    if request.method == "POST" and request.resolver_match and \
            request.resolver_match.url_name == "edit_what_matters":
        return None
    form = plan_page.plan_form("what_matters", initial={"version": plan.version,
                                              "what_matters": plan.what_matters})
    field = form.fields["what_matters"]
    field.disabled = True
    field.help_text = _("The patient wrote this on their own pages, so only they change it. "
                        "Send them a message instead.")
    return form


# -- The staff's steps ---------------------------------------------------------------------

def _plan_and_goal(request, uuid, goal_uuid):
    plan = get_visible_plan(request.user, uuid, log=False)
    return plan, one_or_404(Goal.objects.filter(plan=plan), uuid=goal_uuid)


def _button(request, plan, form, step, message):
    """A button that carries the version read: the plan again with `message`, or with the
    refusal on top."""
    if not form.is_valid():
        return plan_page.plan_response(request, plan, _("Reload the page and try again."),
                                       status=UNPROCESSABLE, error=True)
    return form_step(
        request, form, step,
        show=lambda form, status: plan_page.plan_response(
            request, plan, " ".join(form.non_field_errors()), status=status, error=True),
        done=lambda _result: plan_page.plan_response(request, plan, message))


@action_view
def acknowledge_patient_goal(request, uuid, goal_uuid):
    """Take the patient's goal into the plan."""
    plan, goal = _plan_and_goal(request, uuid, goal_uuid)
    return _button(request, plan, VersionedForm(request.POST), lambda d: (
        services.acknowledge_patient_goal(goal, by=request.user,
                                          expected_version=d["version"])),
        _("The patient's goal is taken into the plan."))


@action_view
def propose_goal_wording(request, uuid, goal_uuid):
    """Propose a new wording of the patient's goal; the patient accepts it or not."""
    plan, goal = _plan_and_goal(request, uuid, goal_uuid)
    form = _propose_form(goal, request.POST)
    key = propose_key(goal)

    def show(form, status):
        setattr(request, FORMS_ATTR, {key: form})
        return plan_page.plan_response(request, plan, forms={key: form}, status=status)

    return form_step(
        request, form,
        lambda d: services.propose_goal_wording(
            goal, by=request.user, text=d["text"], reason=d["reason"],
            expected_version=d["version"]),
        show=show,
        done=lambda _result: plan_page.plan_response(request, plan, _(
            "The proposal is sent: the patient sees it on their page.")))


@action_view
def withdraw_goal_proposal(request, uuid, goal_uuid):
    """Withdraw the goal's proposal that waits for the patient."""
    plan, goal = _plan_and_goal(request, uuid, goal_uuid)
    proposal = goal.proposals.filter(status=ProposalStatus.OPEN).first()
    if proposal is None:
        return plan_page.plan_response(request, plan, _(
            "No proposal for this goal waits for the patient."), status=CONFLICT, error=True)
    result, error, status = run_action(
        lambda: services.withdraw_goal_proposal(proposal, by=request.user))
    if result is None:
        return plan_page.plan_response(request, plan, error, status=status, error=True)
    return plan_page.plan_response(request, plan, _("The proposal is withdrawn."))
