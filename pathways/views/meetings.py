"""A discharge meeting's own page: when and where, who is invited and how they answered,
the invitation as a calendar file, and the meeting's steps for those who may take them.

Anyone who may see the patient sees the meeting (DischargeMeeting.objects.visible_to);
outside that scope it is a 404. Invited people answer inline. The organising side (the
hospital's planners, the municipality's KE) reschedules, cancels, invites more people,
writes the minutes and gives follow-up tasks; those forms open in a panel beside the
meeting, and a success re-renders the meeting out of band. The services decide every
step: the buttons shown here are a courtesy, not the check.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry.models import AuditAction, Membership
from rehab_portal.htmx import render_page

from .. import access, services
from ..calendar import meeting_ics
from ..forms import (
    AddParticipantsForm,
    CancelMeetingForm,
    FollowUpTaskForm,
    MinutesForm,
    RescheduleMeetingForm,
)
from ..models import (
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    ParticipantStatus,
)
from . import common

PANEL = "pathways/partials/meeting_step_form.html"
SECTION = "pathways/partials/meeting_summary.html"


def meeting_url(meeting) -> str:
    return reverse("pathways:meeting_detail", args=[meeting.uuid])


def _meetings(user):
    return DischargeMeeting.objects.visible_to(user).select_related(
        "admission__patient", "admission__hospital", "admission__municipality", "organizer")


def _meeting_in_scope(request, uuid) -> DischargeMeeting:
    """The meeting, or 404 outside scope; a GET (a panel showing it) is audited as a read."""
    try:
        meeting = _meetings(request.user).get(uuid=uuid)
    except (DischargeMeeting.DoesNotExist, ValueError) as exc:
        raise Http404("No such meeting.") from exc
    if request.method == "GET":
        access.log_patient_access(request.user, AuditAction.VIEW, [meeting.admission.patient],
                           object_type="dischargemeeting",
                           object_ids={meeting.admission.patient_id: meeting.uuid})
    return meeting


def _with_details(user, **lookup) -> DischargeMeeting | None:
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


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


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
    for task in tasks:
        task.can_complete = task.done_at is None and (
            can_organize or task.responsible_user_id == user.pk)
        task.overdue = task.done_at is None and task.due_date < timezone.localdate(at)
    return {
        "meeting": meeting,
        "admission": admission,
        "patient": admission.patient,
        "participants": participants,
        "accepted": sum(1 for p in participants if p.status == ParticipantStatus.ACCEPTED),
        "declined": sum(1 for p in participants if p.status == ParticipantStatus.DECLINED),
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
        "at": at,
        **extra,
    }


def log_read(user, meeting) -> None:
    patient = meeting.admission.patient
    access.log_patient_access(user, AuditAction.VIEW, [patient], object_type="dischargemeeting",
                              object_ids={patient.pk: meeting.uuid})


@never_cache
@login_required
@require_GET
def meeting_detail(request, uuid):
    """Queries: 1 session, 2 user, 3 the meeting with admission, patient, hospital,
    municipality and organiser, 4 participants with user and organisation, 5 tasks with the
    responsible user, 6 memberships and 7 care relationships (grounds of the audit), 8 the
    audit INSERT, 9 the organiser check, 10 navigation (memberships, unread count)."""
    meeting = _with_details(request.user, uuid=uuid)
    if meeting is None:
        raise Http404("No such meeting.")
    context = meeting_context(request, meeting)
    return render_page(request, "pathways/meeting.html", SECTION, context)


@never_cache
@login_required
@require_GET
def meeting_invitation(request, uuid):
    """The invitation as an iCalendar file, as the API and the e-mails carry it."""
    meeting = _meeting_in_scope(request, uuid)
    patient = meeting.admission.patient
    access.log_patient_access(request.user, AuditAction.EXPORT, [patient],
                              object_type="dischargemeeting",
                              object_ids={patient.pk: meeting.uuid}, detail="invitation.ics")
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
    fresh = _with_details(request.user, pk=meeting.pk)
    if fresh is None:
        return HttpResponse(common.announcement(message), status=status)
    context = meeting_context(request, fresh, flash=message, flash_error=error,
                              announce=message)
    return render(request, SECTION, context, status=status)


def _step_done(request, meeting, message: str):
    """After a panel's step: the confirmation in the panel, the meeting out of band and the
    announcement (htmx); a whole page goes back to the meeting (PRG)."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(meeting_url(meeting))
    fresh = _with_details(request.user, pk=meeting.pk)  # still in scope after the write?
    section = render_to_string(SECTION, {**meeting_context(request, fresh), "oob": True},
                               request=request) if fresh is not None else ""
    html = render_to_string("pathways/partials/panel_done.html", {"message": message},
                            request=request)
    return HttpResponse(html + section + common.announcement(message))


def _panel_step(request, uuid, make_form, step, message, *, title, submit, hint="",
                aliases=None, **extra):
    """A meeting step in the panel: GET shows the form, POST runs the service."""
    meeting = _meeting_in_scope(request, uuid)
    form = make_form(meeting, common.posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = common.run_step(form, lambda: step(meeting, form), aliases)
            if status == 200:
                return _step_done(request, meeting, message(meeting, result))
        else:
            status = common.UNPROCESSABLE
    admission = meeting.admission
    context = {
        "meeting": meeting, "admission": admission, "patient": admission.patient,
        "form": form, "title": title, "hint": hint, "submit_label": submit,
        "action": request.path, "back_url": meeting_url(meeting),
        "subtitle": _("%(patient)s, %(when)s") % {"patient": admission.patient.full_name,
                                                  "when": _when(meeting.scheduled_at)},
        **extra,
    }
    return common.render_panel(request, PANEL, context, status)


def _utc(moment):
    return moment.astimezone(datetime.UTC) if moment else moment


# ---------------------------------------------------------------------------------------
# The invited person's answer.


@never_cache
@login_required
@require_POST
def meeting_respond(request, uuid):
    """The signed-in person accepts or declines their own invitation, on the meeting page."""
    meeting = _meeting_in_scope(request, uuid)
    participant = meeting.participants.filter(user=request.user).first()
    if participant is None:
        raise Http404("No such invitation.")
    participant.meeting = meeting
    result, error, status = common.run_action(lambda: services.respond_to_invitation(
        participant, by=request.user, status=request.POST.get("status", "")))
    if result is None:
        return _section_response(request, meeting, error, error=True, status=status)
    message = (_("You accepted the discharge meeting %(when)s.") if result.status ==
               ParticipantStatus.ACCEPTED else _("You declined the discharge meeting %(when)s."))
    return _section_response(request, meeting, message % {"when": _when(meeting.scheduled_at)},
                             error=False)


# ---------------------------------------------------------------------------------------
# The organising side's steps.


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_reschedule(request, uuid):
    def step(meeting, form):
        changes = form.changes()
        if "scheduled_at" in changes:
            changes["scheduled_at"] = _utc(changes["scheduled_at"])
        return services.reschedule_discharge_meeting(meeting, by=request.user, **changes)

    return _panel_step(
        request, uuid, lambda meeting, data: RescheduleMeetingForm(data, meeting=meeting), step,
        lambda _meeting, result: _(
            "The discharge meeting is changed: %(when)s, %(place)s. Everyone invited is told "
            "and asked to answer again.") % {"when": _when(result.scheduled_at),
                                              "place": result.location or result.video_link},
        title=_("Change time or place"), submit=_("Change and tell everyone"),
        hint=_("Everyone invited gets the change in the portal or by e-mail with an updated "
               "calendar file. Answers given for the old time no longer hold."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, uuid):
    return _panel_step(
        request, uuid, lambda _meeting, data: CancelMeetingForm(data),
        lambda meeting, form: services.cancel_discharge_meeting(
            meeting, by=request.user, reason=form.cleaned_data["reason"]),
        lambda meeting, _result: _("The discharge meeting %(when)s is cancelled; everyone "
                                   "invited is told.") % {"when": _when(meeting.scheduled_at)},
        title=_("Cancel the meeting"), submit=_("Cancel the meeting"),
        back_label=_("Keep the meeting"),
        hint=_("Everyone invited gets a cancellation in the portal or by e-mail."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_add_participants(request, uuid):
    def make_form(meeting, data):
        return AddParticipantsForm(data, admission=meeting.admission,
                                   invited=meeting.participants.all())

    def message(_meeting, created):
        return ngettext("%(count)d more person is invited.", "%(count)d more people are invited.",
                        len(created)) % {"count": len(created)}

    return _panel_step(
        request, uuid, make_form,
        lambda meeting, form: services.add_participants(meeting, by=request.user,
                                                        participants=form.participants()),
        message, title=_("Invite more people"), submit=_("Invite"), participants_form=True,
        hint=_("Only those you add get an invitation now. Calendar entries and e-mail name no "
               "patient."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request, uuid):
    def step(meeting, form):
        data = form.cleaned_data
        return services.record_minutes(meeting, by=request.user, minutes=data["minutes"],
                                       decisions=data["decisions"], attended=data["attended"])

    return _panel_step(
        request, uuid, lambda meeting, data: MinutesForm(data, meeting=meeting), step,
        lambda _meeting, _result: _("Minutes recorded; the meeting is marked as held."),
        title=_("Minutes"), submit=_("Save the minutes"), stacked=True,
        hint=_("Written after the meeting has started. Tick who attended."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_add_task(request, uuid):
    def step(meeting, form):
        data = form.cleaned_data
        return services.add_follow_up_task(
            meeting, by=request.user, description=data["description"],
            responsible_name=data["responsible_name"], due_date=data["due_date"],
            responsible_user=data["responsible_user"])

    return _panel_step(
        request, uuid, lambda meeting, data: FollowUpTaskForm(data, meeting=meeting), step,
        lambda _meeting, task: _("Follow-up task added: %(what)s (%(who)s, due %(date)s).") % {
            "what": task.description, "who": task.responsible_name,
            "date": task.due_date.strftime("%d.%m.%Y")},
        title=_("Add a follow-up task"), submit=_("Add the task"))


@never_cache
@login_required
@require_POST
def meeting_complete_task(request, uuid, task_id):
    """The responsible user, or the organising side, marks a follow-up task done."""
    meeting = _meeting_in_scope(request, uuid)
    task = FollowUpTask.objects.filter(meeting=meeting, pk=task_id).first()
    if task is None:
        raise Http404("No such task.")
    task.meeting = meeting
    result, error, status = common.run_action(
        lambda: services.complete_follow_up_task(task, by=request.user))
    if result is None:
        return _section_response(request, meeting, error, error=True, status=status)
    return _section_response(request, meeting, _("Task done: %(what)s.") % {
        "what": task.description}, error=False)
