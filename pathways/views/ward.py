"""The ward board: the discharge planners' overview of a ward's open admissions, with the
steps of the pathway inline (admit, early notification, ready for discharge, withdrawal,
discharge, discharge meeting: ward_steps).

A hospital has thousands of open admissions, so the board shows them a page at a time
(ward_rows.PAGE_SIZE) in an order the database works out: a page costs the same queries for
3 open admissions as for 7 000, and only its rows are read and audited.

The board polls every minute, for the page the user is on. A poll reads the page's rows
(ids and deadlines) and asks one cheap query whether anything on them, or in the ward's
count and latest change, changed (a fingerprint); if not, only the countdowns of the page's
rows are sent (out of band), so an open board neither re-reads nor re-logs patient data
every minute. A step's form opens in a panel beside the board, outside the polled region,
so a poll never wipes what is typed.
"""

import datetime
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Func
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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

from ..access import audit_reads, grounds_of
from ..deadlines import local_date
from ..models import (
    DischargeMeeting,
    EarlyNotification,
    MeetingStatus,
    MunicipalAnswer,
    ReadyForDischarge,
)
from . import common
from .ward_rows import (
    ALL_WARDS,
    PAGE_SIZE,
    BoardRows,
    build_row,
    open_admissions,
    page_number,
    page_rows,
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


def board_url(hospital, ward, page=1) -> str:
    """The board of the hospital showing the ward (a Ward, its code, or ALL_WARDS), at the
    page (the first unless said: the poll says the user's)."""
    url = reverse("pathways:hospital_ward_board", args=[hospital.uuid])
    params = {"ward": ward_key(ward)}
    if page_number(page) > 1:
        params["page"] = page_number(page)
    return f"{url}?{urlencode(params)}"


def asked_page(request, hospital) -> str | None:
    """The page of the board the user is on: the request's own (?page=) on the board; for a
    step posted from the board's panel, the page the browser shows (htmx tells its URL in
    HX-Current-URL), so that the board it gets back out of band stays on that page."""
    if request.method == "GET":
        return request.GET.get("page")
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        boards = (reverse("pathways:ward_board"),
                  reverse("pathways:hospital_ward_board", args=[hospital.uuid]))
        if parts.path in boards:
            return QueryDict(parts.query).get("page")
    return None


def _fingerprint_extra(ward, at, shown: list[int]) -> str:
    """The ward, the day and zone the countdowns are worked out in, and the page's rows (its
    admissions' ids, in order)."""
    return (f"{ward_key(ward)}|{local_date(at)}|{timezone.get_current_timezone_name()}|"
            f"{','.join(map(str, shown))}")


def ward_summary(user, hospital, ward):
    """The ward's open admissions: how many (the heading and the pager) and their latest
    change (a new, moved or changed admission changes the pages), in one query."""
    return common.summary(open_admissions(user, hospital, ward), "updated_at")


def page_fingerprint(user, hospital, ward, shown: list[int], at: datetime.datetime) -> str:
    """What the page shows, summarised by one UNION query: the ward (ward_summary), and for
    the page's rows (`shown`, their admissions' ids) their notices, declarations, answers,
    meetings and the answers to those. If this is unchanged, a poll has nothing new to show
    except the countdowns. Its cost does not grow with the ward: the page's parts are read
    by the admissions' ids (foreign-key indexes)."""
    parts = [ward_summary(user, hospital, ward)]
    if shown:  # an empty IN would drop its part from the UNION
        meetings = DischargeMeeting.objects.filter(admission__in=shown).exclude(
            status=MeetingStatus.CANCELLED)
        parts += [
            common.summary(EarlyNotification.objects.filter(admission__in=shown), "updated_at"),
            common.summary(ReadyForDischarge.objects.filter(admission__in=shown), "updated_at"),
            common.summary(MunicipalAnswer.objects.filter(declaration__admission__in=shown),
                           "answered_at"),
            common.summary(meetings, "updated_at"),
            # a meeting that passes leaves the row
            common.summary(meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gte=at),
                           "scheduled_at"),
            # The meetings' participants (how many, the latest answer), reached from the
            # meetings (their admission index): from the participants, PostgreSQL walked
            # every meeting's primary key to find the page's.
            meetings.order_by().annotate(
                n=Func(F("participants__pk"), function="COUNT"),
                last=Func(F("participants__responded_at"), function="MAX"),
            ).values_list("n", "last"),
        ]
    return common.fingerprint(*parts, extra=_fingerprint_extra(ward, at, shown))


def _loaded_fingerprint(ward_row, admissions, ward, at) -> str:
    """page_fingerprint from the ward's summary and the page's rows as read (no query): the
    same hash the poll computes."""
    shown = [a.pk for a in admissions]
    parts = [ward_row]
    if shown:
        notices = [n for a in admissions for n in a.early_notifications.all()]
        declarations = [d for a in admissions for d in a.ready_declarations.all()]
        answers = [x for d in declarations for x in d.answers.all()]
        meetings = [m for a in admissions for m in a.live_meetings]
        upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED
                    and m.scheduled_at >= at]
        responses = [m.last_response for m in meetings if m.last_response is not None]
        parts += [
            common.summary_of(notices, "updated_at"),
            common.summary_of(declarations, "updated_at"),
            common.summary_of(answers, "answered_at"),
            common.summary_of(meetings, "updated_at"),
            common.summary_of(upcoming, "scheduled_at"),
            (sum(m.participants_total for m in meetings), max(responses) if responses else None),
        ]
    return common.fingerprint_of(*parts, extra=_fingerprint_extra(ward, at, shown))


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (read with ward_summary): no COUNT query."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def showing(page) -> str:
    """Which rows a page shows, as the table's caption and the announcement say it."""
    count = page.paginator.count
    if not count:
        return _("No open admissions on this ward.")
    return ngettext("Open admission %(first)s–%(last)s of %(count)s",
                    "Open admissions %(first)s–%(last)s of %(count)s", count) % {
        "first": page.start_index(), "last": page.end_index(), "count": count}


def board_context(request, hospital, asked: str, memberships, at, own_ward_id=None) -> dict:
    """The board of the ward `asked` for (code, UUID or ALL_WARDS; empty: the planner's own
    ward) at the user's page (asked_page), the page's rows read and audited, and the page's
    fingerprint for the poll."""
    wards = hospital_wards(hospital)
    ward = select_ward(wards, asked, own_ward_id)
    ward_row = tuple(next(iter(ward_summary(request.user, hospital, ward))))
    page = CountedPaginator(BoardRows(request.user, hospital, ward), PAGE_SIZE,
                            count=ward_row[0]).get_page(asked_page(request, hospital))
    admissions = list(page.object_list)
    rows = [build_row(a, at) for a in admissions]
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
        "page": page,
        "showing": showing(page),
        # The pager (partials/pagination.html) links to the hospital's board, also when the
        # board comes back out of band from a step posted elsewhere.
        "pager_request": SimpleNamespace(path=reverse("pathways:hospital_ward_board",
                                                      args=[hospital.uuid])),
        "pager_query": urlencode({"ward": ward_key(ward)}),
        "at": at,
        "memberships": memberships,
        "fingerprint": _loaded_fingerprint(ward_row, admissions, ward, at),
        "poll_seconds": poll_seconds("ward_board"),
        "board_url": board_url(hospital, ward, page.number),
    }


def _countdowns_only(shown, at) -> HttpResponse:
    """The answer to a poll when nothing changed: new countdown texts of the page's rows
    whose notice is not sent, out of band."""
    html = render_to_string("pathways/partials/board_countdowns.html", {
        "countdowns": [(row.uuid, common.countdown(row.notification_deadline, at))
                       for row in shown if row.first_notification_sent_at is None]})
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
    # A poll names its ward by code and its page (board_url): its fingerprint needs no query
    # of the wards, and the page's rows are read once for it and for the countdowns.
    shown = (page_rows(request.user, hospital, asked, request.GET.get("page"))
             if request.htmx and polled and asked else None)
    if shown is not None and polled == page_fingerprint(
            request.user, hospital, asked, [row.pk for row in shown], at):
        response = _countdowns_only(shown, at)
    else:
        context = board_context(request, hospital, asked, memberships, at, own_ward_id)
        partial = bool(request.htmx) and not request.htmx.history_restore_request
        if partial and not polled:  # the user chose a ward or a page: what it shows
            context["announce"] = context["showing"]
            context["paged"] = "page" in request.GET
        response = render(request, "pathways/partials/ward_board_table.html" if partial
                          else "pathways/ward_board.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# ---------------------------------------------------------------------------------------
