"""The ward board's steps: admit, early notification, ready for discharge and its withdrawal,
discharge, transfer, death, discharge meeting. Each opens a form in the panel beside the
board (common.htmx.form_step); a success answers with the whole board out of band and
an announcement; a refusal re-renders the form with the service's message."""

import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from common import dates
from common.htmx import form_step, posted, render_panel, step_done, step_view
from common.lookup import one_or_404
from registry.models import AuditObjectType, Ward

from .. import services
from ..access import audit_reads, visible_patients
from ..forms import (
    AdmitForm,
    DeathForm,
    DeclareReadyForm,
    DischargeForm,
    EarlyNotificationForm,
    MeetingForm,
    TransferForm,
    WithdrawReadyForm,
)
from ..forms.admissions import EnterInErrorForm
from ..models import Admission, NoticeState, ReadyForDischarge
from . import common
from .ward import board_context, board_scope, board_url, planner_memberships
from .ward_rows import ALL_WARDS, build_row, live_meetings_prefetch, ward_key

NOTICE_INITIAL_FIELDS = EarlyNotificationForm.CONTENT_FIELDS


def _admission_in_scope(request, uuid) -> Admission:
    """The admission, or 404 outside scope. Opening a step's panel shows patient data, so
    a GET is audited as a read (a POST is audited by the service it runs)."""
    admission = one_or_404(Admission.objects.filter(patient__in=visible_patients(request.user))
                           .select_related("patient", "hospital", "ward", "municipality"),
                           uuid=uuid)
    if request.method == "GET":
        audit_reads(request.user, [admission], object_type=AuditObjectType.ADMISSION,
                    patient_of=lambda a: a.patient,
                    detail=request.resolver_match.url_name if request.resolver_match else "")
    return admission


def _board_ward_for(request, admission=None) -> str:
    """The ward the board behind the panel shows (its code, or ALL_WARDS)."""
    return (request.POST.get("board_ward") or request.GET.get("board_ward")
            or (ward_key(admission.ward) if admission else ALL_WARDS))


def _step_done(request, hospital, board_ward: str, message: str):
    """After a successful step: the whole page back to the board (PRG), or for htmx the
    confirmation in the panel, the board out of band and the announcement."""
    def board() -> str:
        memberships = planner_memberships(request.user)
        if not any(m.organization_id == hospital.pk for m in memberships):
            return ""
        try:
            context = board_context(request, hospital, board_ward, memberships, common.now())
        except Http404:  # a ward the board no longer knows: the step is done, show them all
            context = board_context(request, hospital, ALL_WARDS, memberships, common.now())
        return render_to_string("pathways/partials/ward_board_table.html",
                                {**context, "oob": True}, request=request)

    return step_done(request, message, redirect_to=board_url(hospital, board_ward), oob=board)


def _panel_context(request, admission, form, **extra) -> dict:
    return {"admission": admission, "patient": admission.patient, "form": form,
            "board_ward": _board_ward_for(request, admission),
            "back_url": board_url(admission.hospital, _board_ward_for(request, admission)),
            **extra}


def _admission_step(request, admission, form, template, step, message, *, aliases=None,
                    **extra):
    """A step on one admission: its form in the panel, `message(result)` when done."""
    return form_step(
        request, form, step, aliases=aliases,
        show=lambda form, status: render_panel(
            request, template, _panel_context(request, admission, form, **extra), status),
        done=lambda result: _step_done(request, admission.hospital,
                                       _board_ward_for(request, admission), message(result)))


def _utc(moment):
    """Forms give Oslo time; services get UTC (their arithmetic is elapsed time)."""
    return moment.astimezone(datetime.UTC) if moment else moment


@sensitive_post_parameters("identity_number")
@step_view
def admit(request, hospital_uuid):
    hospital, own_ward_id, _memberships = board_scope(request, hospital_uuid)
    board_ward = request.POST.get("board_ward") or request.GET.get("board_ward") or ""
    # The ward offered first: the one the board shows, else the planner's own.
    wards = Ward.objects.of(hospital).active()
    ward = wards.named_by(board_ward) if board_ward != ALL_WARDS else None
    if ward is None and own_ward_id:
        ward = wards.filter(pk=own_ward_id).first()
    board_ward = board_ward or ward_key(ward)
    initial = {"ward": ward,
               "admitted_at": timezone.localtime(common.now()).replace(second=0,
                                                                       microsecond=0)}
    form = AdmitForm(posted(request), initial=initial, hospital=hospital)

    def show(form, status):
        context = {"hospital": hospital, "form": form, "board_ward": board_ward,
                   "back_url": board_url(hospital, board_ward)}
        return render_panel(request, "pathways/partials/admit_form.html", context, status)

    return form_step(
        request, form, lambda data: _admit(request.user, hospital, form), show=show,
        done=lambda admission: _step_done(request, hospital, board_ward, _(
            "%(name)s is admitted to %(ward)s.") % {
                "name": admission.patient.full_name, "ward": admission.ward}),
        aliases={"patient": "identity_number", "birth_date": "birth_date"})


def _admit(user, hospital, form) -> Admission:
    """Admit by identity number through the same service the EPJ systems use: a patient the
    hospital may see, one registered elsewhere (the admission links them), or a new one
    registered from the names typed. The service checks the names typed against a known
    patient and audits a refusal, so it runs outside a transaction of ours."""
    data = form.cleaned_data
    registration = {name: data[name] for name in ("given_name", "family_name", "birth_date",
                                                  "municipality") if data.get(name)}
    return services.admit_by_identity_number(
        by=user, identity_number=data["identity_number"], hospital=hospital,
        ward=data["ward"], admitted_at=_utc(data["admitted_at"]),
        registration=registration, **form.admission_fields())


@step_view
def early_notification(request, uuid):
    """Write, save as draft, and send the early notification (or a later version)."""
    admission = _admission_in_scope(request, uuid)
    notices = list(admission.early_notifications.select_related(
        "sent_by", "acknowledged_by", "proposed_level").order_by("sequence"))
    sent = [n for n in notices if n.state == NoticeState.SENT]
    draft = next((n for n in notices if n.state == NoticeState.DRAFT), None)
    source = draft or (sent[-1] if sent else None)
    initial = {name: getattr(source, name) for name in NOTICE_INITIAL_FIELDS} if source else {}
    if not initial.get("estimated_discharge_date"):
        # The date given at admission (or changed since) is not typed a second time.
        initial["estimated_discharge_date"] = admission.estimated_discharge_date
    form = EarlyNotificationForm(posted(request), initial=initial, follow_up=bool(sent))
    if request.POST.get("action") != "draft":
        def step(data):
            return services.send_early_notification(
                admission, by=request.user, message_status=data.get("message_status") or None,
                **form.content())
        message = _("Early notification version %(version)s sent to %(municipality)s.")
    else:
        def step(data):
            return services.save_draft(admission, by=request.user, **form.content())
        message = _("Draft of version %(version)s saved; it is not sent yet.")
    return _admission_step(
        request, admission, form, "pathways/partials/notice_form.html", step,
        lambda notice: message % {"version": notice.sequence,
                                  "municipality": admission.municipality.name},
        sent=sent, draft=draft, deadline=admission.notification_deadline,
        countdown=None if sent else common.countdown(admission.notification_deadline,
                                                     common.now()))


@step_view
def declare_ready(request, uuid):
    admission = _admission_in_scope(request, uuid)

    def step(data):
        return services.declare_ready_for_discharge(
            admission, by=request.user, physician=data["physician"],
            declared_at=_utc(data.get("declared_at")),
            health_information_sent=data["health_information_sent"])

    return _admission_step(
        request, admission, DeclareReadyForm(posted(request)),
        "pathways/partials/ready_form.html", step,
        lambda _result: _("%(name)s is declared ready for discharge; "
                          "%(municipality)s is asked to answer.") % {
            "name": admission.patient.full_name, "municipality": admission.municipality.name})


@step_view
def withdraw_ready(request, uuid):
    admission = _admission_in_scope(request, uuid)
    return _admission_step(
        request, admission, WithdrawReadyForm(posted(request)),
        "pathways/partials/withdraw_form.html",
        lambda data: services.withdraw_ready_for_discharge(admission, by=request.user,
                                                           reason=data["reason"]),
        lambda _result: _("The ready-for-discharge declaration for %(name)s is "
                          "withdrawn.") % {"name": admission.patient.full_name})


@step_view
def discharge(request, uuid):
    admission = _admission_in_scope(request, uuid)

    def step(data):
        return services.discharge_patient(
            admission, by=request.user, destination=data["destination"],
            discharged_at=_utc(data.get("discharged_at")),
            discharge_level=data.get("discharge_level"),
            interdisciplinary_report_ready=data["interdisciplinary_report_ready"],
            epicrisis_ready=data["epicrisis_ready"])

    def show(form, status):
        """The form beside the row's checklist (the admission read again with its parts)."""
        loaded = Admission.objects.filter(pk=admission.pk).select_related(
            "patient", "hospital", "municipality").prefetch_related(
            "early_notifications", Prefetch(
                "ready_declarations", queryset=ReadyForDischarge.objects
                .order_by("-declared_at").prefetch_related("answers")),
            live_meetings_prefetch()).get()
        row = build_row(loaded, common.now())
        return render_panel(request, "pathways/partials/discharge_form.html",
                            _panel_context(request, loaded, form, row=row), status)

    return form_step(
        request, DischargeForm(posted(request)), step, show=show,
        done=lambda result: _step_done(
            request, admission.hospital, _board_ward_for(request, admission),
            _("%(name)s is discharged (%(destination)s).") % {
                "name": admission.patient.full_name,
                "destination": result.get_discharge_destination_display()}),
        aliases={"died_at": "discharged_at"})


@step_view
def transfer(request, uuid):
    """Close the stay here and open one at the other hospital (services.transfer_patient)."""
    admission = _admission_in_scope(request, uuid)
    return _admission_step(
        request, admission, TransferForm(posted(request), admission=admission),
        "pathways/partials/transfer_form.html",
        lambda data: services.transfer_patient(
            admission, by=request.user, to_hospital=data["to_hospital"], ward=data["ward"],
            at=_utc(data.get("transferred_at"))),
        lambda new: _("%(name)s is transferred to %(hospital)s, ward %(ward)s.") % {
            "name": admission.patient.full_name, "hospital": new.hospital.name,
            "ward": new.ward},
        aliases={"at": "transferred_at"})


@step_view
def record_death(request, uuid):
    admission = _admission_in_scope(request, uuid)
    return _admission_step(
        request, admission, DeathForm(posted(request)), "pathways/partials/death_form.html",
        lambda data: services.record_death(admission, by=request.user,
                                           died_at=_utc(data["died_at"])),
        lambda _result: _("The death of %(name)s is recorded; the municipality "
                          "is told.") % {"name": admission.patient.full_name})


@step_view
def enter_in_error(request, uuid):
    """The stay never was: the ward's own correction of an admission registered in error
    (the same service as PLO's cancel of the admission message)."""
    admission = _admission_in_scope(request, uuid)
    return _admission_step(
        request, admission, EnterInErrorForm(posted(request)),
        "pathways/partials/entered_in_error_form.html",
        lambda data: services.admissions.enter_admission_in_error(
            admission, by=request.user, reason=data["reason"]),
        lambda _result: _("The stay of %(name)s is registered in error; the municipality is "
                          "told.") % {"name": admission.patient.full_name})


@step_view
def schedule_meeting(request, uuid):
    admission = _admission_in_scope(request, uuid)
    initial = {"hospital_staff": [request.user.pk], "duration_minutes": 60}
    form = MeetingForm(posted(request), admission=admission, initial=initial)

    def message(meeting):
        return _("Discharge meeting for %(name)s scheduled %(when)s; %(count)s invited.") % {
            "name": admission.patient.full_name,
            "when": dates.when(meeting.scheduled_at),
            # The organiser takes part without an invitation of her own.
            "count": meeting.participants.exclude(user=meeting.organizer_id).count()}

    return _admission_step(
        request, admission, form, "pathways/partials/meeting_form.html",
        lambda data: services.schedule_discharge_meeting(
            admission, by=request.user, scheduled_at=_utc(data["scheduled_at"]),
            location=data["location"], video_link=data["video_link"],
            duration_minutes=data["duration_minutes"], participants=form.participants()),
        message)
