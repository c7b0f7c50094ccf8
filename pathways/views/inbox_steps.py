"""The KE inbox's steps: acknowledge an early notification (also from the archive), take it
("mine") or release it, answer a ready-for-discharge declaration in the panel
(common.htmx.form_step), accept or decline a meeting invitation.

A step on a row of the queue answers with that row alone, focused (autofocus on the row,
which htmx focuses after the swap) with its outcome in it and announced, and the filters'
counts out of band: the page stays where it was. Other steps show the lists again."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from common import dates
from common.htmx import (
    action_view,
    announcement,
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
from .inbox import inbox_context, inbox_fingerprint, ke_municipalities
from .inbox_queue import decorate, queue_counts, queue_params, with_rows, working_set


def _back_to_inbox(request, message: str, *, error: bool):
    """Without JavaScript: back to the page the form was sent from (the archive's search,
    the queue's filters and page) with the outcome as a message."""
    (messages.error if error else messages.success)(request, message)
    if request.POST.get("from") == "archive":
        return redirect(reverse("pathways:ke_inbox_archive") + _archive_query(request))
    query = queue_params(request).urlencode()
    return redirect(reverse("pathways:ke_inbox") + (f"?{query}" if query else ""))


def _lists_response(request, message: str, *, error: bool, status: int = 200):
    """After an inline step: the lists again with the outcome on top (htmx), or back to
    the inbox with the outcome as a message (a whole page)."""
    if not request.htmx:
        return _back_to_inbox(request, message, error=error)
    org_ids = ke_municipalities(request.user)
    context = inbox_context(request, org_ids, common.now()) if org_ids else {
        "queue": None, "declarations": [], "meetings": []}
    context.update({"flash": message, "flash_error": error, "announce": message})
    return render(request, "pathways/partials/ke_inbox_lists.html", context, status=status)


def _archive_query(request) -> str:
    """Back to the archive page and search the form was sent from."""
    kept = {k: request.POST[k] for k in ("q", "page") if request.POST.get(k)}
    return f"?{urlencode(kept)}" if kept else ""


def _fingerprint_now(request) -> str:
    """The lists' fingerprint before a step on a row, if the page that posted it was up to
    date (it sends the fingerprint it shows): then the step's own change need not make the
    next poll redraw the lists (and move the row the KE is on) after the step."""
    org_ids = ke_municipalities(request.user)
    posted_print = request.POST.get("fingerprint", "")
    if not (request.htmx and org_ids and posted_print):
        return ""
    current = inbox_fingerprint(request.user, org_ids, common.now())
    return current if current == posted_print else ""


def _row_response(request, notice, message: str, *, error: bool, status: int = 200,
                  current: str = ""):
    """After a step on a row of the queue: that row again with the outcome in it, focused
    (htmx), and the counts of the filters out of band; without JavaScript, back to the page.
    If the page was up to date before the step (`current`), its fingerprint is brought up to
    date too, so that the next poll finds nothing new."""
    if not request.htmx:
        return _back_to_inbox(request, message, error=error)
    user, at = request.user, common.now()
    org_ids = ke_municipalities(user)
    row = one_or_404(with_rows(EarlyNotification.objects.filter(pk=notice.pk)), pk=notice.pk)
    decorate([row], user, at)
    audit_reads(user, [row.admission.patient], object_type=AuditObjectType.KE_INBOX)
    html = render_to_string("pathways/partials/ke_inbox_row.html", {
        "notice": row, "row_message": message, "row_error": error, "focus": True,
        "back": queue_params(request).urlencode(),
    }, request=request)
    counts = queue_counts(working_set(user, org_ids, at), user, at) if org_ids else None
    html += render_to_string("pathways/partials/ke_inbox_counts.html",
                             {"counts": counts, "oob": True}, request=request)
    if current and org_ids:
        html += render_to_string("pathways/partials/ke_inbox_fingerprint.html", {
            "fingerprint": inbox_fingerprint(user, org_ids, at), "oob": True})
    return HttpResponse(html + announcement(message), status=status)


def _notice(request, uuid):
    return one_or_404(EarlyNotification.objects.visible_to(request.user).sent().select_related(
        "admission__patient", "admission__municipality", "admission__hospital"), uuid=uuid)


@action_view
def acknowledge_notice(request, uuid):
    notice = _notice(request, uuid)
    current = _fingerprint_now(request)
    result, error, status = run_action(
        lambda: services.acknowledge_early_notification(notice, by=request.user))
    if result is None:
        return _row_response(request, notice, error, error=True, status=status)
    return _row_response(request, notice, _(
        "Early notification for %(name)s (version %(version)s) acknowledged.") % {
            "name": notice.admission.patient.full_name, "version": notice.sequence},
        error=False, current=current)


@action_view
def take_notice(request, uuid):
    """Take the notice ("mine"); a colleague's only with take_over naming them."""
    notice = _notice(request, uuid)
    admission = notice.admission
    current = _fingerprint_now(request)
    result, error, status = run_action(lambda: services.take_notice(
        admission, by=request.user, take_over_from=request.POST.get("take_over", "")))
    if result is None:
        return _row_response(request, notice, error, error=True, status=status)
    return _row_response(request, notice, _(
        "You have taken the early notification for %(name)s.") % {
            "name": admission.patient.full_name}, error=False, current=current)


@action_view
def release_notice(request, uuid):
    notice = _notice(request, uuid)
    admission = notice.admission
    current = _fingerprint_now(request)
    result, error, status = run_action(
        lambda: services.release_notice(admission, by=request.user) or True)
    if result is None:
        return _row_response(request, notice, error, error=True, status=status)
    return _row_response(request, notice, _(
        "You have released the early notification for %(name)s; a colleague may take it.") % {
            "name": admission.patient.full_name}, error=False, current=current)


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
    when = dates.when(participant.meeting.scheduled_at)
    message = (_("You accepted the discharge meeting %(when)s.") if result.status ==
               ParticipantStatus.ACCEPTED else _("You declined the discharge meeting %(when)s."))
    return _lists_response(request, message % {"when": when}, error=False)
