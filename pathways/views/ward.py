"""The ward board: the discharge planners' overview of a ward's open admissions, with the
steps of the pathway inline (admit, early notification, ready for discharge, withdrawal,
discharge, discharge meeting: ward_steps).

The board polls every minute. A poll first asks one cheap query whether anything on the
board changed (a fingerprint); if not, only the countdowns are sent (out of band), so an
open board neither re-reads nor re-logs patient data every minute. A step's form opens in
a panel beside the board, outside the polled region, so a poll never wipes what is typed.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import poll_seconds
from registry.access import memberships
from registry.capabilities import Capability, role_can
from registry.models import (
    AuditObjectType,
    Membership,
    OrganizationKind,
    Ward,
)
from registry.models.wards import normalize_code

from ..access import audit_reads, grounds_of, visible_patients
from ..deadlines import local_date
from ..models import (
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MunicipalAnswer,
    ReadyForDischarge,
)
from ..models.admissions import OPEN_STATUSES
from . import common
from .ward_rows import (
    ALL_WARDS,
    board_admissions,
    build_row,
    open_admissions,
    sort_key,
    ward_conditions,
    ward_key,
)

# ---------------------------------------------------------------------------------------
# Whose board: the planner's hospitals and wards.


def planner_memberships(user) -> list[Membership]:
    """From the request's memberships (registry.access.memberships), no query of its own."""
    return sorted((m for m in memberships(user) if role_can(m.role, Capability.WORK_ON_WARD)
                   and m.organization.kind == OrganizationKind.HOSPITAL),
                  key=lambda m: (m.organization.name, m.pk))


def board_scope(request, hospital_uuid=None):
    """(hospital, the id of the planner's own ward there (Membership.ward) or None, all their
    memberships); 404 outside scope."""
    memberships = planner_memberships(request.user)
    if not memberships:
        raise PermissionDenied(_("The ward board is for discharge planners."))
    if hospital_uuid is None:
        # The hospital of the planner's own ward first, so /ward/ opens on it.
        chosen = next((m for m in memberships if m.ward_id), memberships[0])
    else:
        chosen = next((m for m in memberships if m.organization.uuid == hospital_uuid), None)
        if chosen is None:
            raise Http404("No such hospital.")
    own_ward_id = next((m.ward_id for m in memberships
                        if m.organization_id == chosen.organization_id and m.ward_id), None)
    return chosen.organization, own_ward_id, memberships


def hospital_wards(hospital) -> list[Ward]:
    """The hospital's registered wards with their departments (the picker, the selection)."""
    return list(Ward.objects.filter(hospital=hospital).select_related("department")
                .order_by("department__name", "name"))


def select_ward(wards: list[Ward], asked: str, own_ward_id) -> Ward | None:
    """The ward asked for (its code or UUID), ALL_WARDS for none; without one, the planner's
    own ward, or the whole hospital when they have none. An unknown ward is a 404."""
    asked = (asked or "").strip()
    if not asked:
        return next((ward for ward in wards if ward.pk == own_ward_id), None)
    if asked == ALL_WARDS:
        return None
    code = normalize_code(asked)
    ward = next((ward for ward in wards if ward.code == code or str(ward.uuid) == asked), None)
    if ward is None:
        raise Http404("No such ward.")
    return ward


def ward_groups(wards: list[Ward], selected: Ward | None) -> list[tuple[str, list[Ward]]]:
    """The picker's options: the open wards (and the one shown) by department."""
    groups: dict[str, list[Ward]] = {}
    for ward in wards:
        if ward.active or ward == selected:
            groups.setdefault(ward.department.name, []).append(ward)
    return list(groups.items())


def board_url(hospital, ward) -> str:
    """The board of the hospital showing the ward (a Ward, its code, or ALL_WARDS)."""
    url = reverse("pathways:hospital_ward_board", args=[hospital.uuid])
    return f"{url}?{urlencode({'ward': ward_key(ward)})}"


def _on_board(user, hospital, ward, path: str) -> dict:
    """Filters that reach the board's admissions through a join (`path`), so the planner
    starts from the open admissions (index on hospital, ward, status) and follows foreign
    keys, instead of matching a whole table against a subquery."""
    return {f"{path}hospital": hospital, f"{path}status__in": OPEN_STATUSES,
            f"{path}patient__in": visible_patients(user), **ward_conditions(ward, path)}


def _fingerprint_extra(ward, at) -> str:
    return f"{ward_key(ward)}|{local_date(at)}|{timezone.get_current_timezone_name()}"


def board_fingerprint(user, hospital, ward, at: datetime.datetime) -> str:
    """Everything the rows show, summarised by one UNION query: if this is unchanged, a poll
    has nothing new to show except the countdowns."""
    admissions = open_admissions(user, hospital, ward)
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


def _loaded_fingerprint(admissions, ward, at) -> str:
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


def board_context(request, hospital, asked: str, memberships, at, own_ward_id=None) -> dict:
    """The board of the ward `asked` for (code, UUID or ALL_WARDS; empty: the planner's own
    ward), its rows read and audited."""
    wards = hospital_wards(hospital)
    ward = select_ward(wards, asked, own_ward_id)
    admissions = board_admissions(request.user, hospital, ward, at)
    rows = sorted((build_row(a, at) for a in admissions), key=sort_key)
    audit_reads(request.user, [row.patient for row in rows],
                object_type=AuditObjectType.WARD_BOARD,
                detail=f"{hospital.name} {ward.name if ward else ALL_WARDS}"[:200],
                basis=grounds_of(request.user, admissions))
    return {
        "hospital": hospital,
        "ward": ward,
        "ward_key": ward_key(ward),
        "own_ward_id": own_ward_id,
        "all_wards": ALL_WARDS,
        "ward_groups": ward_groups(wards, ward),
        "rows": rows,
        "at": at,
        "memberships": memberships,
        "fingerprint": _loaded_fingerprint(admissions, ward, at),
        "poll_seconds": poll_seconds("ward_board"),
        "board_url": board_url(hospital, ward),
    }


def _countdowns_only(user, hospital, ward, at) -> HttpResponse:
    """The answer to a poll when nothing changed: new countdown texts, out of band."""
    due = open_admissions(user, hospital, ward).filter(
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
    hospital, own_ward_id, memberships = board_scope(request, hospital_uuid)
    asked = request.GET.get("ward", "").strip()
    at = common.now()
    polled = request.GET.get("fingerprint")
    # A poll names its ward by code (board_url): its fingerprint needs no query of the wards.
    if (request.htmx and polled and asked
            and polled == board_fingerprint(request.user, hospital, asked, at)):
        response = _countdowns_only(request.user, hospital, asked, at)
    else:
        context = board_context(request, hospital, asked, memberships, at, own_ward_id)
        partial = bool(request.htmx) and not request.htmx.history_restore_request
        response = render(request, "pathways/partials/ward_board_table.html" if partial
                          else "pathways/ward_board.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# ---------------------------------------------------------------------------------------
