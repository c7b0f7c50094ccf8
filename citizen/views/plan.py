"""My plan: the individual plan in plain language, goals first, and what the patient adds to
it; the self-report before an evaluation; the plan as a PDF.

The patient (and a representative granted the plan) reads the plan, writes "what matters to
me" and their own goals, answers the staff's proposed wordings of those goals and comments on
measures; only the patient answers the self-report (part "self_report"). Every write is a
coordination service call (coordination.services.patient_input); a refusal comes back as a
form error with the citizen's text kept, and a plan changed since the page was read (by the
coordinator, say) shows the plan as it is now with the text still in the form. Every page
that shows the plan is audited as a read of it.

A patient may have several plans (one per municipality): the page shows one, an open one
first, and links to the others; a closed plan is readable, not editable. A declined request
is no plan to the patient."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import StaleVersion
from common.htmx import run_step
from coordination import pdf
from coordination import services as plan_services
from coordination.models import (
    COMMENT_MAX_LENGTH,
    OPEN_PLAN_STATUSES,
    Goal,
    GoalProposal,
    IndividualPlan,
    Measure,
    MeasureComment,
    PlanParticipant,
    PlanStatus,
    ProposalStatus,
    SelfReport,
)
from coordination.services.patient_input import (
    EVALUATED_STATUSES,
    GOAL_MAX_LENGTH,
    SCORES,
    WHAT_MATTERS_MAX_LENGTH,
    can_patient_reword,
    score_field,
    self_report_goals,
)
from pathways.citizen_access import CitizenAccess
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .common import audit_read, citizen_required, detail_for, door

PART = "plan"
SELF_REPORT = "self_report"
PLAN = AuditObjectType.INDIVIDUAL_PLAN
CONFLICT = 409

# Where the plan stands, in words a patient reads (never the stored code).
PLAN_STAGES = {
    PlanStatus.REQUESTED: gettext_lazy(
        "You have a coordinator. No individual plan is being written yet."),
    PlanStatus.IN_PREPARATION: gettext_lazy("The plan is being written, together with you."),
    PlanStatus.ACTIVE: gettext_lazy("The plan is in use."),
    PlanStatus.UNDER_EVALUATION: gettext_lazy("The plan is being evaluated."),
    PlanStatus.CLOSED: gettext_lazy("The plan is closed. You can read it, but not change it."),
}
STALE = gettext_lazy("Someone changed the plan while you were writing. Here is the plan as it "
                     "is now. Your text is kept in the form: check it and save again.")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# -- Forms: they only parse; the services decide ---------------------------------------------

class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WhatMattersForm(VersionForm):
    what_matters = forms.CharField(
        label=gettext_lazy("What matters to me"), max_length=WHAT_MATTERS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("In your own words: what do you want your life to be like? "
                               "Only you can change what you write here."))


class AddGoalForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("My goal"), max_length=GOAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: “I want to walk to the shop on my own.”"))
    target_date = forms.DateField(label=gettext_lazy("When I want to reach it (optional)"),
                                  required=False, widget=DATE)
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Part of a bigger goal? (optional)"), required=False, coerce=int,
        empty_value=None)

    def __init__(self, *args, main_goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        field.choices = [("", _("No, this is a goal of its own"))] + [
            (g.pk, g.text[:80]) for g in main_goals]
        if not main_goals:
            del self.fields["parent"]


class GoalTextForm(VersionForm):
    text = forms.CharField(label=gettext_lazy("My goal"), max_length=GOAL_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("My comment"), max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Your coordinator and the coordinating unit read it."))


class SelfReportForm(forms.Form):
    """Per goal: how well the patient manages it and how satisfied they are, 1-10, and a
    comment. A goal may be left out; one score without the other is an error."""

    QUESTIONS = (
        ("performance", gettext_lazy("How well do you manage this now?")),
        ("satisfaction", gettext_lazy("How satisfied are you with how it goes?")),
    )
    HINTS = {
        "performance": gettext_lazy("1 = I cannot do it at all, 10 = I do it very well"),
        "satisfaction": gettext_lazy("1 = not satisfied at all, 10 = very satisfied"),
    }

    def __init__(self, goals, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            for name, label in self.QUESTIONS:
                self.fields[score_field(goal, name)] = forms.TypedChoiceField(
                    label=label, help_text=self.HINTS[name], required=False, coerce=int,
                    empty_value=None,
                    choices=[(n, str(n)) for n in SCORES], widget=forms.RadioSelect,
                    error_messages={"invalid_choice": _("Choose a number from 1 to 10.")})
            self.fields[score_field(goal, "comment")] = forms.CharField(
                label=_("Anything you want to add? (optional)"), required=False,
                max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        answered = 0
        for goal in self.goals:
            keys = [score_field(goal, name) for name in ("performance", "satisfaction")]
            if any(key in self.errors for key in keys):
                answered += 1
                continue
            scores = [cleaned.get(key) for key in keys]
            comment = cleaned.get(score_field(goal, "comment"))
            if scores == [None, None]:
                if comment:
                    for key in keys:
                        self.add_error(key, _("Choose a number from 1 to 10 for your "
                                              "comment to be saved."))
                continue
            answered += 1
            for key, score in zip(keys, scores, strict=True):
                if score is None:
                    self.add_error(key, _("Choose a number from 1 to 10."))
        if not answered and not self.errors:
            raise forms.ValidationError(_("Answer for at least one goal."))
        return cleaned

    def scores(self) -> dict:
        data = self.cleaned_data
        return {goal: (data[score_field(goal, "performance")],
                       data[score_field(goal, "satisfaction")],
                       data.get(score_field(goal, "comment"), ""))
                for goal in self.goals if data.get(score_field(goal, "performance"))}


# -- Reading the plan ---------------------------------------------------------------------------

def _plans(access: CitizenAccess) -> list[IndividualPlan]:
    """The patient's plans the citizen may read: open ones first, newest first (one query).
    A declined request is no plan."""
    plans = list(IndividualPlan.objects.filter(patient=access.patient).exclude(
        status=PlanStatus.DECLINED).select_related("municipality").order_by("-created_at", "-pk"))
    return sorted(plans, key=lambda p: p.status not in OPEN_PLAN_STATUSES)


def _chosen(plans, plan_uuid=None) -> IndividualPlan:
    if plan_uuid is None:
        if not plans:
            raise Http404("No plan.")
        return plans[0]
    for plan in plans:
        if plan.uuid == plan_uuid:
            return plan
    raise Http404("No such plan.")


def _load(plan: IndividualPlan) -> IndividualPlan:
    """The plan with what the page shows, one query a part: the plan with its municipality's
    coordinating unit and its coordinator, goals, measures, the comments on them, the
    responsible group, evaluations and the open proposals."""
    return IndividualPlan.objects.select_related(
        "patient", "municipality__coordinating_unit", "coordinator__user").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
        Prefetch("measures", queryset=Measure.objects.select_related(
            "service", "responsible_organization").order_by("position", "pk")),
        Prefetch("measures__comments", queryset=MeasureComment.objects.select_related(
            "written_by").order_by("written_at", "pk")),
        Prefetch("participants", queryset=PlanParticipant.objects.select_related(
            "organization").order_by("kind", "name", "pk")),
        Prefetch("evaluations"),
        Prefetch("goal_proposals", queryset=GoalProposal.objects.filter(
            status=ProposalStatus.OPEN).select_related("proposed_by"), to_attr="open_proposals"),
    ).get(pk=plan.pk)


def _unit(plan):
    try:
        return plan.municipality.coordinating_unit
    except plan.municipality._meta.model.coordinating_unit.RelatedObjectDoesNotExist:
        return None


def _plan_url(access, plan, anchor="") -> str:
    return reverse("citizen:plan_of", args=[access.patient.uuid, plan.uuid]) + (
        f"#{anchor}" if anchor else "")


def _page(request, access: CitizenAccess, plan_uuid=None, *, forms_sent=None, status=200,
          conflict=None):
    """The plan page; `forms_sent` are refused forms by key (shown with their errors and the
    citizen's text), `conflict` a StaleVersion to explain."""
    plans = _plans(access)
    if not plans:
        audit_read(request, access, PLAN, "")
        return render(request, "citizen/plan_none.html", {
            "access": access, "patient": access.patient}, status=status)
    plan = _load(_chosen(plans, plan_uuid))
    audit_read(request, access, PLAN, plan.uuid)
    forms_sent = forms_sent or {}
    editable = not plan.is_closed
    goals = list(plan.goals.all())
    proposals = {p.goal_id: p for p in plan.open_proposals}
    main_goals = [g for g in goals if g.parent_id is None]
    for goal in goals:
        goal.subs = [g for g in goals if g.parent_id == goal.pk]
        goal.open_proposal = proposals.get(goal.pk)
        goal.waiting = goal.written_by_patient and goal.acknowledged_at is None
        goal.own = can_patient_reword(goal)
        if editable and goal.own:
            key = f"goal-{goal.pk}"
            goal.form = forms_sent.get(key) or GoalTextForm(
                initial={"version": plan.version, "text": goal.text},
                auto_id=f"id_goal{goal.pk}_%s")
            goal.form_open = key in forms_sent
    measures = list(plan.measures.all())
    for measure in measures:
        measure.earlier_comments = list(measure.comments.all())
        if editable:
            key = f"comment-{measure.pk}"
            measure.form = forms_sent.get(key) or CommentForm(
                auto_id=f"id_comment{measure.pk}_%s")
            measure.form_open = key in forms_sent
    context = {
        "access": access, "patient": access.patient, "plan": plan,
        "plans": plans if len(plans) > 1 else [],
        "stage": PLAN_STAGES.get(plan.status, ""),
        "editable": editable, "main_goals": main_goals, "measures": measures,
        "participants": list(plan.participants.all()),
        "evaluations": list(plan.evaluations.all()),
        "unit": _unit(plan),
        "can_self_report": (access.allows(SELF_REPORT) and plan.status in EVALUATED_STATUSES
                            and plan.next_evaluation_on is not None),
        "open_form": next(iter(forms_sent), ""),
        "conflict": conflict,
    }
    if editable:
        context["what_matters_form"] = forms_sent.get("what_matters") or WhatMattersForm(
            initial={"version": plan.version, "what_matters": plan.what_matters},
            auto_id="id_what_matters_%s")
        context["goal_form"] = forms_sent.get("goal") or AddGoalForm(
            main_goals=main_goals, auto_id="id_new_goal_%s")
    return render(request, "citizen/plan.html", context, status=status)


@citizen_required
@require_GET
def plan_page(request, patient, plan=None):
    access = door(request, patient, PART)
    return _page(request, access, plan)


# -- Writing -------------------------------------------------------------------------------

def _plan_of(access, plan_uuid) -> IndividualPlan:
    return _chosen(_plans(access), plan_uuid)


def _step(request, access, plan, key, form, step, done_message, anchor):
    """A form of the plan page: the service call for a valid form, then back to the plan
    with `done_message`; else the page again with the form's errors (and, for a plan changed
    meanwhile, the plan as it is now and the citizen's text kept)."""
    status = 422
    conflict = None
    if form.is_valid():
        stale = []

        def guarded():
            try:
                return step(form.cleaned_data)
            except StaleVersion as exc:
                stale.append(exc)
                return None

        _result, status = run_step(form, guarded)
        if stale:
            conflict, status = stale[0], CONFLICT
            form.add_error(None, STALE)
            if "version" in form.fields:
                data = form.data.copy()
                data["version"] = str(conflict.current_version)
                form.data = data
        elif status == 200:
            messages.success(request, done_message)
            return redirect(_plan_url(access, plan, anchor))
    return _page(request, access, plan.uuid, forms_sent={key: form}, status=status,
                 conflict=conflict)


@citizen_required
@require_POST
def plan_what_matters(request, patient, plan):
    access = door(request, patient, PART)
    plan = _plan_of(access, plan)
    form = WhatMattersForm(request.POST, auto_id="id_what_matters_%s")
    return _step(request, access, plan, "what_matters", form, lambda d: (
        plan_services.patient_write_what_matters(
            plan, by=request.user, text=d["what_matters"], expected_version=d["version"])),
        _("Saved. Your coordinator can read what matters to you."), "what-matters")


@citizen_required
@require_POST
def plan_add_goal(request, patient, plan):
    access = door(request, patient, PART)
    plan = _plan_of(access, plan)
    main_goals = list(plan.goals.filter(parent__isnull=True).order_by("position", "pk"))
    form = AddGoalForm(request.POST, main_goals=main_goals, auto_id="id_new_goal_%s")

    def add(data):  # the form offers only the plan's main goals
        parent = next((g for g in main_goals if g.pk == data.get("parent")), None)
        return plan_services.patient_add_goal(plan, by=request.user, text=data["text"],
                                              target_date=data["target_date"], parent=parent)

    return _step(request, access, plan, "goal", form, add, _(
        "Your goal is added. Your coordinator will see it and take it into the plan."), "goals")


@citizen_required
@require_POST
def plan_edit_goal(request, patient, plan, goal):
    access = door(request, patient, PART)
    plan = _plan_of(access, plan)
    goal = plan.goals.filter(uuid=goal).first()
    if goal is None:
        raise Http404("No such goal.")
    form = GoalTextForm(request.POST, auto_id=f"id_goal{goal.pk}_%s")
    return _step(request, access, plan, f"goal-{goal.pk}", form, lambda d: (
        plan_services.patient_update_goal(goal, by=request.user, text=d["text"],
                                          expected_version=d["version"])),
        _("Your goal is saved."), f"goal-{goal.uuid}")


@citizen_required
@require_POST
def plan_answer_proposal(request, patient, plan, proposal):
    """Accept the coordinator's wording, or keep one's own words."""
    access = door(request, patient, PART)
    plan = _plan_of(access, plan)
    proposal = GoalProposal.objects.filter(plan=plan, uuid=proposal).select_related(
        "goal").first()
    if proposal is None:
        raise Http404("No such proposal.")
    answer = request.POST.get("answer")
    if answer not in ("accept", "keep"):
        messages.error(request, _("Choose whether you accept the new words or keep your own."))
        return redirect(_plan_url(access, plan, f"goal-{proposal.goal.uuid}"))
    form = forms.Form(request.POST)
    form.is_valid()
    _result, status = run_step(form, lambda: plan_services.answer_goal_proposal(
        proposal, by=request.user, accept=answer == "accept"))
    if status != 200:
        messages.error(request, " ".join(form.non_field_errors()))
    elif answer == "accept":
        messages.success(request, _("Your goal now has the new words. It is still your goal."))
    else:
        messages.success(request, _("You kept your own words. Your coordinator can see that."))
    return redirect(_plan_url(access, plan, f"goal-{proposal.goal.uuid}"))


@citizen_required
@require_POST
def plan_comment(request, patient, plan, measure):
    access = door(request, patient, PART)
    plan = _plan_of(access, plan)
    measure = plan.measures.filter(uuid=measure).first()
    if measure is None:
        raise Http404("No such measure.")
    form = CommentForm(request.POST, auto_id=f"id_comment{measure.pk}_%s")
    return _step(request, access, plan, f"comment-{measure.pk}", form, lambda d: (
        plan_services.comment_on_measure(measure, by=request.user, text=d["text"])),
        _("Your comment is sent. Your coordinator can read it."), f"measure-{measure.uuid}")


# -- The PDF -------------------------------------------------------------------------------

@citizen_required
@require_GET
def plan_pdf(request, patient, plan):
    """The plan as printed for the patient and the group (coordination.pdf): the stored
    rendering of its current version when there is one, else a new one, stored. Audited as a
    print by the citizen."""
    access = door(request, patient, PART)
    chosen = _plan_of(access, plan)
    printed = pdf.plan_document(IndividualPlan.objects.select_related("patient").get(
        pk=chosen.pk))
    audit.record(request.user, AuditAction.PRINT, PLAN, chosen.uuid,
                 patient_uuid=access.patient.uuid,
                 detail=f"{detail_for(access)}; PDF v{printed.version} {printed.language}")
    response = HttpResponse(printed.content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="individuell-plan-v{printed.version}.pdf"')
    return response


# -- The self-report -------------------------------------------------------------------------

def _self_report_plan(plans, plan_uuid) -> IndividualPlan:
    """The plan asked for, else the first one in force with an evaluation ahead."""
    if plan_uuid is not None:
        return _chosen(plans, plan_uuid)
    for plan in plans:
        if plan.status in EVALUATED_STATUSES and plan.next_evaluation_on is not None:
            return plan
    return _chosen(plans)


@citizen_required
@require_http_methods(["GET", "POST"])
def plan_self_report(request, patient, plan=None):
    """Before the evaluation: per goal, how well the patient manages it and how satisfied
    they are (1-10). Answers can be changed until the evaluation is recorded; the last
    answers before an earlier evaluation are shown beside."""
    access = door(request, patient, SELF_REPORT)
    plans = _plans(access)
    if not plans:
        raise Http404("No plan.")
    plan = _self_report_plan(plans, plan)
    due = plan.status in EVALUATED_STATUSES and plan.next_evaluation_on is not None
    goals = self_report_goals(plan) if due else []
    reports = list(SelfReport.objects.filter(plan=plan).order_by("-for_evaluation_on", "pk"))
    now_on = plan.next_evaluation_on
    current = {r.goal_id: r for r in reports if r.for_evaluation_on == now_on}
    before = {}
    for report in reports:  # newest first: the first one before this evaluation
        if report.for_evaluation_on != now_on:
            before.setdefault(report.goal_id, report)
    initial = {}
    for goal in goals:
        if goal.pk in current:
            report = current[goal.pk]
            initial.update({score_field(goal, "performance"): report.performance,
                            score_field(goal, "satisfaction"): report.satisfaction,
                            score_field(goal, "comment"): report.comment})
    form = SelfReportForm(goals, request.POST if request.method == "POST" else None,
                          initial=initial, auto_id="%s")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            _result, status = run_step(form, lambda: plan_services.submit_self_report(
                plan, by=request.user, scores=form.scores()))
            if status == 200:
                messages.success(request, _("Thank you. Your answers are saved. You can change "
                                            "them until the evaluation."))
                return redirect(reverse("citizen:self_report_of",
                                        args=[access.patient.uuid, plan.uuid]))
    audit_read(request, access, PLAN, plan.uuid)
    rows = [{
        "goal": goal,
        "scores": [form[score_field(goal, name)] for name, _label in SelfReportForm.QUESTIONS],
        "comment": form[score_field(goal, "comment")],
        "answered": current.get(goal.pk), "before": before.get(goal.pk),
    } for goal in goals]
    return render(request, "citizen/self_report.html", {
        "access": access, "patient": access.patient, "plan": plan, "due": due, "form": form,
        "rows": rows, "answered_at": max((r.submitted_at for r in current.values()),
                                         default=None),
        "plans": [p for p in plans if p.status in EVALUATED_STATUSES] if len(plans) > 1 else [],
    }, status=status)


urls = [
    path("p/<uuid:patient>/plan/", plan_page, name="plan"),
    path("p/<uuid:patient>/plan/self-report/", plan_self_report, name="self_report"),
    path("p/<uuid:patient>/plan/<uuid:plan>/", plan_page, name="plan_of"),
    path("p/<uuid:patient>/plan/<uuid:plan>/what-matters/", plan_what_matters,
         name="plan_what_matters"),
    path("p/<uuid:patient>/plan/<uuid:plan>/goals/", plan_add_goal, name="plan_add_goal"),
    path("p/<uuid:patient>/plan/<uuid:plan>/goals/<uuid:goal>/", plan_edit_goal,
         name="plan_edit_goal"),
    path("p/<uuid:patient>/plan/<uuid:plan>/proposals/<uuid:proposal>/", plan_answer_proposal,
         name="plan_answer_proposal"),
    path("p/<uuid:patient>/plan/<uuid:plan>/measures/<uuid:measure>/comments/", plan_comment,
         name="plan_comment"),
    path("p/<uuid:patient>/plan/<uuid:plan>/pdf/", plan_pdf, name="plan_pdf"),
    path("p/<uuid:patient>/plan/<uuid:plan>/self-report/", plan_self_report,
         name="self_report_of"),
]
