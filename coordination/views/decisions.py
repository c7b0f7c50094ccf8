"""The KE's steps from its overview, each a form in the panel: accept or decline a request for
an individual plan or a coordinator, and create or change a coordinator's profile. A success
answers with the overview's lists out of band and an announcement."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from common.htmx import CONFLICT, form_step, posted, render_panel, step_done, step_view
from common.lookup import one_or_404
from pathways.access import audit_reads
from pathways.views.inbox import ke_municipalities
from registry.models import AuditObjectType

from .. import links, services
from ..access import visible_requests
from ..forms import (
    AcceptRequestForm,
    CoordinatorProfileForm,
    CoordinatorUpdateForm,
    DeclineRequestForm,
)
from ..models import (
    OPEN_REQUEST_STATUSES,
    Coordinator,
    IndividualPlan,
    PlanRequest,
    RequestKind,
    RequestStatus,
)
from .overview import overview, require_ke


def overview_done(request, message: str, links=()):
    """After a step from the overview: back to it (PRG), or for htmx the confirmation in the
    panel (with `links` to what the step made), the overview's lists out of band and the
    announcement."""
    return step_done(
        request, message, redirect_to=reverse("coordination:ke_overview"), links=links,
        oob=lambda: render_to_string(
            "coordination/partials/overview_lists.html",
            {**overview(request, require_ke(request.user)), "oob": True}, request=request))


def _panel_step(request, form, template: str, context: dict, step, done_message,
                done_links=lambda _result: ()):
    """A step of the overview in the panel; `done_message(result)` and `done_links(result)`
    when done."""
    context = {**context, "back_url": reverse("coordination:ke_overview")}
    return form_step(
        request, form, step,
        show=lambda form, status: render_panel(request, template, {**context, "form": form},
                                               status),
        done=lambda result: overview_done(request, done_message(result), done_links(result)))


# ---------------------------------------------------------------------------------------
# Requests (melding om behov): the KE's decision


def _get_request(user, uuid) -> PlanRequest:
    return one_or_404(visible_requests(user).select_related("patient", "municipality",
                                                            "decided_by"),
                      uuid=uuid, municipality_id__in=ke_municipalities(user))


def decision_outcome(plan_request: PlanRequest):
    """(plan, assignment) the decision made: the plan opened for the request, or (an accepted
    request for a plan, when a coordinator-only plan was open) the open plan it turned into
    one; and the coordinator assignment made with the decision. Two queries at most."""
    if plan_request.decided_at is None:
        return None, None
    plans = IndividualPlan.objects.filter(
        patient_id=plan_request.patient_id, municipality_id=plan_request.municipality_id)
    plan = plans.filter(request=plan_request).first()
    if plan is None and plan_request.status == RequestStatus.ACCEPTED and (
            plan_request.kind == RequestKind.INDIVIDUAL_PLAN):
        plan = plans.filter(created_at__lte=plan_request.decided_at).order_by(
            "-created_at", "-pk").first()
    if plan is None:
        return None, None
    assignment = plan.assignments.filter(assigned_at__gte=plan_request.decided_at).order_by(
        "assigned_at", "pk").select_related("coordinator__user").first()
    return plan, assignment


def decision_links(plan_request: PlanRequest) -> list[tuple[str, str]]:
    """Links to what the KE's decision on the request made: the plan, and the coordinator
    assignment when one was made with it (nothing for a decline without a coordinator)."""
    plan, assignment = decision_outcome(plan_request)
    if plan is None:
        return []
    url = links.plan_url(plan.uuid)
    found = [(_("Open the individual plan for %(name)s") % {
        "name": plan_request.patient.full_name}, url)]
    if assignment is not None:
        found.append((_("See the coordinator assignment (%(name)s)") % {
            "name": assignment.coordinator.user.display_name()},
            f"{url}#assignment-{assignment.uuid}"))
    return found


def _decided(request, plan_request: PlanRequest):
    """A request already decided: the decision and links to what it made, instead of a form
    (409 for a POST: nothing is changed)."""
    audit_reads(request.user, [plan_request], object_type=AuditObjectType.PLAN_REQUEST,
                patient_of=lambda r: r.patient, detail="decision")
    decided_by = plan_request.decided_by
    return render_panel(request, "coordination/partials/decided_request.html", {
        "plan_request": plan_request, "patient": plan_request.patient,
        "decided_by": decided_by.display_name() if decided_by else "",
        "links": decision_links(plan_request),
        "back_url": reverse("coordination:ke_overview")},
        CONFLICT if request.method == "POST" else 200)


def _decision(request, uuid, form_class, template, decide, done_message):
    """The KE's decision on a request: `decide(plan_request, by=user, **the form's fields)`.
    A request already decided shows the decision and what it made."""
    plan_request = _get_request(request.user, uuid)
    if plan_request.status not in OPEN_REQUEST_STATUSES:
        return _decided(request, plan_request)
    coordinators = services.coordinators_with_load(plan_request.municipality).filter(
        active=True)
    return _panel_step(
        request, form_class(posted(request), coordinators=coordinators), template,
        {"plan_request": plan_request, "patient": plan_request.patient},
        lambda data: decide(plan_request, by=request.user, **data),
        lambda _result: done_message % {"name": plan_request.patient.full_name},
        lambda _result: decision_links(plan_request))


@step_view
def accept_request(request, uuid):
    return _decision(request, uuid, AcceptRequestForm, "coordination/partials/accept_form.html",
                     services.accept_request, _("The request for %(name)s is accepted."))


@step_view
def decline_request(request, uuid):
    return _decision(request, uuid, DeclineRequestForm,
                     "coordination/partials/decline_form.html", services.decline_request,
                     _("The request for %(name)s is declined."))


# ---------------------------------------------------------------------------------------
# Coordinator profiles


def _get_coordinator(user, uuid) -> Coordinator:
    return one_or_404(Coordinator.objects.select_related("user", "organization"),
                      uuid=uuid, organization_id__in=ke_municipalities(user))


@step_view
def create_coordinator(request):
    org_ids = require_ke(request.user)
    form = CoordinatorProfileForm(posted(request), org_ids=org_ids)
    if len(org_ids) == 1 and request.method == "GET":
        form.initial["organization"] = org_ids[0]

    def step(d):
        return services.create_coordinator_profile(
            user=d["user"], organization=d["organization"], by=request.user, kind=d["kind"],
            profession=d["profession"], training_completed_on=d["training_completed_on"],
            capacity=d["capacity"])
    return _panel_step(
        request, form, "coordination/partials/coordinator_form.html", {}, step,
        lambda c: _("%(name)s is a coordinator.") % {"name": c.user.display_name()})


@step_view
def update_coordinator(request, uuid):
    require_ke(request.user)
    coordinator = _get_coordinator(request.user, uuid)
    form = CoordinatorUpdateForm(posted(request), initial={
        "training_completed_on": coordinator.training_completed_on,
        "capacity": coordinator.capacity})

    def step(d):
        return services.update_coordinator_profile(
            coordinator, by=request.user, training_completed_on=d["training_completed_on"],
            capacity=d["capacity"])
    return _panel_step(
        request, form, "coordination/partials/coordinator_update_form.html",
        {"coordinator": coordinator}, step,
        lambda c: _("The profile of %(name)s is saved.") % {"name": c.user.display_name()})
