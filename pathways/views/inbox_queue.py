"""The KE inbox's early notifications as a work queue: filtered (hospital, status, due by
today, taken by me, the patient's name), sorted by a column, a page at a time, with the
count of each filter. Its cost does not grow with the queue: the page's rows (one query),
their number for the pager (one COUNT) and every filter's count (one GROUP BY over the
hospitals with a filtered COUNT per filter)."""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import Organization, OrganizationKind

from ..access import visible_patients
from ..deadlines import OSLO, add_hours, local_date
from ..filters import PatientFilter
from ..forms.inbox import DEFAULT_SORT, NoticeQueueForm, NoticeStatus
from ..models import EarlyNotification, NoticeAssignment, Patient
from ..models.admissions import OPEN_STATUSES
from ..services.assignments import assignment_holds

PAGE_SIZE = 50
# Acknowledged notices stay in the queue this long, so a colleague's receipt is visible.
ACKNOWLEDGED_SHOWN_FOR = datetime.timedelta(days=7)
# What the queue's URL may carry; anything else is left out of the links it makes.
QUEUE_PARAMS = ("q", "hospital", "status", "due", "mine", "sort", "page")

# The ward (a registry row) is read with the row, no query per row, and sorted by its name.
WARD_RELATED = ("admission__ward",)
WARD_ORDER = "admission__ward__name"

# A column's ordering, ascending; descending reverses each part. Ties: the deadline, then
# the row's key, so that a page boundary never moves.
SORTS = {
    "patient": ("admission__patient__family_name", "admission__patient__given_name"),
    "hospital": ("admission__hospital__name", WARD_ORDER),
    "admitted": ("admission__admitted_at",),
    "deadline": ("sent_at",),  # the deadline is the sending plus a fixed period
    "status": (),  # waiting first, then the last acknowledged (below)
    "assigned": ("admission__notice_assignment__ke_worker__last_name",
                 "admission__notice_assignment__ke_worker__first_name"),
}


COLUMN_LABELS = {
    "patient": _("Patient"),
    "hospital": _("Hospital and ward"),
    "admitted": _("Admitted"),
    "deadline": _("Acknowledge by"),
    "status": _("Status"),
    "assigned": _("Assigned KE worker"),
}


def acknowledge_within() -> datetime.timedelta:
    """The municipality acknowledges a notice within this long of its sending (the reminder
    sweep's period, settings.REMINDERS["notice_unacknowledged"])."""
    hours = settings.REMINDERS.get("notice_unacknowledged", {}).get("AFTER_HOURS", 8)
    return datetime.timedelta(hours=hours)


def working_set(user, org_ids, at):
    """Notices of patients still admitted: waiting, or acknowledged in the last week."""
    return EarlyNotification.objects.sent().filter(
        Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=at - ACKNOWLEDGED_SHOWN_FOR),
        admission__municipality_id__in=org_ids,
        admission__status__in=OPEN_STATUSES,
        admission__patient__in=visible_patients(user),
    )


def assignments_of(notices):
    """The assignments of the notices' admissions (for the poll's fingerprint)."""
    return NoticeAssignment.objects.filter(admission__in=notices.values("admission_id"))


def due_by(at) -> datetime.datetime:
    """A notice sent at or before this is due to be acknowledged by the end of today."""
    tomorrow = local_date(at) + datetime.timedelta(days=1)
    end_of_today = datetime.datetime.combine(tomorrow, datetime.time(), tzinfo=OSLO)
    return end_of_today.astimezone(datetime.UTC) - acknowledge_within()


def queue_params(request) -> QueryDict:
    """The queue's filters, sort and page: the request's own for the inbox page; for a step
    posted from it, those of the page the browser shows (htmx tells it in HX-Current-URL),
    else those the form carried back (`back`, without JavaScript)."""
    inbox = reverse("pathways:ke_inbox")
    if request.method == "GET" and request.path == inbox:
        query = request.GET.urlencode()
    elif request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        query = parts.query if parts.path == inbox else ""
    else:
        query = request.POST.get("back", "")
    params = QueryDict(query, mutable=True)
    for key in list(params):
        if key not in QUEUE_PARAMS:
            del params[key]
    return params


def _ordering(sort: str) -> list:
    name = sort.lstrip("-")
    descending = sort.startswith("-")
    if name == "status":
        parts = [F("acknowledged_at").asc(nulls_last=True) if descending
                 else F("acknowledged_at").desc(nulls_first=True)]
    else:
        parts = [F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
                 for field in SORTS[name]]
    return [*parts, F("sent_at").asc(), F("pk").asc()]


@dataclass
class Counts:
    total: int
    waiting: int
    acknowledged: int
    due: int
    mine: int
    hospitals: list  # (uuid, name, count), by name


def queue_counts(notices, user, at) -> Counts:
    """Every filter's count in one query: the notices grouped by hospital, with a filtered
    COUNT per filter; the totals are the sums."""
    rows = list(
        notices.order_by()
        .values("admission__hospital__uuid", "admission__hospital__name")
        .annotate(total=Count("pk"),
                  waiting=Count("pk", filter=Q(acknowledged_at__isnull=True)),
                  due=Count("pk", filter=Q(acknowledged_at__isnull=True,
                                           sent_at__lte=due_by(at))),
                  mine=Count("pk", filter=Q(admission__notice_assignment__ke_worker=user)))
        .order_by("admission__hospital__name")
    )
    total = sum(r["total"] for r in rows)
    waiting = sum(r["waiting"] for r in rows)
    return Counts(total=total, waiting=waiting, acknowledged=total - waiting,
                  due=sum(r["due"] for r in rows), mine=sum(r["mine"] for r in rows),
                  hospitals=[(r["admission__hospital__uuid"], r["admission__hospital__name"],
                              r["total"]) for r in rows])


def with_rows(notices):
    """What a row shows, read with it: admission, patient, hospital (and ward), sender,
    acknowledger, level and the assignment's KE worker, and whether the assignment stands."""
    return notices.select_related(
        "admission__patient", "admission__hospital", "admission__municipality", "sent_by",
        "acknowledged_by", "proposed_level", "admission__notice_assignment__ke_worker",
        *WARD_RELATED,
    ).annotate(assignment_stands=assignment_holds())


def decorate(notices, user, at) -> list:
    """Each row's deadline, whether it is overdue, and who has taken it (a stale assignment,
    from before the admission moved to another municipality, counts as nobody)."""
    within = acknowledge_within()
    for notice in notices:
        notice.deadline = add_hours(notice.sent_at, within.total_seconds() / 3600)
        notice.overdue = notice.acknowledged_at is None and notice.deadline < at
        try:
            assignment = notice.admission.notice_assignment
        except NoticeAssignment.DoesNotExist:
            assignment = None
        stands = assignment is not None and getattr(notice, "assignment_stands", True)
        notice.assignee = assignment.ke_worker if stands else None
        notice.mine = stands and assignment.ke_worker_id == user.pk
    return notices


class NoticeQueue:
    """One page of the queue for `params` (a QueryDict of QUEUE_PARAMS)."""

    def __init__(self, user, org_ids, at, params: QueryDict):
        self.user, self.at = user, at
        self.params = params
        self.form = NoticeQueueForm(params)
        self.query = self.form.value("q", "")
        self.sort = self.form.value("sort", DEFAULT_SORT)
        base = working_set(user, org_ids, at)
        self.counts = queue_counts(base, user, at)
        self.hospitals = self._hospital_choices()
        rows = self._filtered(base).order_by(*_ordering(self.sort))
        paginator = Paginator(with_rows(rows), PAGE_SIZE)
        self.page = paginator.get_page(params.get("page"))
        self.rows = decorate(list(self.page.object_list), user, at)
        self.filtered = any(self.form.value(name) for name in
                            ("q", "hospital", "status", "due", "mine"))

    def _hospital_choices(self) -> list:
        """The hospitals of the queue with their counts, and the one asked for if it has no
        notice now (a shared link may outlive them)."""
        choices = list(self.counts.hospitals)
        chosen = self.form.value("hospital")
        if chosen and all(uuid != chosen for uuid, _name, _n in choices):
            hospital = Organization.objects.filter(
                uuid=chosen, kind=OrganizationKind.HOSPITAL).first()
            if hospital is None:
                self.form.add_error("hospital", self.form.fields["hospital"].error_messages[
                    "invalid"])
            else:
                choices.append((hospital.uuid, hospital.name, 0))
        return choices

    def _filtered(self, notices):
        if self.query:
            named = PatientFilter({"name": self.query}, queryset=Patient.objects.all()).qs
            notices = notices.filter(admission__patient__in=named.values("pk"))
        hospital = self.form.value("hospital")
        if hospital:
            notices = notices.filter(admission__hospital__uuid=hospital)
        status = self.form.value("status")
        if status == NoticeStatus.WAITING:
            notices = notices.filter(acknowledged_at__isnull=True)
        elif status == NoticeStatus.ACKNOWLEDGED:
            notices = notices.filter(acknowledged_at__isnull=False)
        if self.form.value("due"):
            notices = notices.filter(acknowledged_at__isnull=True, sent_at__lte=due_by(self.at))
        if self.form.value("mine"):
            notices = notices.filter(admission__notice_assignment__ke_worker=self.user)
        return notices

    # -- Links: the same filters with another sort or page --------------------------------

    def encode(self, **changes) -> str:
        """The queue's query string with `changes` (None drops a key)."""
        kept = {key: self.params.get(key) for key in QUEUE_PARAMS if self.params.get(key)}
        kept.update(changes)
        return urlencode({k: v for k, v in kept.items() if v not in (None, "")})

    @property
    def here(self) -> str:
        """This page's query string (the poll asks for the same page)."""
        return self.encode()

    @property
    def without_page(self) -> str:
        return self.encode(page=None)

    @property
    def pager_request(self):
        """What partials/pagination.html reads of the request (its path): the inbox's, also
        when the lists answer a step posted elsewhere."""
        return SimpleNamespace(path=reverse("pathways:ke_inbox"))

    def columns(self) -> list[dict]:
        """Each sortable column's link (ascending first, then the other way) and aria-sort."""
        name, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        columns = []
        for key in SORTS:
            current = key == name
            next_sort = f"-{key}" if current and not descending else key
            columns.append({
                "key": key,
                "label": COLUMN_LABELS[key],
                "query": self.encode(sort=None if next_sort == DEFAULT_SORT else next_sort,
                                     page=None),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            })
        return columns
