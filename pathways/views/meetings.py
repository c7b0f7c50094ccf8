"""A discharge meeting's own page: when and where, who is invited and how they answered,
the invitation as a calendar file, and the meeting's steps for those who may take them.

Anyone who may see the patient sees the meeting (DischargeMeeting.objects.visible_to);
outside that scope it is a 404. Invited people answer inline. The organising side (the
hospital's planners, the municipality's KE) reschedules, cancels, invites more people,
writes the minutes and gives follow-up tasks; those forms open in a panel beside the
meeting (meeting_steps), and a success re-renders the meeting out of band. The services
decide every step: the buttons shown here are a courtesy, not the check.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common import dates
from common.forms import text_area
from common.htmx import action_view, announcement, render_page, run_action, step_view
from common.lookup import one_or_404
from registry.models import AuditAction, AuditObjectType, Membership

from .. import access, services
from ..calendar import meeting_ics
from ..models import (
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    ParticipantStatus,
)
from . import common

SECTION = "pathways/partials/meeting_summary.html"


def meeting_url(meeting) -> str:
    return reverse("pathways:meeting_detail", args=[meeting.uuid])


def _meetings(user):
    return DischargeMeeting.objects.visible_to(user).select_related(
        "admission__patient", "admission__hospital", "admission__ward", "admission__municipality",
        "organizer")


def meeting_in_scope(request, uuid) -> DischargeMeeting:
    """The meeting, or 404 outside scope; a GET (a panel showing it) is audited as a read."""
    meeting = one_or_404(_meetings(request.user), uuid=uuid)
    if request.method == "GET":
        access.audit_reads(request.user, [meeting], object_type=AuditObjectType.DISCHARGE_MEETING,
                           patient_of=lambda m: m.admission.patient)
    return meeting


def with_details(user, **lookup) -> DischargeMeeting | None:
    """The meeting with its participants and tasks (two prefetches), if in scope."""
    return _meetings(user).prefetch_related(
        Prefetch("participants", queryset=MeetingParticipant.objects.select_related(
            "user", "organization").order_by("kind", "name", "pk")),
        Prefetch("tasks", queryset=FollowUpTask.objects.select_related(
            "responsible_user").order_by("due_date", "pk")),
    ).filter(**lookup).first()


def organizing_side(user, admission) -> bool:
    """Whether to offer the organiser's steps (services._require_organizing_side decides)."""
    return Membership.objects.filter(user=user).filter(
        Q(organization_id=admission.hospital_id, role__in=access.HOSPITAL_ROLES)
        | Q(organization_id=admission.municipality_id, role__in=access.MUNICIPAL_ROLES),
    ).exists()


def meeting_when(moment) -> str:
    return dates.when(moment)


def meeting_context(request, meeting: DischargeMeeting, **extra) -> dict:
    """Queries: the participants and tasks come prefetched with the meeting; then the audit
    of this read (memberships, care relationships, INSERT) and the organiser check."""
    user, admission = request.user, meeting.admission
    at = common.now()
    log_read(user, meeting)
    participants = list(meeting.participants.all())
    can_organize = organizing_side(user, admission)
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    started = meeting.scheduled_at <= at
    mine = next((p for p in participants if p.user_id == user.pk), None)
    tasks = list(meeting.tasks.all())
    # What the patient and their next of kin want to talk about: written on their own pages.
    topics = [p for p in participants if p.topics]
    for task in tasks:
        task.can_complete = task.done_at is None and (
            can_organize or task.responsible_user_id == user.pk)
        task.overdue = task.done_at is None and task.due_date < timezone.localdate(at)
    return {
        "meeting": meeting,
        "admission": admission,
        "patient": admission.patient,
        "participants": participants,
        "answers": common.invitation_counts(meeting, participants),
        "mine": mine,
        "can_respond": bool(mine and scheduled and not started),
        "can_organize": can_organize,
        "can_change": can_organize and scheduled,
        "can_record_minutes": can_organize and started
        and meeting.status != MeetingStatus.CANCELLED,
        "can_add_tasks": can_organize and meeting.status != MeetingStatus.CANCELLED,
        "is_scheduled": scheduled,
        "started": started,
        "ends_at": meeting.scheduled_at + datetime.timedelta(minutes=meeting.duration_minutes),
        "tasks": tasks,
        "topics": topics,
        "at": at,
        **extra,
    }


def log_read(user, meeting) -> None:
    patient = meeting.admission.patient
    access.audit_reads(user, [meeting], object_type=AuditObjectType.DISCHARGE_MEETING,
                       patient_of=lambda _meeting: patient)


@never_cache
@login_required
@require_GET
def meeting_detail(request, uuid):
    """Queries: 1 session, 2 user, 3 the meeting with admission, patient, hospital,
    municipality and organiser, 4 participants with user and organisation, 5 tasks with the
    responsible user, 6 memberships and 7 care relationships (grounds of the audit), 8 the
    audit INSERT, 9 the organiser check, 10 navigation (memberships, unread count)."""
    meeting = with_details(request.user, uuid=uuid)
    if meeting is None:
        raise Http404("No such meeting.")
    context = meeting_context(request, meeting)
    return render_page(request, "pathways/meeting.html", SECTION, context)


@never_cache
@login_required
@require_GET
def meeting_invitation(request, uuid):
    """The invitation as an iCalendar file, as the API and the e-mails carry it."""
    meeting = meeting_in_scope(request, uuid)
    patient = meeting.admission.patient
    access.audit_reads(request.user, [meeting], object_type=AuditObjectType.DISCHARGE_MEETING,
                       patient_of=lambda _meeting: patient, action=AuditAction.EXPORT,
                       detail="invitation.ics")
    summary = _("Discharge meeting, %(hospital)s") % {
        "hospital": meeting.admission.hospital.name}
    response = HttpResponse(meeting_ics(meeting, summary=summary),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitation.ics"'
    return response


# ---------------------------------------------------------------------------------------
# After a step.


def _section_response(request, meeting, message: str, *, error: bool, status: int = 200):
    """After an inline step (an answer, a task done): the meeting again with the outcome
    on top (htmx), or back to the page with the outcome as a message."""
    if not request.htmx:
        (messages.error if error else messages.success)(request, message)
        return redirect(meeting_url(meeting))
    fresh = with_details(request.user, pk=meeting.pk)
    if fresh is None:
        return HttpResponse(announcement(message), status=status)
    context = meeting_context(request, fresh, flash=message, flash_error=error,
                              announce=message)
    return render(request, SECTION, context, status=status)


# ---------------------------------------------------------------------------------------
# The invited person's answer.


@action_view
def meeting_respond(request, uuid):
    """The signed-in person accepts or declines their own invitation, on the meeting page."""
    meeting = meeting_in_scope(request, uuid)
    participant = meeting.participants.filter(user=request.user).first()
    if participant is None:
        raise Http404("No such invitation.")
    participant.meeting = meeting
    result, error, status = run_action(lambda: services.respond_to_invitation(
        participant, by=request.user, status=request.POST.get("status", "")))
    if result is None:
        return _section_response(request, meeting, error, error=True, status=status)
    message = (_("You accepted the discharge meeting %(when)s.") if result.status ==
               ParticipantStatus.ACCEPTED else _("You declined the discharge meeting %(when)s."))
    return _section_response(request, meeting,
                             message % {"when": meeting_when(meeting.scheduled_at)}, error=False)


@action_view
def meeting_complete_task(request, uuid, task_uuid):
    """The responsible user, or the organising side, marks a follow-up task done."""
    meeting = meeting_in_scope(request, uuid)
    task = FollowUpTask.objects.filter(meeting=meeting, uuid=task_uuid).first()
    if task is None:
        raise Http404("No such task.")
    task.meeting = meeting
    result, error, status = run_action(
        lambda: services.complete_follow_up_task(task, by=request.user))
    if result is None:
        return _section_response(request, meeting, error, error=True, status=status)
    return _section_response(request, meeting, _("Task done: %(what)s.") % {
        "what": task.description}, error=False)


# ---------------------------------------------------------------------------------------
# The minutes meant for the patient (shown on the patient's own pages).


class PatientMinutesForm(forms.Form):
    minutes_for_patient = forms.CharField(
        label=gettext_lazy("Minutes for the patient"), required=False, widget=text_area(8),
        help_text=gettext_lazy("The patient and the next of kin they chose read this on their "
                               "own pages: plain language, no abbreviations. The minutes and "
                               "decisions above stay with staff."))

    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("initial", {"minutes_for_patient": meeting.minutes_for_patient})
        super().__init__(*args, **kwargs)


@step_view
def meeting_patient_minutes(request, uuid):
    """The organising side writes (or corrects) the minutes for the patient, in the panel."""
    from .meeting_steps import _panel_step  # the panel's steps build on this module

    return _panel_step(
        request, uuid, lambda meeting, data: PatientMinutesForm(data, meeting=meeting),
        lambda meeting, form: services.record_patient_minutes(
            meeting, by=request.user, text=form.cleaned_data["minutes_for_patient"]),
        lambda _meeting, _result: _("The minutes for the patient are saved; the patient can "
                                    "read them on their own pages."),
        title=_("Minutes for the patient"), submit=_("Save the minutes for the patient"),
        stacked=True,
        hint=_("Written after the meeting has started, in words the patient understands."))
