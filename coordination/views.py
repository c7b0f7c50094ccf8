"""The KE's overview (forskrift § 5) with its inline decisions, and the plan page: the whole
individual plan on one screen, edited inline. Every change goes through coordination.services;
refusals come back as form errors with the status codes of pathways.views.common."""

import datetime
import uuid as uuid_lib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, Max, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pathways.access import (
    access_entries,
    get_visible_patient,
    grounds_of,
    log_patient_access,
    with_grounds,
)
from pathways.models import Admission
from pathways.models.admissions import OPEN_STATUSES as OPEN_ADMISSION_STATUSES
from pathways.views import common
from pathways.views.inbox import ke_municipalities
from registry import audit, reference
from registry.models import (
    AuditAction,
    Membership,
    Organization,
    Role,
    ServiceOffering,
)

from . import diff, services
from .access import (
    get_visible_plan,
    is_current_coordinator,
    is_ke_staff,
    require_ke_staff,
    visible_plans,
    visible_requests,
)
from .forms import (
    AcceptRequestForm,
    ConsentForm,
    CoordinatorProfileForm,
    CoordinatorUpdateForm,
    DeclineRequestForm,
    EvaluationForm,
    GoalForm,
    GoalUpdateForm,
    MeasureForm,
    MeasureUpdateForm,
    OverviewFilterForm,
    ParticipantForm,
    PlanRequestForm,
    ReassignCoordinatorForm,
    StatusForm,
    VersionedForm,
    WhatMattersForm,
)
from .models import (
    OPEN_PLAN_STATUSES,
    Consent,
    Coordinator,
    CoordinatorAssignment,
    Goal,
    IndividualPlan,
    Measure,
    PlanParticipant,
    PlanRequest,
    PlanStatus,
    PlanVersion,
    RequestSource,
    RequestStatus,
)
from .pdf import print_plan
from .services import PlanConflict

OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.UNDER_ASSESSMENT)
EVALUATION_DUE_WITHIN = datetime.timedelta(days=30)
VERSIONS_SHOWN = 10


# ---------------------------------------------------------------------------------------
# The KE's overview


def _require_ke(user) -> list[int]:
    org_ids = ke_municipalities(user)
    if not org_ids:
        raise PermissionDenied(_("The overview is for staff of a coordinating unit (KE)."))
    return org_ids


def _service_choices(plans, org_ids) -> list:
    """The services a KE member filters by, in one query: the municipality's own active
    services and every service a measure of its plans uses (also one no longer offered)."""
    used = Measure.objects.filter(plan__in=plans, service__isnull=False).values("service_id")
    return list(ServiceOffering.objects.filter(
        Q(pk__in=used) | Q(provider_id__in=org_ids, active=True))
        .select_related("level", "provider").order_by("level__code", "name", "pk"))


def _filter_plans(plans, filters: OverviewFilterForm):
    """Plans with a measure on the level and of the service (the same measure)."""
    if not filters.is_valid():
        return plans
    conditions = {}
    if filters.cleaned_data["level"]:
        conditions["measures__service__level__code"] = filters.cleaned_data["level"]
    if filters.cleaned_data["service"]:
        conditions["measures__service__uuid"] = uuid_lib.UUID(filters.cleaned_data["service"])
    return plans.filter(**conditions).distinct() if conditions else plans


def overview_context(request, org_ids) -> tuple[dict, list]:
    """The context and the audit entries of what it shows, in a fixed number of queries: 1
    open requests with patient and municipality, 2 coordinators with load, 3 plans due for
    evaluation with patient and coordinator, 4 the plan counts with the open pathways count,
    5 the services (filters; the levels are reference data kept in memory).

    The filters apply to plans only (the key figures of plans and the plans due): a request
    has no measures, and hiding the requests whose patient has no matching plan would hide
    the new ones, which are the KE's work. The page says so next to the filters."""
    user = request.user
    today = timezone.localdate()
    open_requests = list(with_grounds(
        visible_requests(user).filter(municipality_id__in=org_ids,
                                      status__in=OPEN_REQUEST_STATUSES), user)
        .select_related("patient", "municipality").order_by("received_at", "pk"))
    at = timezone.now()
    for item in open_requests:
        item.waiting = services.waiting_days(item, at)
    coordinators = list(services.coordinators_with_load().filter(organization_id__in=org_ids)
                        .filter(active=True).order_by("user__last_name", "user__first_name"))
    plans = visible_plans(user).filter(municipality_id__in=org_ids)
    filters = OverviewFilterForm(request.GET, levels=reference.levels(),
                                 services=_service_choices(plans, org_ids))
    plans = _filter_plans(plans, filters)
    due = list(with_grounds(
        plans.filter(status__in=(PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION),
                     next_evaluation_on__lte=today + EVALUATION_DUE_WITHIN), user)
        .select_related("patient", "coordinator__user").order_by("next_evaluation_on"))
    # The open pathways' count rides along with the plans' (one query): a scalar subquery,
    # inside an aggregate so that it may stand beside them, and again for no plans at all.
    pathways = Subquery(
        Admission.objects.visible_to(user).filter(
            municipality_id__in=org_ids, status__in=OPEN_ADMISSION_STATUSES)
        .order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])
    counts = plans.order_by().aggregate(
        active=Count("pk", filter=Q(status=PlanStatus.ACTIVE), distinct=True),
        open=Count("pk", filter=Q(status__in=OPEN_PLAN_STATUSES), distinct=True),
        pathways=Coalesce(Max(pathways), pathways))
    open_pathways = counts["pathways"] or 0
    patients = {r.patient for r in open_requests} | {p.patient for p in due}
    entries = access_entries(user, sorted(patients, key=lambda p: p.pk),
                             object_type="ke_overview",
                             basis=grounds_of(user, [*open_requests, *due]))
    return {
        "open_requests": open_requests, "coordinators": coordinators, "due": due,
        "today": today, "counts": {"pathways": open_pathways, "requests": len(open_requests),
                                   "active_plans": counts["active"],
                                   "open_plans": counts["open"]},
        "filters": filters,
        "filtered": filters.is_valid() and any(filters.cleaned_data.values()),
    }, entries


def overview(request, org_ids) -> dict:
    """The KE overview of the municipalities `org_ids` (none: a coordinator's own page) and
    the plans the user coordinates; what it shows is audited in one INSERT."""
    user = request.user
    context, entries = overview_context(request, org_ids) if org_ids else ({}, [])
    context["is_ke"] = bool(org_ids)
    context["my_plans"] = my_plans(user)
    entries += access_entries(user, [p.patient for p in context["my_plans"]],
                              object_type="my_plans",
                              basis=grounds_of(user, context["my_plans"]))
    audit.record_many(user, AuditAction.VIEW, entries)
    return context


def my_plans(user) -> list:
    """The open plans the user coordinates (one query, with the patients)."""
    return list(with_grounds(visible_plans(user).filter(coordinator__user=user,
                                                        status__in=OPEN_PLAN_STATUSES), user)
                .select_related("patient").order_by("patient__family_name", "pk"))


@never_cache
@login_required
@require_GET
def ke_overview(request):
    """The KE's overview; a coordinator who is not KE staff sees the plans they coordinate."""
    org_ids = ke_municipalities(request.user)
    if not org_ids and not Coordinator.objects.filter(user=request.user, active=True).exists():
        raise PermissionDenied(_("The overview is for the coordinating unit and coordinators."))
    response = render(request, "coordination/ke_overview.html", overview(request, org_ids))
    patch_vary_headers(response, ("HX-Request",))
    return response


def _get_request(user, uuid) -> PlanRequest:
    try:
        return visible_requests(user).select_related("patient", "municipality").get(
            uuid=uuid, municipality_id__in=ke_municipalities(user))
    except (PlanRequest.DoesNotExist, ValueError) as exc:
        raise Http404("No such request.") from exc


def _decision_done(request, message):
    if not request.htmx:
        messages.success(request, message)
        return redirect("coordination:ke_overview")
    html = render_to_string("pathways/partials/panel_done.html", {"message": message},
                            request=request)
    lists = render_to_string("coordination/partials/overview_lists.html",
                             {**overview(request, _require_ke(request.user)), "oob": True},
                             request=request)
    return HttpResponse(html + lists + common.announcement(message))


def _decision(request, uuid, form_class, template, step, done_message):
    plan_request = _get_request(request.user, uuid)
    coordinators = services.coordinators_with_load(plan_request.municipality).filter(
        active=True)
    form = form_class(common.posted(request), coordinators=coordinators)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = common.run_step(
                form, lambda: step(plan_request, form.cleaned_data))
            if status == 200:
                return _decision_done(request, done_message % {
                    "name": plan_request.patient.full_name})
        else:
            status = common.UNPROCESSABLE
    context = {"plan_request": plan_request, "patient": plan_request.patient, "form": form,
               "back_url": reverse("coordination:ke_overview")}
    return common.render_panel(request, template, context, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def accept_request(request, uuid):
    def step(plan_request, data):
        return services.accept_request(
            plan_request, by=request.user, coordinator=data["coordinator"],
            patient_wishes=data["patient_wishes"],
            allow_over_capacity=data["allow_over_capacity"]) or True
    return _decision(request, uuid, AcceptRequestForm, "coordination/partials/accept_form.html",
                     step, _("The request for %(name)s is accepted."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def decline_request(request, uuid):
    def step(plan_request, data):
        return services.decline_request(
            plan_request, by=request.user, reason=data["reason"],
            coordinator_offered=data["coordinator_offered"], coordinator=data["coordinator"],
            patient_wishes=data["patient_wishes"])
    return _decision(request, uuid, DeclineRequestForm,
                     "coordination/partials/decline_form.html", step,
                     _("The request for %(name)s is declined."))


# ---------------------------------------------------------------------------------------
# A request to the KE (melding om behov), from the patient's page


def _is_discharge_planner(user) -> bool:
    return Membership.objects.filter(user=user, role=Role.DISCHARGE_PLANNER).exists()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_plan_request(request, uuid):
    """Whoever sees the patient may ask a municipality's KE for an individual plan, a
    coordinator or a rehabilitation assessment; KE staff register one that came by phone or
    letter the same way. The service decides; its refusals come back onto the form."""
    patient = get_visible_patient(request.user, uuid)
    log_patient_access(request.user, AuditAction.VIEW, [patient],
                       detail="plan request form")
    form = PlanRequestForm(common.posted(request), initial={
        "municipality": patient.municipality_id,
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
        "source": RequestSource.HOSPITAL if _is_discharge_planner(request.user) else "",
    })
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            plan_request, status = common.run_step(form, lambda: services.submit_plan_request(
                patient=patient, municipality=data["municipality"], kind=data["kind"],
                source=data["source"], by=request.user, submitter_name=data["submitter_name"],
                description=data["description"], received_at=data["received_at"]))
            if status == 200:
                return _request_sent(request, plan_request)
        else:
            status = common.UNPROCESSABLE
    context = {"patient": patient, "form": form,
               "back_url": reverse("pathways:patient_detail", kwargs={"uuid": patient.uuid})}
    return render(request, "coordination/plan_request.html", context, status=status)


def _request_sent(request, plan_request: PlanRequest):
    """Back to the patient, or (KE staff of the receiving municipality) to the overview where
    the request now waits for a decision."""
    municipality = plan_request.municipality
    if is_ke_staff(request.user, municipality):
        messages.success(request, _("The request for %(name)s is registered and waits for a "
                                    "decision.") % {"name": plan_request.patient.full_name})
        url = reverse("coordination:ke_overview")
    else:
        messages.success(request, _("The request is sent to the coordinating unit of "
                                    "%(municipality)s.") % {"municipality": municipality.name})
        url = reverse("pathways:patient_detail", kwargs={"uuid": plan_request.patient.uuid})
    return redirect(url)


# ---------------------------------------------------------------------------------------
# The plan page


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


def _reassign_coordinators(plan: IndividualPlan):
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
            initial=initial, coordinators=_reassign_coordinators(plan))
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


@never_cache
@login_required
@require_GET
def plan_pdf(request, uuid):
    """The plan's PDF: the stored rendering of its current version (print_plan checks access
    and audits). Who downloaded it is in the audit trail, not in the file or its name."""
    printed = print_plan(uuid, printed_by=request.user)
    response = HttpResponse(printed.content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="individuell-plan-{uuid}-v{printed.version}.pdf"')
    return response


def _plan_response(request, plan, message: str = "", *, forms=None, status=200,
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


def _stale(form, exc: PlanConflict):
    """The conflict message and what changed go on top; the user's input stays, with the
    current version, so that saving again is a deliberate choice."""
    form.add_error(None, exc.message)
    for change in exc.changes:
        form.add_error(None, _("Changed: %(what)s") % {"what": change_label(change)})
    data = form.data.copy()
    data["version"] = str(exc.current.version)
    form.data = data


def change_label(change) -> str:
    """"plan what matters to you?", "goals «Walk the dog» target date": translated labels
    (coordination.diff), not the snapshot's keys."""
    parts = [str(change.section_label)]
    if change.item:
        parts.append(f"«{formats.localize(change.item_display)}»")
    if change.field:
        parts.append(str(change.field_label))
    return " ".join(parts)


def _edit_versioned(request, uuid, key, form_class, step, done_message):
    """An inline edit of the plan. `done_message` is a text, or a function of the cleaned
    data that returns one."""
    plan = get_visible_plan(request.user, uuid, log=False)
    form = form_class(request.POST)
    if key == "status":
        form.fields["status"].choices = [(s.value, s.label) for s in PlanStatus]
    if not form.is_valid():
        return _plan_response(request, plan, forms={key: form}, status=common.UNPROCESSABLE)
    data = form.cleaned_data
    conflict = []

    def call():
        try:
            return step(plan, data) or True
        except PlanConflict as exc:
            conflict.append(exc)
            return None

    result, status = common.run_step(form, call)
    if conflict:
        _stale(form, conflict[0])
        status = common.CONFLICT
    elif status == 200:
        if callable(done_message):
            done_message = done_message(data)
        return _plan_response(request, plan, done_message)
    return _plan_response(request, plan, forms={key: form}, status=status)


@never_cache
@login_required
@require_POST
def edit_what_matters(request, uuid):
    return _edit_versioned(
        request, uuid, "what_matters", WhatMattersForm,
        lambda plan, d: services.update_plan(plan, by=request.user,
                                             expected_version=d["version"],
                                             what_matters=d["what_matters"]),
        _("“What matters to you?” is saved."))


@never_cache
@login_required
@require_POST
def add_goal(request, uuid):
    return _edit_versioned(
        request, uuid, "goal", GoalForm,
        lambda plan, d: services.add_goal(plan, by=request.user, text=d["text"],
                                          target_date=d["target_date"], status=d["status"],
                                          expected_version=d["version"]),
        _("The goal is added."))


@never_cache
@login_required
@require_POST
def add_measure(request, uuid):
    return _edit_versioned(
        request, uuid, "measure", MeasureForm,
        lambda plan, d: services.add_measure(
            plan, by=request.user, service=d["service"], description=d["description"],
            responsible_person=d["responsible_person"], extent=d["extent"],
            starts_on=d["starts_on"], ends_on=d["ends_on"], expected_version=d["version"]),
        _("The measure is added."))


@never_cache
@login_required
@require_POST
def change_status(request, uuid):
    return _edit_versioned(
        request, uuid, "status", StatusForm,
        lambda plan, d: services.set_status(plan, d["status"], by=request.user,
                                            expected_version=d["version"]),
        _("The plan's status is changed."))


@never_cache
@login_required
@require_POST
def record_consent(request, uuid):
    return _edit_versioned(
        request, uuid, "consent", ConsentForm,
        lambda plan, d: services.record_consent(plan, d["organization"], d["scope"],
                                                d["method"], by=request.user,
                                                expected_version=d["version"]),
        _("The consent is recorded."))


@never_cache
@login_required
@require_POST
def revoke_consent(request, uuid, consent_id):
    plan = get_visible_plan(request.user, uuid, log=False)
    consent = _plan_item(Consent, plan, consent_id)
    result, error, status = common.run_action(
        lambda: services.revoke_consent(consent, by=request.user))
    if result is None:
        return _plan_response(request, plan, error, status=status, error=True)
    return _plan_response(request, plan, _("The consent of %(org)s is revoked.") % {
        "org": consent.organization.name})


def _plan_item(model, plan, pk):
    """An item of the plan, or 404 (an id of another plan is not found)."""
    try:
        return model.objects.get(pk=pk, plan=plan)
    except model.DoesNotExist as exc:
        raise Http404("No such item in this plan.") from exc


@never_cache
@login_required
@require_POST
def update_goal(request, uuid, goal_id):
    plan = get_visible_plan(request.user, uuid, log=False)
    goal = _plan_item(Goal, plan, goal_id)
    return _edit_versioned(
        request, uuid, f"goal_update-{goal.pk}",
        lambda data: GoalUpdateForm(data, auto_id=f"id_goal{goal.pk}_%s"),
        lambda plan, d: services.update_goal(goal, by=request.user,
                                             expected_version=d["version"], status=d["status"],
                                             target_date=d["target_date"]),
        _("The goal is updated."))


@never_cache
@login_required
@require_POST
def add_sub_goal(request, uuid, goal_id):
    plan = get_visible_plan(request.user, uuid, log=False)
    parent = _plan_item(Goal, plan, goal_id)
    return _edit_versioned(
        request, uuid, f"sub_goal-{parent.pk}",
        lambda data: GoalForm(data, auto_id=f"id_sub{parent.pk}_%s"),
        lambda plan, d: services.add_goal(plan, by=request.user, text=d["text"],
                                          parent=parent, target_date=d["target_date"],
                                          status=d["status"], expected_version=d["version"]),
        _("The sub-goal is added."))


@never_cache
@login_required
@require_POST
def update_measure(request, uuid, measure_id):
    plan = get_visible_plan(request.user, uuid, log=False)
    measure = _plan_item(Measure, plan, measure_id)
    return _edit_versioned(
        request, uuid, f"measure_update-{measure.pk}",
        lambda data: MeasureUpdateForm(data, auto_id=f"id_measure{measure.pk}_%s"),
        lambda plan, d: services.update_measure(
            measure, by=request.user, expected_version=d["version"], status=d["status"],
            starts_on=d["starts_on"], ends_on=d["ends_on"]),
        _("The measure is updated."))


@never_cache
@login_required
@require_POST
def add_participant(request, uuid):
    return _edit_versioned(
        request, uuid, "participant", ParticipantForm,
        lambda plan, d: services.add_participant(
            plan, by=request.user, kind=d["kind"], name=d["name"],
            organization=d["organization"], contribution=d["contribution"],
            expected_version=d["version"]),
        _("The member is added to the responsible group."))


@never_cache
@login_required
@require_POST
def remove_participant(request, uuid, participant_id):
    """A button with the version read; a refusal comes back as the outcome on top."""
    plan = get_visible_plan(request.user, uuid, log=False)
    participant = _plan_item(PlanParticipant, plan, participant_id)
    form = VersionedForm(request.POST)
    if not form.is_valid():
        return _plan_response(request, plan, _("Reload the page and try again."),
                              status=common.UNPROCESSABLE, error=True)
    conflict = []

    def call():
        try:
            return services.remove_participant(participant, by=request.user,
                                               expected_version=form.cleaned_data["version"]
                                               ) or True
        except PlanConflict as exc:
            conflict.append(exc)
            return None

    result, status = common.run_step(form, call)
    if conflict:
        _stale(form, conflict[0])
        status = common.CONFLICT
    if status != 200:
        return _plan_response(request, plan, " ".join(form.non_field_errors()),
                              status=status, error=True)
    return _plan_response(request, plan, _("%(name)s is removed from the responsible group.")
                          % {"name": participant.name})


@never_cache
@login_required
@require_POST
def reassign_coordinator(request, uuid):
    """KE staff appoint or replace the plan's coordinator; the patient's wishes are kept with
    the assignment. Over capacity is refused unless confirmed with the checkbox."""
    plan = get_visible_plan(request.user, uuid, log=False)
    try:  # before the form: a coordinator sees the plan page without this form
        require_ke_staff(request.user, plan.municipality)
    except PermissionDenied as exc:
        return _plan_response(request, plan, str(exc), status=common.FORBIDDEN, error=True)

    def step(plan, d):
        return services.assign_coordinator(
            plan, d["coordinator"], by=request.user, patient_wishes=d["patient_wishes"],
            allow_over_capacity=d["allow_over_capacity"], expected_version=d["version"])

    return _edit_versioned(
        request, uuid, "coordinator",
        lambda data: ReassignCoordinatorForm(data, coordinators=_reassign_coordinators(plan)),
        step,
        lambda d: _("%(name)s is now the plan's coordinator.") % {
            "name": d["coordinator"].user.display_name()})


@never_cache
@login_required
@require_POST
def record_evaluation(request, uuid):
    return _edit_versioned(
        request, uuid, "evaluation", EvaluationForm,
        lambda plan, d: services.record_evaluation(
            plan, by=request.user, evaluated_on=d["evaluated_on"], summary=d["summary"],
            goal_achievement=d["goal_achievement"],
            next_evaluation_on=d["next_evaluation_on"], expected_version=d["version"]),
        _("The evaluation is recorded."))


# ---------------------------------------------------------------------------------------
# Coordinator profiles (the KE's overview)


def _get_coordinator(user, uuid) -> Coordinator:
    try:
        return Coordinator.objects.select_related("user", "organization").get(
            uuid=uuid, organization_id__in=ke_municipalities(user))
    except (Coordinator.DoesNotExist, ValueError) as exc:
        raise Http404("No such coordinator.") from exc


def _profile_step(request, form, template, context, step, done_message):
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = common.run_step(form, lambda: step(form.cleaned_data) or True)
            if status == 200:
                return _decision_done(request, done_message(result))
        else:
            status = common.UNPROCESSABLE
    context = {**context, "form": form, "back_url": reverse("coordination:ke_overview")}
    return common.render_panel(request, template, context, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def create_coordinator(request):
    org_ids = _require_ke(request.user)
    form = CoordinatorProfileForm(common.posted(request), org_ids=org_ids)
    if len(org_ids) == 1 and request.method == "GET":
        form.initial["organization"] = org_ids[0]

    def step(d):
        return services.create_coordinator_profile(
            user=d["user"], organization=d["organization"], by=request.user, kind=d["kind"],
            profession=d["profession"], training_completed_on=d["training_completed_on"],
            capacity=d["capacity"])
    return _profile_step(
        request, form, "coordination/partials/coordinator_form.html", {}, step,
        lambda c: _("%(name)s is a coordinator.") % {"name": c.user.display_name()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def update_coordinator(request, uuid):
    _require_ke(request.user)
    coordinator = _get_coordinator(request.user, uuid)
    form = CoordinatorUpdateForm(common.posted(request), initial={
        "training_completed_on": coordinator.training_completed_on,
        "capacity": coordinator.capacity})

    def step(d):
        return services.update_coordinator_profile(
            coordinator, by=request.user, training_completed_on=d["training_completed_on"],
            capacity=d["capacity"])
    return _profile_step(
        request, form, "coordination/partials/coordinator_update_form.html",
        {"coordinator": coordinator}, step,
        lambda c: _("The profile of %(name)s is saved.") % {"name": c.user.display_name()})
