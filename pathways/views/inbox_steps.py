"""The KE inbox's steps: acknowledge an early notification (also from the archive), answer a
ready-for-discharge declaration in the panel (common.htmx.form_step), accept or
decline a meeting invitation. A success shows the lists again with the outcome announced."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.htmx import (
    action_view,
    form_step,
    posted,
    render_panel,
    run_action,
    step_done,
    step_view,
)
from common.lookup import one_or_404
from registry.models import AuditObjectType

from .. import services
from ..access import audit_reads, visible_patients
from ..forms import AnswerReadyForm
from ..models import EarlyNotification, MeetingParticipant, ParticipantStatus, ReadyForDischarge
from . import common
from .inbox import inbox_context, ke_municipalities


def _lists_response(request, message: str, *, error: bool, status: int = 200):
    """After an inline step: the lists again with the outcome on top (htmx), or back to
    the inbox with the outcome as a message (a whole page)."""
    if not request.htmx:
        (messages.error if error else messages.success)(request, message)
        if request.POST.get("from") == "archive":
            return redirect(reverse("pathways:ke_inbox_archive") + _archive_query(request))
        return redirect("pathways:ke_inbox")
    org_ids = ke_municipalities(request.user)
    context = inbox_context(request, org_ids, common.now()) if org_ids else {
        "waiting": [], "acknowledged": [], "declarations": [], "meetings": []}
    context.update({"flash": message, "flash_error": error, "announce": message})
    return render(request, "pathways/partials/ke_inbox_lists.html", context, status=status)


def _archive_query(request) -> str:
    """Back to the archive page and search the form was sent from."""
    kept = {k: request.POST[k] for k in ("q", "page") if request.POST.get(k)}
    return f"?{urlencode(kept)}" if kept else ""


@action_view
def acknowledge_notice(request, uuid):
    notice = one_or_404(EarlyNotification.objects.visible_to(request.user).sent().select_related(
        "admission__patient", "admission__municipality", "admission__hospital"), uuid=uuid)
    result, error, status = run_action(
        lambda: services.acknowledge_early_notification(notice, by=request.user))
    if result is None:
        return _lists_response(request, error, error=True, status=status)
    return _lists_response(request, _(
        "Early notification for %(name)s (version %(version)s) acknowledged.") % {
            "name": notice.admission.patient.full_name, "version": notice.sequence},
        error=False)


@step_view
def answer_declaration(request, uuid):
    declaration = one_or_404(ReadyForDischarge.objects.filter(
        admission__patient__in=visible_patients(request.user)).select_related(
        "admission__patient", "admission__municipality", "admission__hospital"), uuid=uuid)
    if request.method == "GET":
        audit_reads(request.user, [declaration], object_type=AuditObjectType.READY_FOR_DISCHARGE,
                    patient_of=lambda d: d.admission.patient)
    admission = declaration.admission

    def show(form, status):
        context = {"declaration": declaration, "admission": admission,
                   "patient": admission.patient, "form": form,
                   "back_url": reverse("pathways:ke_inbox")}
        return render_panel(request, "pathways/partials/answer_form.html", context, status)

    def done(answer):
        return step_done(request, _("Answer sent to %(hospital)s: %(answer)s.") % {
            "hospital": admission.hospital.name, "answer": answer.get_kind_display().lower()},
            redirect_to=reverse("pathways:ke_inbox"), oob=lambda: _lists_oob(request))

    return form_step(
        request, AnswerReadyForm(posted(request)),
        lambda data: services.answer_ready_for_discharge(
            declaration, by=request.user, kind=data["kind"], receive_on=data["receive_on"],
            expected_date=data["expected_date"], comment=data["comment"]),
        show=show, done=done)


def _lists_oob(request) -> str:
    """The lists, to swap in out of band after a step in the panel."""
    org_ids = ke_municipalities(request.user)
    if not org_ids:
        return ""
    context = inbox_context(request, org_ids, common.now())
    return render_to_string("pathways/partials/ke_inbox_lists.html", {**context, "oob": True},
                            request=request)


@action_view
def respond_to_meeting(request, uuid):
    """The signed-in person accepts or declines their own invitation."""
    participant = one_or_404(MeetingParticipant.objects.select_related(
        "meeting__admission__patient", "meeting__admission__hospital",
        "meeting__admission__municipality"),
        meeting__uuid=uuid, user=request.user,
        meeting__admission__patient__in=visible_patients(request.user))
    status = request.POST.get("status", "")
    result, error, code = run_action(
        lambda: services.respond_to_invitation(participant, by=request.user, status=status))
    if result is None:
        return _lists_response(request, error, error=True, status=code)
    when = timezone.localtime(participant.meeting.scheduled_at).strftime("%d.%m.%Y %H:%M")
    message = (_("You accepted the discharge meeting %(when)s.") if result.status ==
               ParticipantStatus.ACCEPTED else _("You declined the discharge meeting %(when)s."))
    return _lists_response(request, message % {"when": when}, error=False)
