"""The ward board: the discharge planners' overview of a ward's open admissions, with the
steps of the pathway inline (admit, early notification, ready for discharge, withdrawal,
discharge, discharge meeting).

The board polls every minute. A poll first asks one cheap query whether anything on the
board changed (a fingerprint); if not, only the countdowns are sent (out of band), so an
open board neither re-reads nor re-logs patient data every minute. A step's form opens in
a panel beside the board, outside the polled region, so a poll never wipes what is typed.
"""

import datetime
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, Max, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from registry.access import memberships
from registry.models import (
    AuditAction,
    Membership,
    Notification,
    NotificationChannel,
    OrganizationKind,
    Role,
)
from rehab_portal.context_processors import poll_seconds

from .. import services
from ..access import grounds_of, log_patient_access, visible_patients, with_grounds
from ..deadlines import local_date
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
from ..models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MessageStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    ParticipantStatus,
    ReadyForDischarge,
)
from ..models.admissions import OPEN_STATUSES
from . import common

ALL_WARDS = "all"
# The notifications a sent notice makes for the municipality's KE (not the hospital's copy
# of the acknowledgement, nor reminders): services.notices names them by message status.
SENT_KINDS = [f"early_notification.{status}" for status in MessageStatus.values]


# ---------------------------------------------------------------------------------------
# Whose board: the planner's hospitals and wards.


def planner_memberships(user) -> list[Membership]:
    """From the request's memberships (registry.access.memberships), no query of its own."""
    return sorted((m for m in memberships(user) if m.role == Role.DISCHARGE_PLANNER
                   and m.organization.kind == OrganizationKind.HOSPITAL),
                  key=lambda m: (m.organization.name, m.pk))


def _board_scope(request, hospital_uuid=None):
    """(hospital, the planner's ward there, all their memberships); 404 outside scope."""
    memberships = planner_memberships(request.user)
    if not memberships:
        raise PermissionDenied(_("The ward board is for discharge planners."))
    if hospital_uuid is None:
        chosen = memberships[0]
    else:
        chosen = next((m for m in memberships if m.organization.uuid == hospital_uuid), None)
        if chosen is None:
            raise Http404("No such hospital.")
    return chosen.organization, chosen.ward, memberships


def _selected_ward(request, default_ward: str) -> str:
    """The ward asked for; without one, the planner's own ward (Membership.ward) or all."""
    ward = request.GET.get("ward", request.POST.get("board_ward", "")).strip()
    if not ward:
        return default_ward or ALL_WARDS
    return ward


def board_url(hospital, ward: str) -> str:
    url = reverse("pathways:hospital_ward_board", args=[hospital.uuid])
    return f"{url}?{urlencode({'ward': ward})}" if ward else url


def _open_admissions(user, hospital, ward: str):
    """Deny by default: only stays of patients the user may see."""
    admissions = Admission.objects.visible_to(user).open().filter(hospital=hospital)
    if ward != ALL_WARDS:
        admissions = admissions.filter(ward=ward)
    return admissions


# ---------------------------------------------------------------------------------------
# The rows.


def board_admissions(user, hospital, ward: str, at: datetime.datetime) -> list[Admission]:
    """The ward's open admissions with everything a row shows, in a fixed number of queries:
    1 admissions with patient, municipality and the grounds the user sees each patient on
    (for the audit), 2 their notices with sender, acknowledger and receipt, 3 their
    declarations, 4 the answers to those, 5 meetings not cancelled with their participants
    counted."""
    admissions = (
        with_grounds(_open_admissions(user, hospital, ward)
                     .filter(patient__in=visible_patients(user)), user)
        .select_related("patient", "municipality")
        .prefetch_related(
            Prefetch("early_notifications",
                     queryset=with_receipts(EarlyNotification.objects.select_related(
                         "sent_by", "acknowledged_by")).order_by("sequence")),
            Prefetch("ready_declarations",
                     queryset=ReadyForDischarge.objects.order_by("-declared_at").prefetch_related(
                         Prefetch("answers", queryset=MunicipalAnswer.objects.order_by(
                             "answered_at", "pk")))),
            _meetings_prefetch(),
        )
    )
    return list(admissions)


def _meetings_prefetch():
    """Meetings not cancelled, each with its participants counted (the row shows counts)."""
    return Prefetch(
        "discharge_meetings", to_attr="live_meetings",
        queryset=DischargeMeeting.objects.exclude(status=MeetingStatus.CANCELLED).annotate(
            invited=Count("participants"),
            accepted=Count("participants", filter=Q(
                participants__status=ParticipantStatus.ACCEPTED)),
            declined=Count("participants", filter=Q(
                participants__status=ParticipantStatus.DECLINED)),
            last_response=Max("participants__responded_at"),
        ).order_by("scheduled_at"))


def _receipts(field: str, function):
    rows = Notification.objects.filter(
        subject_type="earlynotification", subject_uuid=OuterRef("uuid"),
        channel=NotificationChannel.IN_APP, kind__in=SENT_KINDS,
    ).order_by().annotate(value=Func(F(field), function=function)).values("value")[:1]
    return Subquery(rows)


def with_receipts(notices):
    """Each notice with how many of the municipality's KE got it in the portal, when it
    arrived and when one of them first opened it: subqueries on notification_subject_idx."""
    return notices.annotate(
        receipt_recipients=_receipts("pk", "COUNT"),
        receipt_delivered_at=_receipts("delivered_at", "MIN"),
        receipt_read_at=_receipts("read_at", "MIN"),
    )


def notice_receipt(notice) -> dict | None:
    if notice is None or not getattr(notice, "receipt_recipients", 0):
        return None
    return {"recipients": notice.receipt_recipients,
            "delivered_at": notice.receipt_delivered_at, "read_at": notice.receipt_read_at}


def _latest_answer(declaration):
    answers = list(declaration.answers.all()) if declaration else []
    return answers[-1] if answers else None


def build_row(admission: Admission, at: datetime.datetime):
    """What one row of the board shows, worked out from the prefetched relations."""
    notices = list(admission.early_notifications.all())
    sent = [n for n in notices if n.state == NoticeState.SENT]
    last_sent = sent[-1] if sent else None
    draft = next((n for n in notices if n.state == NoticeState.DRAFT), None)
    declaration = next((d for d in admission.ready_declarations.all()
                        if d.withdrawn_at is None), None)
    answer = _latest_answer(declaration)
    meeting = next((m for m in admission.live_meetings
                    if m.status == MeetingStatus.SCHEDULED and m.scheduled_at >= at), None)
    held = any(m.status == MeetingStatus.HELD for m in admission.live_meetings)
    today = local_date(at)
    can_receive = bool(answer and answer.kind == MunicipalAnswerKind.CAN_RECEIVE
                       and answer.receive_on and answer.receive_on <= today)
    checklist = [
        (_("Early notification sent"), bool(sent), ""),
        (_("Acknowledged by the municipality"), bool(last_sent and last_sent.acknowledged_at),
         ""),
        (_("Declared ready for discharge"), declaration is not None, ""),
        (_("The municipality can receive the patient"), can_receive, ""),
    ]
    if admission.needs_interdisciplinary_follow_up:
        checklist.append((_("Discharge meeting held"), held,
                          _("scheduled") if meeting is not None and not held else ""))
    return SimpleNamespace(
        admission=admission,
        patient=admission.patient,
        countdown=None if sent else common.countdown(admission.notification_deadline, at),
        draft=draft,
        last_sent=last_sent,
        versions=len(sent),
        first_late=bool(sent and sent[0].late),
        receipt=notice_receipt(last_sent),
        declaration=declaration,
        answer=answer,
        meeting=meeting,
        accepted=meeting.accepted if meeting else 0,
        declined=meeting.declined if meeting else 0,
        invited=meeting.invited if meeting else 0,
        checklist=checklist,
        checklist_done=sum(1 for _label, done, _note in checklist if done),
        is_ready=admission.status == AdmissionStatus.READY_FOR_DISCHARGE,
    )


def _sort_key(row):
    """Notices not yet sent first, most urgent first; then by admission time."""
    admission = row.admission
    return (row.last_sent is not None, admission.notification_deadline if not row.last_sent
            else admission.admitted_at)


def _on_board(user, hospital, ward: str, path: str) -> dict:
    """Filters that reach the board's admissions through a join (`path`), so the planner
    starts from the open admissions (index on hospital, ward, status) and follows foreign
    keys, instead of matching a whole table against a subquery."""
    conditions = {f"{path}hospital": hospital, f"{path}status__in": OPEN_STATUSES,
                  f"{path}patient__in": visible_patients(user)}
    if ward != ALL_WARDS:
        conditions[f"{path}ward"] = ward
    return conditions


def _fingerprint_extra(ward: str, at) -> str:
    return f"{ward}|{local_date(at)}|{timezone.get_current_timezone_name()}"


def board_fingerprint(user, hospital, ward: str, at: datetime.datetime) -> str:
    """Everything the rows show, summarised by one UNION query: if this is unchanged, a poll
    has nothing new to show except the countdowns."""
    admissions = _open_admissions(user, hospital, ward)
    meetings = DischargeMeeting.objects.filter(**_on_board(user, hospital, ward, "admission__"))
    meetings = meetings.exclude(status=MeetingStatus.CANCELLED)
    upcoming = meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gte=at)
    return common.fingerprint(
        common.summary(admissions, "updated_at"),
        common.summary(EarlyNotification.objects.filter(
            **_on_board(user, hospital, ward, "admission__")), "updated_at"),
        common.summary(ReadyForDischarge.objects.filter(
            **_on_board(user, hospital, ward, "admission__")), "updated_at"),
        common.summary(MunicipalAnswer.objects.filter(
            **_on_board(user, hospital, ward, "declaration__admission__")), "answered_at"),
        common.summary(meetings, "updated_at"),
        common.summary(upcoming, "scheduled_at"),  # a meeting that passes leaves the row
        common.summary(MeetingParticipant.objects.filter(
            **_on_board(user, hospital, ward, "meeting__admission__")).exclude(
            meeting__status=MeetingStatus.CANCELLED), "responded_at"),
        extra=_fingerprint_extra(ward, at),
    )


def _loaded_fingerprint(admissions, ward: str, at) -> str:
    """board_fingerprint from the rows read (no query): the same hash a poll computes."""
    notices = [n for a in admissions for n in a.early_notifications.all()]
    declarations = [d for a in admissions for d in a.ready_declarations.all()]
    answers = [x for d in declarations for x in d.answers.all()]
    meetings = [m for a in admissions for m in a.live_meetings]
    upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED
                and m.scheduled_at >= at]
    responses = [m.last_response for m in meetings if m.last_response is not None]
    return common.fingerprint_of(
        common.summary_of(admissions, "updated_at"),
        common.summary_of(notices, "updated_at"),
        common.summary_of(declarations, "updated_at"),
        common.summary_of(answers, "answered_at"),
        common.summary_of(meetings, "updated_at"),
        common.summary_of(upcoming, "scheduled_at"),
        (sum(m.invited for m in meetings), max(responses) if responses else None),
        extra=_fingerprint_extra(ward, at),
    )


def board_context(request, hospital, ward: str, memberships, at) -> dict:
    admissions = board_admissions(request.user, hospital, ward, at)
    rows = sorted((build_row(a, at) for a in admissions), key=_sort_key)
    log_patient_access(request.user, AuditAction.VIEW, [row.patient for row in rows],
                       object_type="ward_board", detail=f"{hospital.name} {ward}"[:200],
                       basis=grounds_of(request.user, admissions))
    if ward == ALL_WARDS:  # the rows are every open admission: their wards are the filter's
        wards = {a.ward for a in admissions}
    else:
        wards = set(_open_admissions(request.user, hospital, ALL_WARDS)
                    .values_list("ward", flat=True).distinct().order_by())
    wards |= {m.ward for m in memberships if m.organization_id == hospital.pk and m.ward}
    if ward != ALL_WARDS:
        wards.add(ward)
    return {
        "hospital": hospital,
        "ward": ward,
        "all_wards": ALL_WARDS,
        "wards": sorted(wards),
        "rows": rows,
        "at": at,
        "memberships": memberships,
        "fingerprint": _loaded_fingerprint(admissions, ward, at),
        "poll_seconds": poll_seconds("ward_board"),
        "board_url": board_url(hospital, ward),
    }


def _countdowns_only(user, hospital, ward: str, at) -> HttpResponse:
    """The answer to a poll when nothing changed: new countdown texts, out of band."""
    due = _open_admissions(user, hospital, ward).filter(
        first_notification_sent_at__isnull=True).values_list("uuid", "notification_deadline")
    html = render_to_string("pathways/partials/board_countdowns.html", {
        "countdowns": [(uuid, common.countdown(deadline, at)) for uuid, deadline in due]})
    response = HttpResponse(html)
    response["HX-Reswap"] = "none"
    return response


@never_cache
@login_required
@require_GET
def ward_board(request, hospital_uuid=None):
    hospital, own_ward, memberships = _board_scope(request, hospital_uuid)
    ward = _selected_ward(request, own_ward)
    at = common.now()
    polled = request.GET.get("fingerprint")
    if request.htmx and polled and polled == board_fingerprint(request.user, hospital, ward, at):
        response = _countdowns_only(request.user, hospital, ward, at)
    else:
        context = board_context(request, hospital, ward, memberships, at)
        partial = bool(request.htmx) and not request.htmx.history_restore_request
        response = render(request, "pathways/partials/ward_board_table.html" if partial
                          else "pathways/ward_board.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# ---------------------------------------------------------------------------------------
# The steps. Each opens a form in the panel; a success answers with the whole board out of
# band and an announcement; a refusal re-renders the form with the service's message.


def _admission_in_scope(request, uuid) -> Admission:
    """The admission, or 404 outside scope. Opening a step's panel shows patient data, so
    a GET is audited as a read (a POST is audited by the service it runs)."""
    try:
        admission = Admission.objects.filter(patient__in=visible_patients(request.user)) \
            .select_related("patient", "hospital", "municipality").get(uuid=uuid)
    except (Admission.DoesNotExist, ValueError) as exc:
        raise Http404("No such admission.") from exc
    if request.method == "GET":
        log_patient_access(request.user, AuditAction.VIEW, [admission.patient],
                           object_type="admission", object_ids={
                               admission.patient.pk: admission.uuid},
                           detail=request.resolver_match.url_name if request.resolver_match
                           else "")
    return admission


def _board_ward_for(request, admission=None) -> str:
    return (request.POST.get("board_ward") or request.GET.get("board_ward")
            or (admission.ward if admission else ALL_WARDS))


def _step_done(request, hospital, board_ward: str, message: str):
    """After a successful step: the whole page back to the board (PRG), or for htmx the
    confirmation in the panel, the board out of band and the announcement."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(board_url(hospital, board_ward))
    memberships = planner_memberships(request.user)
    at = common.now()
    if any(m.organization_id == hospital.pk for m in memberships):
        context = board_context(request, hospital, board_ward, memberships, at)
        board = render_to_string("pathways/partials/ward_board_table.html",
                                 {**context, "oob": True}, request=request)
    else:
        board = ""
    html = render_to_string("pathways/partials/panel_done.html", {"message": message},
                            request=request)
    return HttpResponse(html + board + common.announcement(message))


def _panel_context(request, admission, form, **extra) -> dict:
    return {"admission": admission, "patient": admission.patient, "form": form,
            "board_ward": _board_ward_for(request, admission),
            "back_url": board_url(admission.hospital, _board_ward_for(request, admission)),
            **extra}


def _utc(moment):
    """Forms give Oslo time; services get UTC (their arithmetic is elapsed time)."""
    return moment.astimezone(datetime.UTC) if moment else moment


@sensitive_post_parameters("identity_number")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def admit(request, hospital_uuid):
    hospital, own_ward, _memberships = _board_scope(request, hospital_uuid)
    board_ward = (request.POST.get("board_ward") or request.GET.get("board_ward")
                  or own_ward or ALL_WARDS)
    initial = {"ward": own_ward or (board_ward if board_ward != ALL_WARDS else ""),
               "admitted_at": timezone.localtime(common.now()).replace(second=0,
                                                                       microsecond=0)}
    form = AdmitForm(common.posted(request), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            admission, status = common.run_step(
                form, lambda: _admit(request.user, hospital, form),
                aliases={"patient": "identity_number", "birth_date": "birth_date"})
            if admission is not None:
                return _step_done(request, hospital, board_ward, _(
                    "%(name)s is admitted to %(ward)s.") % {
                        "name": admission.patient.full_name, "ward": admission.ward})
        else:
            status = common.UNPROCESSABLE
    known_wards = sorted(Admission.objects.filter(hospital=hospital)
                         .values_list("ward", flat=True).distinct().order_by("ward")[:50])
    context = {"hospital": hospital, "form": form, "board_ward": board_ward,
               "back_url": board_url(hospital, board_ward), "known_wards": known_wards}
    return common.render_panel(request, "pathways/partials/admit_form.html", context, status)


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


NOTICE_INITIAL_FIELDS = EarlyNotificationForm.CONTENT_FIELDS


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def early_notification(request, uuid):
    """Write, save as draft, and send the early notification (or a later version)."""
    admission = _admission_in_scope(request, uuid)
    notices = list(admission.early_notifications.select_related(
        "sent_by", "acknowledged_by", "proposed_level").order_by("sequence"))
    sent = [n for n in notices if n.state == NoticeState.SENT]
    draft = next((n for n in notices if n.state == NoticeState.DRAFT), None)
    source = draft or (sent[-1] if sent else None)
    initial = {name: getattr(source, name) for name in NOTICE_INITIAL_FIELDS} if source else {}
    form = EarlyNotificationForm(common.posted(request), initial=initial,
                                 follow_up=bool(sent))
    status = 200
    if request.method == "POST":
        sending = request.POST.get("action") != "draft"
        if form.is_valid():
            content = form.content()
            if sending:
                notice, status = common.run_step(form, lambda: services.send_early_notification(
                    admission, by=request.user,
                    message_status=form.cleaned_data.get("message_status") or None, **content))
                message = _("Early notification version %(version)s sent to %(municipality)s.")
            else:
                notice, status = common.run_step(form, lambda: services.save_draft(
                    admission, by=request.user, **content))
                message = _("Draft of version %(version)s saved; it is not sent yet.")
            if notice is not None:
                return _step_done(request, admission.hospital,
                                  _board_ward_for(request, admission), message % {
                                      "version": notice.sequence,
                                      "municipality": admission.municipality.name})
        else:
            status = common.UNPROCESSABLE
    context = _panel_context(request, admission, form, sent=sent, draft=draft,
                             deadline=admission.notification_deadline,
                             countdown=None if sent else common.countdown(
                                 admission.notification_deadline, common.now()))
    return common.render_panel(request, "pathways/partials/notice_form.html", context, status)


def _simple_step(request, uuid, form_class, template, step, message, aliases=None,
                 with_admission=False):
    """A step with a small form: GET shows it, POST runs the service."""
    admission = _admission_in_scope(request, uuid)
    form = form_class(common.posted(request), **(
        {"admission": admission} if with_admission else {}))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = common.run_step(form, lambda: step(admission, form.cleaned_data),
                                             aliases)
            if status == 200:
                return _step_done(request, admission.hospital,
                                  _board_ward_for(request, admission),
                                  message(admission, result))
        else:
            status = common.UNPROCESSABLE
    context = _panel_context(request, admission, form)
    return common.render_panel(request, template, context, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def declare_ready(request, uuid):
    def step(admission, data):
        return services.declare_ready_for_discharge(
            admission, by=request.user, physician=data["physician"],
            declared_at=_utc(data.get("declared_at")),
            health_information_sent=data["health_information_sent"])

    return _simple_step(
        request, uuid, DeclareReadyForm, "pathways/partials/ready_form.html", step,
        lambda admission, _result: _("%(name)s is declared ready for discharge; "
                                     "%(municipality)s is asked to answer.") % {
            "name": admission.patient.full_name, "municipality": admission.municipality.name})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def withdraw_ready(request, uuid):
    def step(admission, data):
        return services.withdraw_ready_for_discharge(admission, by=request.user,
                                                     reason=data["reason"])

    return _simple_step(
        request, uuid, WithdrawReadyForm, "pathways/partials/withdraw_form.html", step,
        lambda admission, _result: _("The ready-for-discharge declaration for %(name)s is "
                                     "withdrawn.") % {"name": admission.patient.full_name})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def discharge(request, uuid):
    def step(admission, data):
        return services.discharge_patient(
            admission, by=request.user, destination=data["destination"],
            discharged_at=_utc(data.get("discharged_at")),
            discharge_level=data.get("discharge_level"),
            interdisciplinary_report_ready=data["interdisciplinary_report_ready"],
            epicrisis_ready=data["epicrisis_ready"])

    admission = _admission_in_scope(request, uuid)
    return _discharge_step(request, admission, step)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def transfer(request, uuid):
    """Close the stay here and open one at the other hospital (services.transfer_patient)."""
    def step(admission, data):
        return services.transfer_patient(
            admission, by=request.user, to_hospital=data["to_hospital"], ward=data["ward"],
            at=_utc(data.get("transferred_at")))

    return _simple_step(
        request, uuid, TransferForm, "pathways/partials/transfer_form.html", step,
        lambda admission, new: _("%(name)s is transferred to %(hospital)s, ward %(ward)s.") % {
            "name": admission.patient.full_name, "hospital": new.hospital.name,
            "ward": new.ward},
        aliases={"at": "transferred_at"}, with_admission=True)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def record_death(request, uuid):
    def step(admission, data):
        return services.record_death(admission, by=request.user,
                                     died_at=_utc(data["died_at"]))

    return _simple_step(
        request, uuid, DeathForm, "pathways/partials/death_form.html", step,
        lambda admission, _result: _("The death of %(name)s is recorded; the municipality "
                                     "is told.") % {"name": admission.patient.full_name})


def _discharge_step(request, admission, step):
    form = DischargeForm(common.posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = common.run_step(
                form, lambda: step(admission, form.cleaned_data),
                aliases={"died_at": "discharged_at"})
            if result is not None:
                return _step_done(request, admission.hospital,
                                  _board_ward_for(request, admission),
                                  _("%(name)s is discharged (%(destination)s).") % {
                                      "name": admission.patient.full_name,
                                      "destination": result.get_discharge_destination_display()})
        else:
            status = common.UNPROCESSABLE
    at = common.now()
    admission = Admission.objects.filter(pk=admission.pk).select_related(
        "patient", "hospital", "municipality").prefetch_related(
        "early_notifications", Prefetch("ready_declarations", queryset=ReadyForDischarge.objects
                                        .order_by("-declared_at").prefetch_related("answers")),
        _meetings_prefetch()).get()
    row = build_row(admission, at)
    context = _panel_context(request, admission, form, row=row)
    return common.render_panel(request, "pathways/partials/discharge_form.html", context, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def schedule_meeting(request, uuid):
    admission = _admission_in_scope(request, uuid)
    initial = {"hospital_staff": [request.user.pk], "duration_minutes": 60}
    form = MeetingForm(common.posted(request), admission=admission, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            meeting, status = common.run_step(form, lambda: services.schedule_discharge_meeting(
                admission, by=request.user, scheduled_at=_utc(data["scheduled_at"]),
                location=data["location"], video_link=data["video_link"],
                duration_minutes=data["duration_minutes"], participants=form.participants()))
            if meeting is not None:
                when = timezone.localtime(meeting.scheduled_at)
                return _step_done(request, admission.hospital,
                                  _board_ward_for(request, admission),
                                  _("Discharge meeting for %(name)s scheduled %(when)s; "
                                    "%(count)s invited.") % {
                                      "name": admission.patient.full_name,
                                      "when": when.strftime("%d.%m.%Y %H:%M"),
                                      "count": meeting.participants.count()})
        else:
            status = common.UNPROCESSABLE
    context = _panel_context(request, admission, form)
    return common.render_panel(request, "pathways/partials/meeting_form.html", context, status)
