"""The referral's page: what was asked and why, the needs assessment's summary (the patient's
own goals first), the patient's other open referrals (nobody waits in two queues unseen),
the deadlines, and the steps the reader may take, each an inline form that posts to its own
URL and answers the page's body again (htmx) or the page (PRG).

The receiving unit: the rights assessment with accept or decline, forward, ask for more
information. The referrer: answer a request for information. Once accepted with a right:
the patient's free choice among the places that offer the service. The unit that keeps the
list: the expected start, the start. Either side: withdraw."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import action_view, form_step, leave_for, render_page
from common.sweeps import local_date
from pathways.access import grounds, read_entries
from registry import audit
from registry.models import AuditAction, AuditObjectType, ServiceOffering
from registry.waiting_lists import sees_waiting_list

from .. import services
from ..forms import (
    ChoiceForm,
    DecisionForm,
    ExpectedStartForm,
    ForwardForm,
    GiveInformationForm,
    RequestInformationForm,
    StartForm,
    WithdrawForm,
)
from ..models import ReferralStatus
from ..workdays import working_days_between
from .access import get_visible_referral, visible_referrals

FORMS = {"decide": DecisionForm, "forward": ForwardForm, "ask": RequestInformationForm,
         "answer": GiveInformationForm, "choose": ChoiceForm, "schedule": ExpectedStartForm,
         "start": StartForm, "withdraw": WithdrawForm}


def _forward_targets(referral):
    """Where the unit may send the referral on: the active services that can serve the
    patient's municipality, but the one asked for."""
    return (ServiceOffering.objects.can_serve(referral.patient.municipality)
            .filter(active=True).exclude(pk=referral.service_id)
            .select_related("provider", "level").order_by("level__sort_order", "name"))


def _form_kwargs(kind: str, referral) -> dict:
    if kind == "decide":
        return {"allocatable": services.allocatable_services(referral).order_by("name")}
    if kind == "forward":
        return {"services": _forward_targets(referral)}
    if kind == "choose":
        return {"options": services.choice_options(referral)}
    return {}


def _initial(kind: str, referral, today) -> dict:
    initial = {"version": referral.version}
    if kind == "decide":
        initial["allocated_service"] = referral.service.uuid if \
            referral.receiver.kind != "assessment_unit" else None
    elif kind == "choose" and referral.allocated_service_id:
        initial["service"] = referral.allocated_service.uuid
    elif kind == "schedule":
        initial["expected_start"] = referral.expected_start
    elif kind == "start":
        initial["started_on"] = today
    return initial


def referral_context(request, referral, *, forms=None) -> dict:
    """What the page shows, and the forms of the steps the reader may take (a form given in
    `forms`, by kind, comes back with its errors)."""
    user = request.user
    today = local_date(timezone.now())
    assessor = services.may_assess(user, referral)
    referrer = services.may_act_as_referrer(user, referral)
    list_keeper = bool(referral.allocated_service_id) and sees_waiting_list(
        user, referral.allocated_service)
    status = referral.status
    allowed = {
        "decide": assessor and referral.awaits_assessment,
        "forward": assessor and referral.awaits_assessment,
        "ask": assessor and status == ReferralStatus.RECEIVED,
        "answer": referrer and status == ReferralStatus.INFORMATION_REQUESTED,
        "choose": (assessor or referrer) and status == ReferralStatus.ACCEPTED
        and bool(referral.has_right),
        "schedule": (assessor or list_keeper) and status == ReferralStatus.ACCEPTED,
        "start": (assessor or list_keeper) and status == ReferralStatus.ACCEPTED,
        "withdraw": (assessor or referrer or list_keeper) and referral.is_open,
    }
    given = forms or {}
    shown = {kind: given.get(kind) or FORMS[kind](
        initial=_initial(kind, referral, today), **_form_kwargs(kind, referral))
        for kind, may in allowed.items() if may}
    others = list(services.other_open_referrals(referral).select_related(
        "service__provider", "service__level", "receiver", "allocated_service__provider")
        .order_by("received_at", "pk"))
    assessment = referral.needs_assessment
    domain_scores = list(assessment.domain_scores.select_related("domain").exclude(
        difficulty=None).order_by("domain__sort_order")) if assessment else []
    days_left = working_days_between(today, referral.assessment_due)
    return {
        "referral": referral, "patient": referral.patient, "assessment": assessment,
        "domain_scores": domain_scores, "others": others, "today": today,
        "days_left": days_left, "days_late": -days_left,
        "care_days_left": (referral.care_start_deadline - today).days
        if referral.care_start_deadline else None,
        "is_assessor": assessor, "is_referrer": referrer, "is_list_keeper": list_keeper,
        "forms": shown,
        "onward": getattr(referral, "forwarded_to", None)
        if status == ReferralStatus.FORWARDED else None,
    }


def _render(request, referral, *, forms=None, status=200, flash=""):
    return _respond(request, referral_context(request, referral, forms=forms), status, flash)


def _respond(request, context, status=200, flash=""):
    context |= {"flash": flash, "announce": flash if request.htmx else ""}
    return render_page(request, "referrals/referral.html",
                       "referrals/partials/referral_body.html", context, status)


@never_cache
@login_required
@require_GET
def referral_detail(request, uuid):
    referral = get_visible_referral(request.user, uuid)
    context = referral_context(request, referral)
    response = _respond(request, context)
    # The referral, and the patient's other open referrals it shows, in one INSERT.
    basis = grounds(request.user, {referral.patient_id})
    audit.record_many(request.user, AuditAction.VIEW, [
        *read_entries(request.user, [referral], object_type=AuditObjectType.REFERRAL,
                      patient_of=lambda _r: referral.patient, basis=basis),
        *read_entries(request.user, context["others"], object_type=AuditObjectType.REFERRAL,
                      patient_of=lambda _r: referral.patient, basis=basis,
                      detail="another open referral of the patient")])
    return response


# -- The steps -----------------------------------------------------------------------------------

def _done(request, referral, message: str):
    """The page again with the outcome (htmx: its body and the announcement; else PRG). A
    forward answers with the new referral when the user sees it."""
    if not visible_referrals(request.user).filter(pk=referral.pk).exists():
        return leave_for(request, reverse("referrals:inbox"), message)
    if not request.htmx:
        messages.success(request, message)
        return redirect("referrals:referral", uuid=referral.uuid)
    return _render(request, get_visible_referral(request.user, referral.uuid), flash=message)


def _step(kind: str, call, message, aliases=None, page_of=lambda referral, result: result):
    """The view of one step: the form of `kind`, `call(referral, by, data)` the service
    call, `message(result)` the confirmation, `page_of(referral, result)` the referral whose
    page answers."""

    @action_view
    def view(request, uuid):
        referral = get_visible_referral(request.user, uuid)
        form = FORMS[kind](request.POST, **_form_kwargs(kind, referral))
        return form_step(
            request, form, lambda data: call(referral, request.user, data),
            show=lambda form, status: _render(request, referral, forms={kind: form},
                                              status=status),
            done=lambda result: _done(request, page_of(referral, result),
                                      str(message(result))),
            aliases=aliases)

    view.__name__ = f"referral_{kind}"
    return view


def _decide(referral, by, data):
    rights = {"has_right": data["has_right"], "severity": data["severity"],
              "expected_benefit": data["expected_benefit"],
              "resource_use": data["resource_use"]}
    if data["decision"] == "decline":
        return services.decline(referral, by=by, reason=data["reason"],
                                version=data["version"], **rights)
    return services.accept(
        referral, by=by, care_start_deadline=data["care_start_deadline"],
        expected_start=data["expected_start"], allocated_service=data["allocated_service"],
        reason=data["reason"], version=data["version"], **rights)


def _decided_message(referral):
    if referral.status == ReferralStatus.DECLINED:
        return _("The referral is declined. The referrer is told, with the reason.")
    return _("The referral is accepted: %(name)s is on the waiting list of %(service)s.") % {
        "name": referral.patient.full_name, "service": referral.allocated_service.name}


decide = _step("decide", _decide, _decided_message)
forward = _step(
    "forward", lambda r, by, d: services.forward(r, by=by, to_service=d["to_service"],
                                                 reason=d["reason"], version=d["version"]),
    lambda onward: _("The referral is forwarded to %(service)s; the referrer is told.") % {
        "service": onward.service.name},
    aliases={"service": "to_service"}, page_of=lambda referral, _onward: referral)
request_information = _step(
    "ask", lambda r, by, d: services.request_information(r, by=by, question=d["question"],
                                                         version=d["version"]),
    lambda _r: gettext_lazy("The referrer is asked for more information. The deadline "
                            "still runs from receipt."))
give_information = _step(
    "answer", lambda r, by, d: services.give_information(r, by=by, reply=d["reply"],
                                                         version=d["version"]),
    lambda _r: gettext_lazy("Your answer is sent to the receiving unit."))
record_choice = _step(
    "choose", lambda r, by, d: services.record_choice(r, by=by, service=d["service"],
                                                      version=d["version"]),
    lambda r: _("The patient's choice is recorded: %(service)s.") % {
        "service": r.allocated_service.name})
set_expected_start = _step(
    "schedule", lambda r, by, d: services.set_expected_start(
        r, by=by, expected_start=d["expected_start"], version=d["version"]),
    lambda _r: gettext_lazy("The expected start is saved."))
record_start = _step(
    "start", lambda r, by, d: services.record_start(r, by=by, started_on=d["started_on"],
                                                    version=d["version"]),
    lambda _r: gettext_lazy("The start is recorded; the patient has left the waiting list."))
withdraw = _step(
    "withdraw", lambda r, by, d: services.withdraw(r, by=by, reason=d["reason"],
                                                   note=d["note"], version=d["version"]),
    lambda _r: gettext_lazy("The referral is ended."))
