"""The plan page: the whole individual plan on one screen, its version history with what
changed, and (for the KE and the plan's coordinator) the inline forms that edit it
(plan_edits). After an edit the plan body comes back with the outcome on top."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import announcement, leave_for
from registry.models import Organization, ServiceOffering

from .. import diff, services
from ..access import get_visible_plan, is_current_coordinator, is_ke_staff, visible_plans
from ..forms import (
    ConsentForm,
    EvaluationForm,
    GoalForm,
    GoalTextForm,
    GoalUpdateForm,
    MeasureForm,
    MeasureTextForm,
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
from . import plan_from_patient, plan_messages

VERSIONS_SHOWN = 10

# The page's inline forms by kind; plan_edits binds the same ones to what was posted. The
# forms of one goal or measure carry its pk in their key (which form the page opens after a
# refusal) and in their ids (the prefix here), so that many fit on one page.
PLAN_FORMS = {
    "what_matters": WhatMattersForm, "goal": GoalForm, "measure": MeasureForm,
    "status": StatusForm, "coordinator": ReassignCoordinatorForm, "consent": ConsentForm,
    "participant": ParticipantForm, "evaluation": EvaluationForm,
    "goal_update": GoalUpdateForm, "sub_goal": GoalForm, "measure_update": MeasureUpdateForm,
    "goal_text": GoalTextForm, "measure_text": MeasureTextForm,
}
_ITEM_IDS = {"goal_update": "goal", "sub_goal": "sub", "measure_update": "measure",
             "goal_text": "goaltext", "measure_text": "measuretext"}


def form_key(kind: str, item=None) -> str:
    return kind if item is None else f"{kind}-{item.pk}"


def plan_form(kind: str, data=None, *, item=None, **kwargs):
    """The page's form of `kind` (an item's form: of `item`), bound to `data` or not."""
    if item is not None:
        kwargs["auto_id"] = f"id_{_ITEM_IDS[kind]}{item.pk}_%s"
    elif kind != "coordinator":  # one page, many forms: no two fields share an id
        kwargs["auto_id"] = f"id_{kind}_%s"
    return PLAN_FORMS[kind](data, **kwargs)


def measure_services(plan: IndividualPlan):
    """The active services that can serve the plan's patient (registry's can_serve of the
    patient's municipality), bottom of the pyramid first."""
    return (ServiceOffering.objects.active().can_serve(plan.patient.municipality)
            .select_related("level", "provider").order_by("level__sort_order", "name", "pk"))


def measure_form_kwargs(plan: IndividualPlan) -> dict:
    """What the measure form needs besides its data: the services it offers and accepts,
    and the endpoint that narrows them as the user types."""
    return {"services": measure_services(plan),
            "search_url": reverse("coordination:measure_services", args=[plan.uuid])}


def _load_plan(plan: IndividualPlan) -> IndividualPlan:
    """The plan's parts in one query each: goals, measures, participants, consents,
    evaluations, coordinator assignments."""
    return IndividualPlan.objects.select_related(
        "patient__municipality", "municipality", "coordinator__user").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.select_related("reworded_by")
                 .order_by("position", "pk")),
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
    for index, newer in enumerate(versions[:VERSIONS_SHOWN]):
        older = versions[index + 1] if index + 1 < len(versions) else None
        changes = diff.diff_versions(older, newer) if older is not None else []
        newer.summary = newer.get_summary_display()  # shown, never saved: in the reader's words
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

    def form(kind, item=None, **values):
        """The form an edit sent back (with its errors), else a new one with `values`."""
        return forms.get(form_key(kind, item)) or plan_form(
            kind, item=item, initial={**initial, **values})

    context = {
        "plan": plan, "patient": plan.patient, "main_goals": main_goals,
        "measures": list(plan.measures.all()), "participants": list(plan.participants.all()),
        "consents": list(plan.consents.all()), "evaluations": list(plan.evaluations.all()),
        "assignments": list(plan.assignments.all()),
        "history": _history(plan), "editable": editable,
    }
    if editable and is_ke:
        context["reassign_form"] = forms.get("coordinator") or plan_form(
            "coordinator", initial=initial, coordinators=reassign_coordinators(plan))
    if editable:
        targets = services.PLAN_TRANSITIONS.get(plan.status, set())
        status_form = form("status")
        status_form.fields["status"].choices = [
            (s.value, s.label) for s in PlanStatus if s in targets]
        consent_form = form("consent")
        participant_form = form("participant")
        # One query for the organisations of both forms, each under its own "Choose ...".
        organizations = [
            (o.pk, o.name) for o in Organization.objects.order_by("name").only("pk", "name")]
        for organization_form in (consent_form, participant_form):
            field = organization_form.fields["organization"]
            field.choices = [("", field.empty_label), *organizations]
        for goal in main_goals:
            _attach_goal_forms(goal, form)
            for sub in goal.subs:
                _attach_goal_forms(sub, form, subs=False)
        for measure in context["measures"]:
            measure.form_key = form_key("measure_update", measure)
            measure.update_form = form("measure_update", measure, status=measure.status,
                                       starts_on=measure.starts_on, ends_on=measure.ends_on)
            measure.text_key = form_key("measure_text", measure)
            measure.text_form = form("measure_text", measure, description=measure.description,
                                     responsible_person=measure.responsible_person,
                                     extent=measure.extent)
        context.update({
            "what_matters_form": form("what_matters", what_matters=plan.what_matters),
            "goal_form": form("goal"),
            "measure_form": forms.get("measure") or plan_form(
                "measure", initial=initial, **measure_form_kwargs(plan)),
            "status_form": status_form,
            "consent_form": consent_form,
            "participant_form": participant_form,
            "evaluation_form": form("evaluation", evaluated_on=timezone.localdate()),
            "can_evaluate": plan.status in (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION),
        })
    context["open_form"] = next(iter(forms), "")
    # What the patient added from their own door, and the message thread: their own modules.
    context.update(plan_from_patient.context(request, plan, editable=editable))
    context.update(plan_messages.context(request, plan, editable=editable))
    return context


def _attach_goal_forms(goal, form, *, subs=True):
    """The goal's inline forms (from plan_context's `form`): its wording, achievement and
    target date, and (a main goal) a sub-goal."""
    goal.text_key = form_key("goal_text", goal)
    goal.text_form = form("goal_text", goal, text=goal.text)
    goal.update_key = form_key("goal_update", goal)
    goal.update_form = form("goal_update", goal, status=goal.status,
                            target_date=goal.target_date)
    if subs:
        goal.sub_key = form_key("sub_goal", goal)
        goal.sub_form = form("sub_goal", goal)


@never_cache
@login_required
@require_GET
def plan_detail(request, uuid):
    plan = get_visible_plan(request.user, uuid)
    response = render(request, "coordination/plan.html", plan_context(request, plan))
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
@login_required
@require_GET
def service_options(request, uuid):
    """The measure form's service list narrowed to the words typed in its search field (by
    the service's or the provider's name), keeping the chosen service; htmx swaps the select
    and announces how many match. The list is the public catalogue's, so no read of patient
    data is audited; the plan must be in the user's scope (404 otherwise)."""
    plan = get_visible_plan(request.user, uuid, log=False)
    services = measure_services(plan)
    query = Q()
    for word in request.GET.get("service_search", "").split()[:5]:
        query &= Q(name__icontains=word) | Q(provider__name__icontains=word)
    chosen = request.GET.get("service", "")
    if chosen.isdigit():
        query |= Q(pk=int(chosen))
    shown = services.filter(query)
    form = plan_form("measure", initial={"service": chosen}, services=shown)
    count = len(shown)  # evaluated by the form's choices
    message = ngettext("%(count)s service in the list.", "%(count)s services in the list.",
                       count) % {"count": count}
    response = HttpResponse(str(form["service"]) + announcement(message))
    patch_vary_headers(response, ("HX-Request",))
    return response


def plan_response(request, plan, message: str = "", *, forms=None, status=200,
                  error=False):
    """After an inline edit: the plan body again (htmx), with the outcome on top, or the
    whole page. When the step ended the user's access (closing the plan ends the
    coordinator's), they go to their overview: the plan stays with the coordinating unit."""
    if status == 200 and not visible_plans(request.user).filter(pk=plan.pk).exists():
        return leave_for(request, reverse("coordination:ke_overview"), " ".join(filter(None, [
            message, _("You no longer have access to the plan; it stays with the coordinating "
                       "unit.")])))
    if not request.htmx:
        if status == 200 or not forms:
            (messages.error if error else messages.success)(request, message)
            return redirect("coordination:plan_detail", uuid=plan.uuid)
        return render(request, "coordination/plan.html",
                      plan_context(request, plan, forms), status=status)
    context = plan_context(request, plan, forms)
    context.update({"flash": message, "flash_error": error, "announce": message})
    return render(request, "coordination/partials/plan_body.html", context, status=status)
