"""The coordinating unit's inbox: early notifications as a work queue (inbox_queue: filters,
sort, pages, "mine"), ready-for-discharge declarations to answer, and upcoming discharge
meetings with the KE's invitations.

The queue is the KE's working set: notices of patients still admitted, waiting or
acknowledged in the last week. Notices nobody acknowledged before the patient left hospital
go to the archive (paged, searchable by name), where they can still be acknowledged; they no
longer crowd the inbox, and its queries read only open admissions (index on municipality and
status), however long the history grows. A page costs the same queries for 5 notices as for
500 (tests/pathways/test_ke_inbox_queue.py).

The lists poll every few seconds so a new notice shows up without a reload. Each poll
carries the fingerprint of what it shows and asks for the same filters and page; the server
answers one UNION query and, when nothing changed, 204 No Content (htmx then leaves the page
alone). Forms open in a panel outside the polled lists, and the search box keeps what is
typed in it (hx-preserve), so a poll never wipes what someone is typing.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import poll_seconds
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType

from ..access import audit_reads, visible_patients
from ..deadlines import local_date
from ..filters import PatientFilter
from ..models import (
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MunicipalAnswer,
    Patient,
    ReadyForDischarge,
)
from ..models.admissions import OPEN_STATUSES
from . import common
from .inbox_queue import WARD_RELATED, NoticeQueue, assignments_of, queue_params, working_set

ARCHIVE_PAGE_SIZE = 25


def ke_municipalities(user) -> list[int]:
    """The organisations the user is KE staff of (from the request's memberships)."""
    return [organization.pk for organization in
            organizations_where(user, Capability.WORK_IN_COORDINATING_UNIT)]


def _require_ke(user) -> list[int]:
    org_ids = ke_municipalities(user)
    if not org_ids:
        raise PermissionDenied(_("The inbox is for staff of a coordinating unit (KE)."))
    return org_ids


def archived_notices(user, org_ids):
    """Notices never acknowledged whose patient has left hospital (discharged, transferred,
    dead): out of the inbox, in the archive."""
    return EarlyNotification.objects.sent().filter(
        acknowledged_at__isnull=True,
        municipality_id__in=org_ids,  # notice_unacknowledged_muni_idx, newest first
        admission__patient__in=visible_patients(user),
    ).exclude(admission__status__in=(*OPEN_STATUSES, AdmissionStatus.ENTERED_IN_ERROR))


def _declarations(user, org_ids):
    return ReadyForDischarge.objects.filter(
        withdrawn_at__isnull=True, admission__status=AdmissionStatus.READY_FOR_DISCHARGE,
        admission__municipality_id__in=org_ids,
        admission__patient__in=visible_patients(user),
    )


def _meetings(user, org_ids, at):
    """Upcoming meetings about the municipality's patients, or that the user is invited to.
    The invitation is asked of each upcoming meeting (its (meeting, user) key), not listed
    from the user's invitations: a KE invited to thousands of meetings over the years would
    otherwise have them all read for a page of the few to come."""
    mine = MeetingParticipant.objects.filter(user=user, meeting=OuterRef("pk"))
    return DischargeMeeting.objects.filter(
        Q(admission__municipality_id__in=org_ids) | Exists(mine),
        status=MeetingStatus.SCHEDULED, scheduled_at__gte=at,
        admission__patient__in=visible_patients(user),
    )


def _fingerprint_extra(org_ids, at) -> str:
    return f"{sorted(org_ids)}|{local_date(at)}"


def inbox_fingerprint(user, org_ids, at) -> str:
    """One UNION query over everything the lists show (see common.fingerprint)."""
    declarations = _declarations(user, org_ids)
    meetings = _meetings(user, org_ids, at)
    notices = working_set(user, org_ids, at)
    return common.fingerprint(
        common.summary(notices, "updated_at"),
        common.summary(assignments_of(notices), "taken_at"),
        common.summary(declarations, "updated_at"),
        common.summary(MunicipalAnswer.objects.filter(declaration__in=declarations.values("pk")),
                       "answered_at"),
        common.summary(meetings, "updated_at"),
        common.summary(MeetingParticipant.objects.filter(meeting__in=meetings.values("pk")),
                       "responded_at"),
        extra=_fingerprint_extra(org_ids, at),
    )


def inbox_context(request, org_ids, at) -> dict:
    """The queue's page and the two other lists, in a fixed number of queries: 1 every
    filter's count, 2 the page's count, 3 its notices with what a row shows (inbox_queue);
    4 declarations with admission, patient and hospital, 5 their answers with who answered;
    6 meetings with admission, patient, hospital and organiser, 7 their participants; then
    the audit of the patients shown (8 their grounds, 9 one INSERT) and 10 the fingerprint."""
    user = request.user
    queue = NoticeQueue(user, org_ids, at, queue_params(request))
    declarations = list(
        _declarations(user, org_ids)
        .select_related("admission__patient", "admission__hospital", *WARD_RELATED,
                        "admission__municipality")
        .prefetch_related(Prefetch("answers", queryset=MunicipalAnswer.objects.select_related(
            "answered_by").order_by("answered_at", "pk")))
    )
    for declaration in declarations:
        answers = list(declaration.answers.all())
        declaration.latest_answer = answers[-1] if answers else None
    declarations.sort(key=lambda d: (d.latest_answer is not None, d.declared_at))
    meetings = list(
        _meetings(user, org_ids, at)
        .select_related("admission__patient", "admission__hospital", *WARD_RELATED,
                        "organizer")
        .prefetch_related(Prefetch("participants", queryset=MeetingParticipant.objects
                                   .select_related("user").order_by("kind", "name")))
        .order_by("scheduled_at")
    )
    for meeting in meetings:
        participants = list(meeting.participants.all())
        meeting.mine = next((p for p in participants if p.user_id == user.pk), None)
        counts = common.invitation_counts(meeting, participants)
        meeting.accepted, meeting.invited = counts.accepted, counts.invited
    # Each patient the lists show, once, however many rows they have.
    patients = {n.admission.patient.pk: n.admission.patient for n in queue.rows} | {
        d.admission.patient.pk: d.admission.patient for d in declarations} | {
        m.admission.patient.pk: m.admission.patient for m in meetings}
    audit_reads(user, [patients[pk] for pk in sorted(patients)],
                object_type=AuditObjectType.KE_INBOX)
    return {
        "queue": queue,
        "declarations": declarations,
        "meetings": meetings,
        "at": at,
        "rendered_at": at.isoformat(),
        "fingerprint": inbox_fingerprint(user, org_ids, at),
        "poll_seconds": poll_seconds("ke_inbox"),
    }


def _arrivals_since(request, org_ids, at, since: str) -> str:
    """What a poll brought, for the aria-live region: "1 new early notification" (one
    COUNT, whatever page or filter the queue shows)."""
    try:
        moment = parse_datetime(since or "")
    except ValueError:  # well-formed but impossible, e.g. month 13
        return ""
    if moment is None or not timezone.is_aware(moment):
        return ""
    new = working_set(request.user, org_ids, at).filter(
        acknowledged_at__isnull=True, sent_at__gt=moment).count()
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
        if partial and "since" in request.GET:  # a poll: what arrived
            context["announce"] = _arrivals_since(request, org_ids, at,
                                                  request.GET.get("since"))
        elif partial:  # a filter, a sort or a page: how many there are
            count = context["queue"].page.paginator.count
            context["announce"] = ngettext(
                "%(count)d early notification matches.", "%(count)d early notifications match.",
                count) % {"count": count}
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
        "admission__patient", "admission__hospital", *WARD_RELATED, "sent_by").order_by(
        "-sent_at", "-pk")
    page = ArchivePage(notices, request.GET.get("page"))
    shown = {n.admission.patient.pk: n.admission.patient for n in page.object_list}
    audit_reads(request.user, [shown[pk] for pk in sorted(shown)],
                object_type=AuditObjectType.KE_INBOX_ARCHIVE)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, "pathways/partials/ke_inbox_archive_results.html" if partial
                      else "pathways/ke_inbox_archive.html",
                      {"page": page, "notices": page.object_list, "q": query,
                       "query": urlencode({"q": query}) if query else ""})
    patch_vary_headers(response, ("HX-Request",))
    return response
