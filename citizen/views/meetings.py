"""The patient's meetings: the discharge meetings of their hospital stays, coming ones first.

For each: when (Norwegian time), where or the video link, who is invited (names and roles in
plain words) and how they answered, the citizen's own invitation with Accept / Decline, what
they want to talk about, and the calendar file. Meetings that are over show the minutes
written for the patient, never the staff's minutes or decisions.

The patient answers the patient's invitation; a next of kin with "meetings" answers their
own next-of-kin invitation. Anyone not invited sees the meeting and is told so
(pathways.services.citizen_meetings decides). Every read is audited, one event a meeting."""

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.htmx import run_action, run_step
from pathways import services
from pathways.calendar import meeting_ics
from pathways.citizen_access import CitizenAccess
from pathways.models import (
    DischargeMeeting,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
)
from pathways.services.citizen_meetings import TOPICS_MAX_LENGTH
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .common import audit_rows, citizen_required, detail_for, door

PART = "meetings"

# The roles in the meeting, in the words of the person invited (not the staff's terms).
ROLES = {
    ParticipantKind.HOSPITAL_STAFF: gettext_lazy("From the hospital"),
    ParticipantKind.COORDINATING_UNIT: gettext_lazy("Coordinating unit in the municipality"),
    ParticipantKind.COORDINATOR: gettext_lazy("Coordinator"),
    ParticipantKind.MUNICIPAL_SERVICES: gettext_lazy("From the municipality's services"),
    ParticipantKind.PATIENT: gettext_lazy("The patient"),
    ParticipantKind.NEXT_OF_KIN: gettext_lazy("Next of kin"),
    ParticipantKind.GP: gettext_lazy("Regular GP"),
}
# How someone answered, and how the citizen's own answer reads.
ANSWERS = {
    ParticipantStatus.INVITED: gettext_lazy("Has not answered"),
    ParticipantStatus.ACCEPTED: gettext_lazy("Is coming"),
    ParticipantStatus.DECLINED: gettext_lazy("Is not coming"),
    ParticipantStatus.ATTENDED: gettext_lazy("Took part"),
}
OWN_ANSWERS = {
    ParticipantStatus.INVITED: gettext_lazy("You have not answered yet."),
    ParticipantStatus.ACCEPTED: gettext_lazy("You have said you are coming."),
    ParticipantStatus.DECLINED: gettext_lazy("You have said you are not coming."),
    ParticipantStatus.ATTENDED: gettext_lazy("You took part."),
}


class TopicsForm(forms.Form):
    topics = forms.CharField(
        label=gettext_lazy("What I want to talk about"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TOPICS_MAX_LENGTH}),
        help_text=gettext_lazy("Those at the meeting read it before the meeting starts. "
                               "At most 2000 characters."))
    expected = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)


def _meetings_of(patient):
    """The patient's discharge meetings with their places and invitations: two queries."""
    return DischargeMeeting.objects.filter(admission__patient=patient).select_related(
        "admission__hospital", "admission__ward", "admission__municipality", "organizer",
    ).prefetch_related(Prefetch("participants", queryset=MeetingParticipant.objects
                                .select_related("organization").order_by("kind", "name", "pk")))


def _meeting(access: CitizenAccess, meeting_uuid) -> DischargeMeeting:
    meeting = _meetings_of(access.patient).filter(uuid=meeting_uuid).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _ends(meeting) -> datetime.datetime:
    return meeting.scheduled_at + datetime.timedelta(minutes=meeting.duration_minutes)


def _prepare(meeting, access: CitizenAccess, now, form=None):
    """What the page shows of one meeting, worked out here rather than in the template."""
    participants = list(meeting.participants.all())
    meeting.ends_at = _ends(meeting)
    meeting.is_coming = meeting.ends_at > now
    meeting.is_cancelled = meeting.status == MeetingStatus.CANCELLED
    meeting.mine = services.own_participant(access, participants)
    meeting.can_answer = bool(meeting.mine and meeting.status == MeetingStatus.SCHEDULED
                              and meeting.scheduled_at > now)
    order = {ParticipantKind.PATIENT: 1, ParticipantKind.NEXT_OF_KIN: 2}
    participants.sort(key=lambda p: (0 if p == meeting.mine else order.get(p.kind, 3)))
    meeting.people = [{
        "participant": p, "role": ROLES.get(p.kind, p.get_kind_display()),
        "answer": ANSWERS.get(p.status, p.get_status_display()),
        "is_me": meeting.mine is not None and p.pk == meeting.mine.pk,
    } for p in participants]
    if meeting.mine is not None:
        meeting.own_answer = OWN_ANSWERS.get(meeting.mine.status, "")
        meeting.topics_form = form or TopicsForm(
            initial={"topics": meeting.mine.topics, "expected": meeting.mine.topics},
            auto_id=f"id_{meeting.uuid.hex[:8]}_%s")
    return meeting


def _page(request, access: CitizenAccess, *, form_for=None, form=None, status=200):
    now = timezone.now()
    rows = [_prepare(m, access, now, form if m.pk == form_for else None)
            for m in _meetings_of(access.patient)]
    coming = sorted((m for m in rows if m.is_coming), key=lambda m: m.scheduled_at)
    past = sorted((m for m in rows if not m.is_coming and not m.is_cancelled),
                  key=lambda m: m.scheduled_at, reverse=True)
    audit_rows(request, access, AuditObjectType.DISCHARGE_MEETING, coming + past)
    return render(request, "citizen/meetings.html", {
        "access": access, "patient": access.patient, "coming": coming, "past": past,
    }, status=status)


def _back(access: CitizenAccess, meeting) -> str:
    return reverse("citizen:meetings", args=[access.patient.uuid]) + f"#meeting-{meeting.uuid}"


@citizen_required
@require_GET
def meetings(request, patient):
    access = door(request, patient, PART)
    return _page(request, access)


def _own(access: CitizenAccess, meeting_uuid):
    """The meeting, and the invitation the citizen answers; 404 when they answer none."""
    meeting = _meeting(access, meeting_uuid)
    mine = services.own_participant(access, list(meeting.participants.all()))
    if mine is None:
        raise Http404("Not invited.")
    mine.meeting = meeting
    return meeting, mine


@citizen_required
@require_POST
def meeting_answer(request, patient, meeting):
    """Accept or decline: as the answer and the meeting were when the page was read."""
    access = door(request, patient, PART)
    meeting, mine = _own(access, meeting)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("Choose whether you are coming or not."))
        return redirect(_back(access, meeting))
    sequence = request.POST.get("sequence", "")
    result, error, _status = run_action(lambda: services.citizen_respond(
        mine, request.user, answer == "accept",
        expected_status=request.POST.get("status") or None,
        expected_sequence=int(sequence) if sequence.isdigit() else None))
    if result is None:
        messages.error(request, error)
    elif answer == "accept":
        messages.success(request, _("Thank you. You have said you are coming to the meeting."))
    else:
        messages.success(request, _("Thank you. You have said you are not coming to the "
                                    "meeting."))
    return redirect(_back(access, meeting))


@citizen_required
@require_POST
def meeting_topics(request, patient, meeting):
    """What the citizen wants to talk about: saved, or the page again with the error and
    their text kept (nothing written)."""
    access = door(request, patient, PART)
    meeting, mine = _own(access, meeting)
    form = TopicsForm(request.POST, auto_id=f"id_{meeting.uuid.hex[:8]}_%s")
    status = 422
    if form.is_valid():  # always: the fields take any text, the service judges it
        data = form.cleaned_data
        _result, status = run_step(form, lambda: services.citizen_add_topics(
            mine, request.user, data["topics"], expected=data["expected"]))
        if status == 200:
            messages.success(request, _("Saved. Those at the meeting can read what you want to "
                                        "talk about."))
            return redirect(_back(access, meeting))
        if status == 409:
            # Changed meanwhile: saving again now overwrites what is saved, deliberately.
            mine.refresh_from_db(fields=["topics"])
            form.data = form.data.copy()
            form.data["expected"] = mine.topics
    return _page(request, access, form_for=meeting.pk, form=form, status=status)


@citizen_required
@require_GET
def meeting_calendar(request, patient, meeting):
    """The meeting for the citizen's calendar: the same file the invitations carry (it names
    neither the patient nor their next of kin)."""
    access = door(request, patient, PART)
    meeting = _meeting(access, meeting)
    audit.record(request.user, AuditAction.EXPORT, AuditObjectType.DISCHARGE_MEETING,
                 meeting.uuid, patient_uuid=access.patient.uuid,
                 detail=f"{detail_for(access)}: calendar.ics")
    summary = _("Discharge meeting, %(hospital)s") % {
        "hospital": meeting.admission.hospital.name}
    response = HttpResponse(meeting_ics(meeting, summary=summary),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return response


urls = [
    path("p/<uuid:patient>/meetings/", meetings, name="meetings"),
    path("p/<uuid:patient>/meetings/<uuid:meeting>/answer/", meeting_answer,
         name="meeting_answer"),
    path("p/<uuid:patient>/meetings/<uuid:meeting>/topics/", meeting_topics,
         name="meeting_topics"),
    path("p/<uuid:patient>/meetings/<uuid:meeting>/calendar.ics", meeting_calendar,
         name="meeting_calendar"),
]
