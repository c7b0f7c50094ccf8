"""The coordinating unit's inbox: early notifications to acknowledge, ready-for-discharge
declarations to answer, and upcoming discharge meetings with the KE's invitations.

The inbox is the KE's working set: notices of patients still admitted, newest first, so a
new notice is never the one a cap cuts. Notices nobody acknowledged before the patient left
hospital go to the archive (paged, searchable by name), where they can still be
acknowledged; they no longer crowd the inbox, and its queries read only open admissions
(index on municipality and status), however long the history grows.

The lists poll every few seconds so a new notice shows up without a reload. Each poll
carries the fingerprint of what it shows; the server answers one UNION query and, when
nothing changed, 204 No Content (htmx then leaves the page alone). A full load works the
fingerprint out from the rows it read. Forms open in a panel outside the polled lists, so a
poll never wipes what someone is typing.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry.access import memberships
from registry.models import AuditAction, Role
from rehab_portal.context_processors import poll_seconds

from .. import services
from ..access import log_patient_access, visible_patients
from ..deadlines import local_date
from ..filters import PatientFilter
from ..forms import AnswerReadyForm
from ..models import (
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MunicipalAnswer,
    ParticipantStatus,
    Patient,
    ReadyForDischarge,
)
from ..models.admissions import OPEN_STATUSES
from . import common

# Acknowledged notices stay in the list this long, so a colleague's receipt is visible.
ACKNOWLEDGED_SHOWN_FOR = datetime.timedelta(days=7)
# A cap that only a municipality with hundreds of patients in hospital at once would reach;
# the newest notices come first, so the oldest are the ones it leaves out.
NOTICE_LIMIT = 200
ARCHIVE_PAGE_SIZE = 25


def ke_municipalities(user) -> list[int]:
    """The organisations the user is KE staff of (from the request's memberships)."""
    return sorted({m.organization_id for m in memberships(user) if m.role == Role.KE_STAFF})


def _require_ke(user) -> list[int]:
    org_ids = ke_municipalities(user)
    if not org_ids:
        raise PermissionDenied(_("The inbox is for staff of a coordinating unit (KE)."))
    return org_ids


def _notices(user, org_ids, at):
    """Notices of patients still admitted: waiting, or acknowledged in the last week."""
    return EarlyNotification.objects.sent().filter(
        Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=at - ACKNOWLEDGED_SHOWN_FOR),
        admission__municipality_id__in=org_ids,
        admission__status__in=OPEN_STATUSES,
        admission__patient__in=visible_patients(user),
    )


def archived_notices(user, org_ids):
    """Notices never acknowledged whose patient has left hospital (discharged, transferred,
    dead): out of the inbox, in the archive."""
    return EarlyNotification.objects.sent().filter(
        acknowledged_at__isnull=True,
        municipality_id__in=org_ids,  # notice_unacknowledged_muni_idx, newest first
        admission__patient__in=visible_patients(user),
    ).exclude(admission__status__in=OPEN_STATUSES)


def _declarations(user, org_ids):
    return ReadyForDischarge.objects.filter(
        withdrawn_at__isnull=True, admission__status=AdmissionStatus.READY_FOR_DISCHARGE,
        admission__municipality_id__in=org_ids,
        admission__patient__in=visible_patients(user),
    )


def _meetings(user, org_ids, at):
    """Upcoming meetings about the municipality's patients, or that the user is invited to."""
    mine = MeetingParticipant.objects.filter(user=user).values("meeting_id")
    return DischargeMeeting.objects.filter(
        Q(admission__municipality_id__in=org_ids) | Q(pk__in=mine),
        status=MeetingStatus.SCHEDULED, scheduled_at__gte=at,
        admission__patient__in=visible_patients(user),
    )


def _fingerprint_extra(org_ids, at) -> str:
    return f"{sorted(org_ids)}|{local_date(at)}"


def inbox_fingerprint(user, org_ids, at) -> str:
    """One UNION query over everything the lists show (see common.fingerprint)."""
    declarations = _declarations(user, org_ids)
    meetings = _meetings(user, org_ids, at)
    return common.fingerprint(
        common.summary(_notices(user, org_ids, at), "updated_at"),
        common.summary(declarations, "updated_at"),
        common.summary(MunicipalAnswer.objects.filter(declaration__in=declarations.values("pk")),
                       "answered_at"),
        common.summary(meetings, "updated_at"),
        common.summary(MeetingParticipant.objects.filter(meeting__in=meetings.values("pk")),
                       "responded_at"),
        extra=_fingerprint_extra(org_ids, at),
    )


def _loaded_fingerprint(notices, declarations, meetings, org_ids, at) -> str:
    """inbox_fingerprint from rows already read (no query), the same hash a poll computes."""
    answers = [a for d in declarations for a in d.answers.all()]
    participants = [p for m in meetings for p in m.participants.all()]
    return common.fingerprint_of(
        common.summary_of(notices, "updated_at"),
        common.summary_of(declarations, "updated_at"),
        common.summary_of(answers, "answered_at"),
        common.summary_of(meetings, "updated_at"),
        common.summary_of(participants, "responded_at"),
        extra=_fingerprint_extra(org_ids, at),
    )


def inbox_context(request, org_ids, at) -> dict:
    """The three lists, in a fixed number of queries: 1 notices with admission, patient,
    hospital, sender, acknowledger and proposed level; 2 declarations with admission, patient
    and hospital, 3 their answers with who answered; 4 meetings with admission, patient,
    hospital and organiser, 5 their participants; then the audit of the patients shown
    (6 their grounds, 7 one INSERT). The fingerprint comes from these rows."""
    user = request.user
    # Waiting first, newest first; then the acknowledged, last acknowledged first.
    notices = list(
        _notices(user, org_ids, at)
        .select_related("admission__patient", "admission__hospital", "admission__municipality",
                        "sent_by", "acknowledged_by", "proposed_level")
        .order_by(F("acknowledged_at").desc(nulls_first=True), "-sent_at", "-pk")
        [:NOTICE_LIMIT]
    )
    waiting = [n for n in notices if n.acknowledged_at is None]
    acknowledged = [n for n in notices if n.acknowledged_at is not None]
    declarations = list(
        _declarations(user, org_ids)
        .select_related("admission__patient", "admission__hospital", "admission__municipality")
        .prefetch_related(Prefetch("answers", queryset=MunicipalAnswer.objects.select_related(
            "answered_by").order_by("answered_at", "pk")))
    )
    for declaration in declarations:
        answers = list(declaration.answers.all())
        declaration.latest_answer = answers[-1] if answers else None
    declarations.sort(key=lambda d: (d.latest_answer is not None, d.declared_at))
    meetings = list(
        _meetings(user, org_ids, at)
        .select_related("admission__patient", "admission__hospital", "organizer")
        .prefetch_related(Prefetch("participants", queryset=MeetingParticipant.objects
                                   .select_related("user").order_by("kind", "name")))
        .order_by("scheduled_at")
    )
    for meeting in meetings:
        participants = list(meeting.participants.all())
        meeting.mine = next((p for p in participants if p.user_id == user.pk), None)
        meeting.accepted = sum(1 for p in participants if p.status == ParticipantStatus.ACCEPTED)
        meeting.invited = len(participants)
    # Each patient the lists show, once, however many cards they have.
    patients = {n.admission.patient.pk: n.admission.patient for n in notices} | {
        d.admission.patient.pk: d.admission.patient for d in declarations} | {
        m.admission.patient.pk: m.admission.patient for m in meetings}
    log_patient_access(user, AuditAction.VIEW, [patients[pk] for pk in sorted(patients)],
                       object_type="ke_inbox")
    cut = len(notices) >= NOTICE_LIMIT  # the summary counts more than was read
    return {
        "waiting": waiting,
        "acknowledged": acknowledged,
        "declarations": declarations,
        "meetings": meetings,
        "cut": cut,
        "at": at,
        "rendered_at": at.isoformat(),
        "fingerprint": (inbox_fingerprint(user, org_ids, at) if cut else
                        _loaded_fingerprint(notices, declarations, meetings, org_ids, at)),
        "poll_seconds": poll_seconds("ke_inbox"),
    }


def _arrivals_since(context, since: str) -> str:
    """What a poll brought, for the aria-live region: "1 new early notification"."""
    try:
        moment = parse_datetime(since or "")
    except ValueError:  # well-formed but impossible, e.g. month 13
        return ""
    if moment is None or not timezone.is_aware(moment):
        return ""
    new = sum(1 for n in context["waiting"] if n.sent_at > moment)
    if not new:
        return ""
    return ngettext("%(count)d new early notification.", "%(count)d new early notifications.",
                    new) % {"count": new}


@never_cache
@login_required
@require_GET
def ke_inbox(request):
    org_ids = _require_ke(request.user)
    at = common.now()
    polled = request.GET.get("fingerprint")
    if request.htmx and polled and polled == inbox_fingerprint(request.user, org_ids, at):
        response = HttpResponse(status=204)  # nothing new: htmx swaps nothing
    else:
        context = inbox_context(request, org_ids, at)
        partial = bool(request.htmx) and not request.htmx.history_restore_request
        if partial:
            context["announce"] = _arrivals_since(context, request.GET.get("since"))
        response = render(request, "pathways/partials/ke_inbox_lists.html" if partial
                          else "pathways/ke_inbox.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


class ArchivePage:
    """A page of the archive without a count: one row more than the page says whether
    another follows, so a page costs the rows it shows, not the whole archive (which
    grows with every notice never acknowledged)."""

    def __init__(self, queryset, number):
        try:
            self.number = max(1, int(number or 1))
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * ARCHIVE_PAGE_SIZE
        rows = list(queryset[start:start + ARCHIVE_PAGE_SIZE + 1])
        self.object_list = rows[:ARCHIVE_PAGE_SIZE]
        self.has_next = len(rows) > ARCHIVE_PAGE_SIZE
        self.has_previous = self.number > 1
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1


@never_cache
@login_required
@require_GET
def ke_inbox_archive(request):
    """Unacknowledged notices of patients no longer in hospital, newest first, a page at a
    time, searchable by the patient's name; each patient on the page is audited once."""
    org_ids = _require_ke(request.user)
    query = request.GET.get("q", "").strip()[:100]
    notices = archived_notices(request.user, org_ids)
    if query:
        named = PatientFilter({"name": query}, queryset=Patient.objects.all()).qs
        notices = notices.filter(admission__patient__in=named.values("pk"))
    notices = notices.select_related(
        "admission__patient", "admission__hospital", "sent_by").order_by("-sent_at", "-pk")
    page = ArchivePage(notices, request.GET.get("page"))
    shown = {n.admission.patient.pk: n.admission.patient for n in page.object_list}
    log_patient_access(request.user, AuditAction.VIEW, [shown[pk] for pk in sorted(shown)],
                       object_type="ke_inbox_archive")
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, "pathways/partials/ke_inbox_archive_results.html" if partial
                      else "pathways/ke_inbox_archive.html",
                      {"page": page, "notices": page.object_list, "q": query,
                       "query": urlencode({"q": query}) if query else ""})
    patch_vary_headers(response, ("HX-Request",))
    return response


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


@never_cache
@login_required
@require_POST
def acknowledge_notice(request, uuid):
    try:
        notice = EarlyNotification.objects.visible_to(request.user).sent().select_related(
            "admission__patient", "admission__municipality", "admission__hospital").get(uuid=uuid)
    except (EarlyNotification.DoesNotExist, ValueError) as exc:
        raise Http404("No such notice.") from exc
    result, error, status = common.run_action(
        lambda: services.acknowledge_early_notification(notice, by=request.user))
    if result is None:
        return _lists_response(request, error, error=True, status=status)
    return _lists_response(request, _(
        "Early notification for %(name)s (version %(version)s) acknowledged.") % {
            "name": notice.admission.patient.full_name, "version": notice.sequence},
        error=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def answer_declaration(request, uuid):
    try:
        declaration = ReadyForDischarge.objects.filter(
            admission__patient__in=visible_patients(request.user)).select_related(
            "admission__patient", "admission__municipality", "admission__hospital").get(uuid=uuid)
    except (ReadyForDischarge.DoesNotExist, ValueError) as exc:
        raise Http404("No such declaration.") from exc
    if request.method == "GET":
        log_patient_access(request.user, AuditAction.VIEW, [declaration.admission.patient],
                           object_type="readyfordischarge",
                           object_ids={declaration.admission.patient_id: declaration.uuid})
    form = AnswerReadyForm(common.posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            answer, status = common.run_step(form, lambda: services.answer_ready_for_discharge(
                declaration, by=request.user, kind=data["kind"], receive_on=data["receive_on"],
                expected_date=data["expected_date"], comment=data["comment"]))
            if answer is not None:
                message = _("Answer sent to %(hospital)s: %(answer)s.") % {
                    "hospital": declaration.admission.hospital.name,
                    "answer": answer.get_kind_display().lower()}
                return _answer_done(request, message)
        else:
            status = common.UNPROCESSABLE
    admission = declaration.admission
    context = {"declaration": declaration, "admission": admission, "patient": admission.patient,
               "form": form, "back_url": reverse("pathways:ke_inbox")}
    return common.render_panel(request, "pathways/partials/answer_form.html", context, status)


def _answer_done(request, message):
    if not request.htmx:
        messages.success(request, message)
        return redirect("pathways:ke_inbox")
    org_ids = ke_municipalities(request.user)
    lists = ""
    if org_ids:
        context = inbox_context(request, org_ids, common.now())
        lists = render_to_string("pathways/partials/ke_inbox_lists.html",
                                 {**context, "oob": True}, request=request)
    html = render_to_string("pathways/partials/panel_done.html", {"message": message},
                            request=request)
    return HttpResponse(html + lists + common.announcement(message))


@never_cache
@login_required
@require_POST
def respond_to_meeting(request, uuid):
    """The signed-in person accepts or declines their own invitation."""
    try:
        participant = MeetingParticipant.objects.select_related(
            "meeting__admission__patient", "meeting__admission__hospital",
            "meeting__admission__municipality").get(
            meeting__uuid=uuid, user=request.user,
            meeting__admission__patient__in=visible_patients(request.user))
    except (MeetingParticipant.DoesNotExist, ValueError) as exc:
        raise Http404("No such invitation.") from exc
    status = request.POST.get("status", "")
    result, error, code = common.run_action(
        lambda: services.respond_to_invitation(participant, by=request.user, status=status))
    if result is None:
        return _lists_response(request, error, error=True, status=code)
    when = timezone.localtime(participant.meeting.scheduled_at).strftime("%d.%m.%Y %H:%M")
    message = (_("You accepted the discharge meeting %(when)s.") if result.status ==
               ParticipantStatus.ACCEPTED else _("You declined the discharge meeting %(when)s."))
    return _lists_response(request, message % {"when": when}, error=False)
