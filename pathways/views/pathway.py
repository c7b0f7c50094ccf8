"""The patient's pathway: every event in time order with who and when, the ready-for-
discharge statement day by day (so a dispute can be settled from the screen), and the path
across the pyramid levels drawn as an accessible SVG with a table beside it."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Subquery
from django.db.models.functions import JSONObject
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common import dates
from common.db import JSONArrayAgg, json_datetime
from registry import reference
from registry.capabilities import Capability, organizations_where
from registry.models import AuditAction, AuditEvent, AuditObjectType

from ..access import audit_reads, get_visible_patient
from ..billing import daily_rates, statement
from ..deadlines import local_date
from ..models import (
    AdmissionReport,
    AdmissionStatus,
    DischargeMeeting,
    DischargeReport,
    EarlyNotification,
    MeetingStatus,
    MessageStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    ReadyForDischarge,
)
from ..services.reports import takes_discharge_report
from . import common, questions, variants
from .level_chart import level_chart


@dataclass
class Event:
    at: datetime.datetime
    kind: str  # css modifier and data attribute: admission, notice, ready, meeting, ...
    title: str
    who: str = ""
    organization: str = ""
    detail: str = ""
    warning: str = ""
    order: int = field(default=0)
    url: str = ""  # the page of what happened, e.g. the discharge meeting


def _name(user) -> str:
    return user.display_name() if user is not None else ""


def _when(moment) -> str:
    return dates.when(moment)


@dataclass
class MeetingChange:
    """A rescheduling or cancellation of a meeting, from the audit trail."""

    at: datetime.datetime
    detail: str
    user_display: str
    organization_name: str


def meeting_trail(patient) -> Subquery:
    """The audit trail of the patient's meeting changes as one JSON array: it rides along in
    the meetings' query (uncorrelated, so the database computes it once)."""
    return Subquery(
        AuditEvent.objects.filter(patient_uuid=patient.uuid,
                                  object_type=AuditObjectType.DISCHARGE_MEETING,
                                  action=AuditAction.UPDATE)
        .order_by().values("patient_uuid")
        .annotate(trail=JSONArrayAgg(JSONObject(
            id="id", at="at", meeting="object_id", detail="detail",
            user_display="user_display", organization="organization__name")))
        .values("trail"))


def admission_events(admission, by_id, meeting_changes) -> list[Event]:
    """What happened in one stay, from admission to discharge, in no particular order."""
    hospital, municipality = admission.hospital.name, admission.municipality.name
    came_from = by_id.get(admission.transferred_from_id)
    events = [Event(
        admission.admitted_at, "admission",
        _("Admitted to %(hospital)s, ward %(ward)s") % {"hospital": hospital,
                                                       "ward": admission.ward},
        _name(admission.created_by), hospital,
        _("Transferred from %(hospital)s.") % {"hospital": came_from.hospital.name}
        if came_from else admission.reason)]
    for notice in admission.early_notifications.all():
        events += _notice_events(notice, admission, hospital, municipality)
    for declaration in admission.ready_declarations.all():
        events += _declaration_events(declaration, hospital, municipality)
    for meeting in admission.discharge_meetings.all():
        events += _meeting_events(meeting, meeting_changes.get(str(meeting.uuid), ()))
    for report in admission.admission_reports.all():
        events.append(Event(
            report.reported_at, "report",
            _("Admission report version %(version)s from %(municipality)s (%(status)s)") % {
                "version": report.sequence, "municipality": municipality,
                "status": report.get_message_status_display().lower()},
            report.responsible or _name(report.created_by), municipality, report.summary))
    for report in admission.discharge_reports.all():
        events.append(Event(
            report.reported_at, "report",
            _("Discharge report version %(version)s from %(hospital)s (%(status)s)") % {
                "version": report.sequence, "hospital": hospital,
                "status": report.get_message_status_display().lower()},
            report.responsible or _name(report.created_by), hospital, report.summary,
            _("The hospital cancelled the discharge report.")
            if report.message_status == MessageStatus.CANCEL else ""))
    if admission.discharged_at:
        events.append(_discharge_event(admission, hospital))
    if admission.status == AdmissionStatus.ENTERED_IN_ERROR:
        events.append(Event(admission.updated_at, "error", _("Entered in error"),
                            _name(admission.updated_by), hospital, admission.error_reason,
                            _("The stay never was: it counts nowhere.")))
    return events


def _notice_events(notice, admission, hospital: str, municipality: str) -> list[Event]:
    events = [Event(
        notice.sent_at, "notice",
        _("Early notification version %(version)s sent (%(status)s)") % {
            "version": notice.sequence,
            "status": notice.get_message_status_display().lower()},
        _name(notice.sent_by), hospital,
        _("Proposed level %(level)s.") % {"level": notice.proposed_level.code}
        if notice.proposed_level else "",
        _("Sent after the deadline (%(deadline)s).") % {
            "deadline": _when(admission.notification_deadline)} if notice.late else "")]
    if notice.acknowledged_at:
        events.append(Event(
            notice.acknowledged_at, "acknowledged",
            _("Early notification version %(version)s acknowledged") % {
                "version": notice.sequence},
            _name(notice.acknowledged_by), municipality))
    return events


def _declaration_events(declaration, hospital: str, municipality: str) -> list[Event]:
    events = [Event(
        declaration.declared_at, "ready", _("Declared ready for discharge"),
        _name(declaration.created_by), hospital,
        _("Declaring physician: %(physician)s.") % {"physician": declaration.physician})]
    for answer in declaration.answers.all():
        if answer.kind == MunicipalAnswerKind.CAN_RECEIVE:
            title = _("The municipality can receive the patient from %(date)s") % {
                "date": dates.day(answer.receive_on)}
        elif answer.expected_date:
            title = _("The municipality cannot receive the patient yet (expected "
                      "%(date)s)") % {"date": dates.day(answer.expected_date)}
        else:
            title = _("The municipality cannot receive the patient yet")
        events.append(Event(answer.answered_at, "answer", title, _name(answer.answered_by),
                            municipality, answer.comment))
    if declaration.entered_in_error:
        events.append(Event(declaration.updated_at, "error",
                            _("Ready-for-discharge declaration entered in error"),
                            _name(declaration.updated_by), hospital,
                            declaration.withdrawal_reason,
                            _("Never in force: no day of it is paid.")))
    elif declaration.withdrawn_at:
        events.append(Event(declaration.withdrawn_at, "withdrawn",
                            _("Ready-for-discharge declaration withdrawn"),
                            _name(declaration.withdrawn_by), hospital,
                            declaration.withdrawal_reason))
    return events


def _meeting_events(meeting, changes) -> list[Event]:
    """The meeting called, changed, cancelled and held; `changes` are its audit events of
    rescheduling and cancelling, oldest first."""
    place = meeting.location or meeting.video_link
    url = reverse("pathways:meeting_detail", args=[meeting.uuid])
    events = [Event(
        meeting.created_at, "meeting",
        _("Discharge meeting scheduled for %(when)s") % {"when": _when(meeting.scheduled_at)},
        _name(meeting.organizer), "", place, url=url)]
    for change in changes:
        if change.detail.startswith("rescheduled"):
            events.append(Event(change.at, "meeting", _("Discharge meeting changed"),
                                change.user_display, change.organization_name,
                                _("Now %(when)s, %(place)s.") % {
                                    "when": _when(meeting.scheduled_at), "place": place}
                                if change is changes[-1] else "",
                                url=url))
        elif change.detail.startswith("cancelled"):
            events.append(Event(change.at, "cancelled", _("Discharge meeting cancelled"),
                                change.user_display, change.organization_name, url=url))
    if meeting.status == MeetingStatus.HELD:
        events.append(Event(
            meeting.minutes_recorded_at or meeting.scheduled_at, "held",
            _("Discharge meeting held"), _name(meeting.updated_by), "",
            meeting.decisions, url=url))
    return events


def _discharge_event(admission, hospital: str) -> Event:
    if admission.status == AdmissionStatus.DECEASED:
        title = _("Died in hospital")
    elif admission.status == AdmissionStatus.TRANSFERRED:
        title = _("Transferred to another hospital")
    else:
        title = _("Discharged: %(destination)s") % {
            "destination": admission.get_discharge_destination_display()}
    detail = _("Level after discharge: %(level)s.") % {
        "level": f"{admission.discharge_level.code} {admission.discharge_level.localized_name}"
    } if admission.discharge_level else ""
    return Event(admission.discharged_at, "discharge", title, _name(admission.updated_by),
                 hospital, detail)


def _death_outside(patient, admissions) -> list[Event]:
    """A death recorded outside hospital (a death in hospital is its stay's event)."""
    if patient.died_at is None or any(
            a.status == AdmissionStatus.DECEASED for a in admissions):
        return []
    return [Event(patient.died_at, "death", _("Died outside hospital"),
                  _name(patient.updated_by))]


def timeline(admissions, meeting_changes) -> list[Event]:
    by_id = {admission.pk: admission for admission in admissions}
    events = []
    for admission in admissions:
        events.extend(admission_events(admission, by_id, meeting_changes))
    for order, event in enumerate(events):
        event.order = order
    return sorted(events, key=lambda e: (e.at, e.order))


# ---------------------------------------------------------------------------------------
# The statement of ready-for-discharge days.


def statements(admissions, rates, today) -> list[dict]:
    result = []
    for admission in admissions:
        for declaration in admission.ready_declarations.all():
            if declaration.entered_in_error or \
                    admission.status == AdmissionStatus.ENTERED_IN_ERROR:
                continue  # never was: no statement (pathways.billing)
            lines = statement(declaration, today=today, rates=rates)
            result.append({"admission": admission, "declaration": declaration,
                           "statement": lines})
    return result


@never_cache
@login_required
@require_GET
def patient_pathway(request, uuid):
    """Queries: 1 session, 2 user, 3 the visible patient with the grounds of this read,
    4 memberships with the unread count (the audit's roles and the navigation), 5 the audit
    INSERT, 6 admissions with hospital, municipality, level and the people who changed them,
    7 sent notices, 8 declarations, 9 answers, 10 meetings with the audit trail of their
    changes, 11 the shared plan's enrolments (variant, organisations, who handed over or
    ended), 12 their activities with kind and recorder, 13 the municipality's admission
    reports with who recorded them, 14 the hospital's discharge reports with who recorded
    them, 15 the questions between the hospital and the municipality with who asked and
    answered. The levels and daily rates are reference data kept in memory."""
    patient = get_visible_patient(request.user, uuid)
    audit_reads(request.user, [patient], object_type=AuditObjectType.PATHWAY)
    at = common.now()
    admissions = list(
        patient.admissions.select_related(
            "hospital", "ward", "municipality", "discharge_level", "created_by", "updated_by")
        .prefetch_related(
            Prefetch("early_notifications", queryset=EarlyNotification.objects.filter(
                state=NoticeState.SENT).select_related(
                "sent_by", "acknowledged_by", "proposed_level").order_by("sequence")),
            Prefetch("ready_declarations", queryset=ReadyForDischarge.objects.select_related(
                "created_by", "withdrawn_by").order_by("declared_at").prefetch_related(
                Prefetch("answers", queryset=MunicipalAnswer.objects.select_related(
                    "answered_by").order_by("answered_at", "pk")))),
            Prefetch("discharge_meetings", queryset=DischargeMeeting.objects.select_related(
                "organizer", "updated_by").annotate(change_trail=meeting_trail(patient))
                .order_by("scheduled_at")),
            Prefetch("admission_reports", queryset=AdmissionReport.objects.select_related(
                "created_by").order_by("sequence")),
            Prefetch("discharge_reports", queryset=DischargeReport.objects.select_related(
                "created_by").order_by("sequence")),
        ).order_by("admitted_at")
    )
    # Every meeting carries the patient's whole trail of meeting changes (a few rows).
    meetings = [meeting for a in admissions for meeting in a.discharge_meetings.all()]
    trail = (meetings[0].change_trail if meetings else None) or ()
    meeting_changes = {}
    for _at, _id, meeting, change in sorted(
            (json_datetime(c["at"]), c["id"], c["meeting"],
             MeetingChange(json_datetime(c["at"]), c["detail"], c["user_display"],
                           c["organization"] or "")) for c in trail):
        meeting_changes.setdefault(meeting, []).append(change)
    rates = daily_rates()
    levels = reference.levels()
    current = next((a for a in reversed(admissions) if a.is_open), None)
    latest = current or (admissions[-1] if admissions else None)
    hospitals = {o.pk for o in organizations_where(request.user, Capability.ACT_FOR_HOSPITAL)}
    municipalities = {o.pk for o in organizations_where(request.user,
                                                        Capability.ACT_FOR_MUNICIPALITY)}
    context = {
        # The shared plan of home rehabilitation: 11 enrolments, 12 their activities.
        **variants.section_context(request, patient, admissions),
        # Questions between the hospital and the municipality: 15 the questions.
        **questions.section_context(request, patient, admissions),
        "patient": patient,
        "admissions": admissions,
        "current": current,
        # What other apps offer on the stay (pathways.record_actions): the latest one.
        "latest_stay": latest,
        # The hospital's planners may register the open stay as entered in error.
        "may_correct": current is not None and current.hospital_id in hospitals,
        # The reports the reader may write: the municipality's on the open stay, the
        # hospital's on the open stay or one discharged within the window.
        "admission_report_stay": current if current is not None
        and current.municipality_id in municipalities else None,
        "discharge_report_stay": latest if latest is not None
        and latest.hospital_id in hospitals and takes_discharge_report(latest, at) else None,
        "events": sorted(timeline(admissions, meeting_changes)
                         + _death_outside(patient, admissions), key=lambda e: e.at),
        "statements": statements(admissions, rates, local_date(at)),
        "chart": level_chart(admissions, levels, at),
        "at": at,
    }
    return render(request, "pathways/pathway.html", context)
