"""The plan page: the whole individual plan on one screen, its version history with what
changed, and (for the KE and the plan's coordinator) the inline forms that edit it
(plan_edits). After an edit the plan body comes back with the outcome on top."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.models import Organization

from .. import diff, services
from ..access import get_visible_plan, is_current_coordinator, is_ke_staff, visible_plans
from ..forms import (
    ConsentForm,
    EvaluationForm,
    GoalForm,
    GoalUpdateForm,
    MeasureForm,
    MeasureUpdateForm,
    ParticipantForm,
    ReassignCoordinatorForm,
    StatusForm,
    WhatMattersForm,
)
from ..models import (
    Consent,
    CoordinatorAssignment,
    Goal,
    IndividualPlan,
    Measure,
    PlanStatus,
    PlanVersion,
)

VERSIONS_SHOWN = 10


def _load_plan(plan: IndividualPlan) -> IndividualPlan:
    """The plan's parts in one query each: goals, measures, participants, consents,
    evaluations, coordinator assignments."""
    return IndividualPlan.objects.select_related(
        "patient", "municipality", "coordinator__user").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
        Prefetch("measures", queryset=Measure.objects.select_related(
            "service__level", "service__provider", "responsible_organization", "goal")),
        Prefetch("participants"),
        Prefetch("consents", queryset=Consent.objects.select_related("organization")),
        Prefetch("evaluations"),
        Prefetch("assignments", queryset=CoordinatorAssignment.objects.select_related(
            "coordinator__user").order_by("assigned_at", "pk")),
    ).get(pk=plan.pk)


def _history(plan: IndividualPlan) -> list:
    versions = list(PlanVersion.objects.filter(plan=plan).select_related("created_by")
                    .order_by("-number")[:VERSIONS_SHOWN + 1])
    rows = []
    for newer, older in zip(versions, [*versions[1:], None], strict=True):
        if len(rows) == VERSIONS_SHOWN:
            break
        changes = diff.diff_versions(older, newer) if older is not None else []
        rows.append({"version": newer, "changes": changes})
    return rows


def reassign_coordinators(plan: IndividualPlan):
    """The municipality's active coordinators with their load, in one query, without the
    plan's current coordinator."""
    coordinators = services.coordinators_with_load(plan.municipality).filter(active=True)
    if plan.coordinator_id:
        coordinators = coordinators.exclude(pk=plan.coordinator_id)
    return coordinators.order_by("user__last_name", "user__first_name", "pk")


def plan_context(request, plan: IndividualPlan, forms: dict | None = None) -> dict:
    """Queries: 1 the plan with patient, municipality and coordinator, 2-7 its goals,
    measures, participants, consents, evaluations and coordinator assignments, 8 versions,
    9 the KE check, then (when editable) the services and organisations of the forms and
    (KE staff) the coordinators with their load."""
    plan = _load_plan(plan)
    goals = list(plan.goals.all())
    main_goals = [g for g in goals if g.parent_id is None]
    for goal in main_goals:
        goal.subs = [g for g in goals if g.parent_id == goal.pk]
    # can_edit_plan, spelt out: the KE check also decides who may change the coordinator.
    is_ke = is_ke_staff(request.user, plan.municipality)
    editable = not plan.is_closed and (is_ke or is_current_coordinator(request.user, plan))
    initial = {"version": plan.version}
    forms = forms or {}
    context = {
        "plan": plan, "patient": plan.patient, "main_goals": main_goals,
        "measures": list(plan.measures.all()), "participants": list(plan.participants.all()),
        "consents": list(plan.consents.all()), "evaluations": list(plan.evaluations.all()),
        "assignments": list(plan.assignments.all()),
        "history": _history(plan), "editable": editable,
    }
    if editable and is_ke:
        context["reassign_form"] = forms.get("coordinator") or ReassignCoordinatorForm(
            initial=initial, coordinators=reassign_coordinators(plan))
    if editable:
        targets = services.PLAN_TRANSITIONS.get(plan.status, set())
        status_form = forms.get("status") or StatusForm(initial=initial)
        status_form.fields["status"].choices = [
            (s.value, s.label) for s in PlanStatus if s in targets]
        consent_form = forms.get("consent") or ConsentForm(initial=initial)
        participant_form = forms.get("participant") or ParticipantForm(initial=initial)
        # One query for the organisations of both forms.
        organizations = [("", "---------")] + [
            (o.pk, o.name) for o in Organization.objects.order_by("name").only("pk", "name")]
        consent_form.fields["organization"].choices = organizations
        participant_form.fields["organization"].choices = organizations
        for goal in main_goals:
            _attach_goal_forms(goal, forms, initial)
            for sub in goal.subs:
                _attach_goal_forms(sub, forms, initial, subs=False)
        for measure in context["measures"]:
            key = f"measure_update-{measure.pk}"
            measure.form_key = key
            measure.update_form = forms.get(key) or MeasureUpdateForm(
                initial={**initial, "status": measure.status, "starts_on": measure.starts_on,
                         "ends_on": measure.ends_on}, auto_id=f"id_measure{measure.pk}_%s")
        context.update({
            "what_matters_form": forms.get("what_matters") or WhatMattersForm(
                initial={**initial, "what_matters": plan.what_matters}),
            "goal_form": forms.get("goal") or GoalForm(initial=initial),
            "measure_form": forms.get("measure") or MeasureForm(initial=initial),
            "status_form": status_form,
            "consent_form": consent_form,
            "participant_form": participant_form,
            "evaluation_form": forms.get("evaluation") or EvaluationForm(
                initial={**initial, "evaluated_on": timezone.localdate()}),
            "can_evaluate": plan.status in (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION),
        })
    context["open_form"] = next(iter(forms), "")
    return context


def _attach_goal_forms(goal, forms, initial, *, subs=True):
    """The goal's inline forms: achievement and target date, and (a main goal) a sub-goal.
    Each has its own ids, so that many fit on one page."""
    goal.update_key = f"goal_update-{goal.pk}"
    goal.update_form = forms.get(goal.update_key) or GoalUpdateForm(
        initial={**initial, "status": goal.status, "target_date": goal.target_date},
        auto_id=f"id_goal{goal.pk}_%s")
    if subs:
        goal.sub_key = f"sub_goal-{goal.pk}"
        goal.sub_form = forms.get(goal.sub_key) or GoalForm(
            initial=initial, auto_id=f"id_sub{goal.pk}_%s")


@never_cache
@login_required
@require_GET
def plan_detail(request, uuid):
    plan = get_visible_plan(request.user, uuid)
    response = render(request, "coordination/plan.html", plan_context(request, plan))
    patch_vary_headers(response, ("HX-Request",))
    return response


def plan_response(request, plan, message: str = "", *, forms=None, status=200,
                  error=False):
    """After an inline edit: the plan body again (htmx), with the outcome on top, or the
    whole page. When the step ended the user's access (closing the plan ends the
    coordinator's), they go to their overview: the plan stays with the coordinating unit."""
    if status == 200 and not visible_plans(request.user).filter(pk=plan.pk).exists():
        messages.success(request, " ".join(filter(None, [message, _(
            "You no longer have access to the plan; it stays with the coordinating unit.")])))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("coordination:ke_overview")
            return response
        return redirect("coordination:ke_overview")
    if not request.htmx:
        if status == 200 or not forms:
            (messages.error if error else messages.success)(request, message)
            return redirect("coordination:plan_detail", uuid=plan.uuid)
        return render(request, "coordination/plan.html",
                      plan_context(request, plan, forms), status=status)
    context = plan_context(request, plan, forms)
    context.update({"flash": message, "flash_error": error, "announce": message})
    return render(request, "coordination/partials/plan_body.html", context, status=status)
