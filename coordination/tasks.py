"""Periodic reminders of the KE's work (settings.COORDINATION_DEADLINES).

Like pathways.tasks: each sweep reads only what is due, in batches, and notifies through
registry.notifications with a dedupe key per subject and stage, so a re-run, an overlapping
run or a second worker sends nothing twice. Every sweep takes `now`. All periods here are
calendar days in Europe/Oslo: "today" is the date on the clocks in Norway, also in the hours
around a daylight-saving change when the UTC date differs.
"""

import datetime
import logging
from collections.abc import Callable, Iterator
from itertools import islice

from celery import shared_task
from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pathways.deadlines import OSLO, local_date
from pathways.tasks import Directory
from registry.notifications import Message, Outgoing, notify_many

from . import links
from .models import IndividualPlan, PlanRequest, PlanStatus
from .services import coordinators_with_load
from .services.intake import OPEN_REQUEST_STATUSES

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A stage missed while the workers were down this long is still sent; older ones are not.
CATCH_UP_DAYS = 7
SWEEP_EXPIRES_SECONDS = 840
IN_FORCE = (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION)


def _utc(now: datetime.datetime | None) -> datetime.datetime:
    return (now or timezone.now()).astimezone(datetime.UTC)


def _days(name: str) -> datetime.timedelta:
    return datetime.timedelta(days=settings.COORDINATION_DEADLINES[name])


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=OSLO)


def _day(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def _batches(queryset: QuerySet) -> Iterator[list]:
    rows = queryset.iterator(chunk_size=BATCH_SIZE)
    while batch := list(islice(rows, BATCH_SIZE)):
        yield batch


def _run(queryset: QuerySet, build: Callable[[list], list[Outgoing]]) -> int:
    created, unaddressed = 0, 0
    with translation.override(settings.LANGUAGE_CODE):
        for batch in _batches(queryset):
            outgoing = build(batch)
            unaddressed += sum(1 for o in outgoing if not o.users and not o.external_emails)
            created += len(notify_many(outgoing))
    if unaddressed:
        logger.warning("coordination reminders with nobody to receive them: %s", unaddressed)
    return created


# -- 1. Evaluations due ----------------------------------------------------------------------

def evaluations_due(now: datetime.datetime) -> QuerySet:
    """Plans in force whose evaluation date is within the reminder period, today, or past
    (at most CATCH_UP_DAYS) (index plan_evaluation_due_idx)."""
    today = local_date(now)
    return (
        IndividualPlan.objects.filter(
            status__in=IN_FORCE,
            next_evaluation_on__lte=today + _days("EVALUATION_REMINDER_DAYS"),
            next_evaluation_on__gte=today - datetime.timedelta(days=CATCH_UP_DAYS),
        )
        .select_related("coordinator__user")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("next_evaluation_on")
    )


def remind_evaluations(now: datetime.datetime | None = None) -> int:
    """Tell the coordinator that an evaluation is coming up, is today, or is overdue; one
    message per stage and evaluation date (a new date reminds again). A plan without an
    active coordinator reminds the municipality's KE instead."""
    now = _utc(now)
    today = local_date(now)

    def build(batch: list[IndividualPlan]) -> list[Outgoing]:
        directory = Directory({p.municipality_id for p in batch}, inboxes=True)
        outgoing = []
        for plan in batch:
            due = plan.next_evaluation_on
            if due > today:
                stage, kind = "soon", "coordination.evaluation_soon"
                title = _("Evaluation of an individual plan due %(date)s")
            elif due == today:
                stage, kind = "due", "coordination.evaluation_due"
                title = _("Evaluation of an individual plan due today (%(date)s)")
            else:
                stage, kind = "overdue", "coordination.evaluation_overdue"
                title = _("Evaluation of an individual plan overdue since %(date)s")
            coordinator = plan.coordinator
            if coordinator is not None and coordinator.active and coordinator.user.is_active:
                users, emails = [coordinator.user], []
            else:
                users, emails = directory.ke_staff(plan.municipality_id)
            outgoing.append(Outgoing(users, Message(
                kind=kind, title=title % {"date": _day(due)},
                body=_("Evaluate the plan with the patient and record the evaluation."),
                url=links.plan_url(plan.uuid), subject_type="individualplan",
                subject_uuid=plan.uuid, patient_uuid=plan.patient_uuid,
            ), f"coordination:evaluation-{stage}:{plan.uuid}:{due.isoformat()}",
                external_emails=tuple(emails)))
        return outgoing

    return _run(evaluations_due(now), build)


# -- 2. Requests waiting for a decision ------------------------------------------------------

def waiting_requests_due(now: datetime.datetime) -> QuerySet:
    """Open requests received REQUEST_WAITING_DAYS calendar days ago or more (index
    plan_request_open_idx)."""
    latest_day = local_date(now) - _days("REQUEST_WAITING_DAYS")
    return (
        PlanRequest.objects.filter(
            status__in=OPEN_REQUEST_STATUSES,
            received_at__lt=_local_midnight(latest_day + datetime.timedelta(days=1)),
        )
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("received_at")
    )


def remind_waiting_requests(now: datetime.datetime | None = None) -> int:
    """Alert the municipality's KE once that a request is still undecided (once more if it
    waits again after an appeal)."""
    now = _utc(now)

    def build(batch: list[PlanRequest]) -> list[Outgoing]:
        directory = Directory({r.municipality_id for r in batch}, inboxes=True)
        outgoing = []
        for request in batch:
            users, emails = directory.ke_staff(request.municipality_id)
            days = (local_date(now) - local_date(request.received_at)).days
            stage = "appeal" if request.appeal_received_at else "first"
            outgoing.append(Outgoing(users, Message(
                kind="coordination.request_waiting",
                title=_("A request for an individual plan or a coordinator has waited "
                        "%(days)s days") % {"days": days},
                body=_("Received %(date)s and not yet decided.") % {
                    "date": _day(local_date(request.received_at))},
                url=links.request_url(request.uuid), subject_type="planrequest",
                subject_uuid=request.uuid, patient_uuid=request.patient_uuid,
            ), f"coordination:request-waiting:{request.uuid}:{stage}",
                external_emails=tuple(emails)))
        return outgoing

    return _run(waiting_requests_due(now), build)


# -- 3. Coordinators over capacity -----------------------------------------------------------

def coordinators_over_capacity(now: datetime.datetime | None = None) -> QuerySet:
    return coordinators_with_load().filter(active=True, load__gt=F("capacity")).order_by("pk")


def alert_over_capacity(now: datetime.datetime | None = None) -> int:
    """Tell the KE once a day (Oslo date) about each coordinator with more open plans than
    their capacity."""
    now = _utc(now)
    today = local_date(now)

    def build(batch) -> list[Outgoing]:
        directory = Directory({c.organization_id for c in batch}, inboxes=True)
        outgoing = []
        for coordinator in batch:
            users, emails = directory.ke_staff(coordinator.organization_id)
            outgoing.append(Outgoing(users, Message(
                kind="coordination.over_capacity",
                title=_("A coordinator has more plans than their capacity"),
                body=_("%(name)s coordinates %(load)s open plans (capacity %(capacity)s).")
                % {"name": coordinator.user.display_name(), "load": coordinator.load,
                   "capacity": coordinator.capacity},
                url=links.coordinator_url(coordinator.uuid), subject_type="coordinator",
                subject_uuid=coordinator.uuid,
            ), f"coordination:over-capacity:{coordinator.uuid}:{today.isoformat()}",
                external_emails=tuple(emails)))
        return outgoing

    return _run(coordinators_over_capacity(now), build)


SWEEPS = (
    ("evaluations", remind_evaluations),
    ("requests_waiting", remind_waiting_requests),
    ("over_capacity", alert_over_capacity),
)


def run_sweeps(now: datetime.datetime | None = None) -> dict[str, int]:
    """Every sweep, each on its own: one that fails does not keep the others from running."""
    now = _utc(now)
    created, failed = {}, []
    for name, run in SWEEPS:
        try:
            created[name] = run(now)
        except Exception:  # logged here, raised below once the other sweeps have run
            logger.exception("coordination sweep %s failed", name)
            failed.append(name)
    if any(created.values()):
        logger.info("coordination sweeps: %s", created)
    if failed:
        raise RuntimeError(f"coordination sweeps failed: {', '.join(failed)}")
    return created


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_coordination_sweeps() -> None:
    """Beat runs this every 15 minutes (CELERY_BEAT_SCHEDULE)."""
    run_sweeps()
