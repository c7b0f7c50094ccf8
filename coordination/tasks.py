"""The KE's reminder kinds (settings.REMINDERS), run by common.sweeps like the
pathway's: each is its indexed due query and its message builder, with a dedupe key per
subject and stage, so a re-run, an overlapping run or a second worker sends nothing twice.
All periods here are calendar days in Europe/Oslo: "today" is the date on the clocks in
Norway, also in the hours around a daylight-saving change when the UTC date differs.
"""

import datetime

from celery import shared_task
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from common import sweeps
from common.sweeps import CATCH_UP, Reminder, day, local_date, local_midnight
from registry.notifications import Directory, Message, Outgoing, to_ke_staff

from . import links
from .models import IndividualPlan, PlanRequest, PlanStatus
from .services import coordinators_with_load
from .services.intake import OPEN_REQUEST_STATUSES

SWEEP_EXPIRES_SECONDS = 840
IN_FORCE = (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION)


# -- 1. Evaluations due ----------------------------------------------------------------------

def evaluations_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Plans in force whose evaluation date is within DAYS_BEFORE, today, or past (at most
    CATCH_UP) (index plan_evaluation_due_idx)."""
    today = local_date(now)
    return (
        IndividualPlan.objects.filter(
            status__in=IN_FORCE,
            next_evaluation_on__lte=today + kind.days("DAYS_BEFORE"),
            next_evaluation_on__gte=today - CATCH_UP,
        )
        .select_related("coordinator__user")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("next_evaluation_on")
    )


@sweeps.reminder("evaluations", due=evaluations_due)
def remind_evaluations(batch: list[IndividualPlan], now: datetime.datetime,
                       kind: Reminder) -> list[Outgoing]:
    """Tell the coordinator that an evaluation is coming up, is today, or is overdue; one
    message per stage and evaluation date (a new date reminds again). A plan without an
    active coordinator reminds the municipality's KE instead."""
    today = local_date(now)
    directory = Directory({p.municipality_id for p in batch}, inboxes=True)
    outgoing = []
    for plan in batch:
        due = plan.next_evaluation_on
        if due > today:
            stage, message_kind = "soon", "coordination.evaluation_soon"
            title = _("Evaluation of an individual plan due %(date)s")
        elif due == today:
            stage, message_kind = "due", "coordination.evaluation_due"
            title = _("Evaluation of an individual plan due today (%(date)s)")
        else:
            stage, message_kind = "overdue", "coordination.evaluation_overdue"
            title = _("Evaluation of an individual plan overdue since %(date)s")
        coordinator = plan.coordinator
        if coordinator is not None and coordinator.active and coordinator.user.is_active:
            users, emails = [coordinator.user], []
        else:
            users, emails = directory.ke_staff(plan.municipality_id)
        outgoing.append(Outgoing(users, Message(
            kind=message_kind, title=title % {"date": day(due)},
            body=_("Evaluate the plan with the patient and record the evaluation."),
            url=links.plan_url(plan.uuid), subject_type="individualplan",
            subject_uuid=plan.uuid, patient_uuid=plan.patient_uuid,
        ), f"coordination:evaluation-{stage}:{plan.uuid}:{due.isoformat()}",
            external_emails=tuple(emails)))
    return outgoing


# -- 2. Requests waiting for a decision ------------------------------------------------------

def waiting_requests_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Open requests received AFTER_DAYS calendar days ago or more (index
    plan_request_open_idx)."""
    latest_day = local_date(now) - kind.days("AFTER_DAYS")
    return (
        PlanRequest.objects.filter(
            status__in=OPEN_REQUEST_STATUSES,
            received_at__lt=local_midnight(latest_day + datetime.timedelta(days=1)),
        )
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("received_at")
    )


@sweeps.reminder("requests_waiting", due=waiting_requests_due)
def remind_waiting_requests(batch: list[PlanRequest], now: datetime.datetime,
                            kind: Reminder) -> list[Outgoing]:
    """Alert the municipality's KE once that a request is still undecided (once more if it
    waits again after an appeal)."""
    def build(request):
        days = (local_date(now) - local_date(request.received_at)).days
        stage = "appeal" if request.appeal_received_at else "first"
        return Message(
            kind="coordination.request_waiting",
            title=_("A request for an individual plan or a coordinator has waited "
                    "%(days)s days") % {"days": days},
            body=_("Received %(date)s and not yet decided.") % {
                "date": day(local_date(request.received_at))},
            url=links.request_url(request.uuid), subject_type="planrequest",
            subject_uuid=request.uuid, patient_uuid=request.patient_uuid,
        ), f"coordination:request-waiting:{request.uuid}:{stage}"
    return to_ke_staff(batch, lambda request: request.municipality_id, build)


# -- 3. Coordinators over capacity -----------------------------------------------------------

def coordinators_over_capacity(now: datetime.datetime, kind: Reminder) -> QuerySet:
    return coordinators_with_load().filter(active=True, load__gt=F("capacity")).order_by("pk")


@sweeps.reminder("over_capacity", due=coordinators_over_capacity)
def alert_over_capacity(batch: list, now: datetime.datetime, kind: Reminder) -> list[Outgoing]:
    """Tell the KE once a day (Oslo date) about each coordinator with more open plans than
    their capacity."""
    today = local_date(now)

    def build(coordinator):
        return Message(
            kind="coordination.over_capacity",
            title=_("A coordinator has more plans than their capacity"),
            body=_("%(name)s coordinates %(load)s open plans (capacity %(capacity)s).")
            % {"name": coordinator.user.display_name(), "load": coordinator.load,
               "capacity": coordinator.capacity},
            url=links.coordinator_url(coordinator.uuid), subject_type="coordinator",
            subject_uuid=coordinator.uuid,
        ), f"coordination:over-capacity:{coordinator.uuid}:{today.isoformat()}"
    return to_ke_staff(batch, lambda coordinator: coordinator.organization_id, build)


GROUP = "coordination"


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_coordination_sweeps() -> None:
    """Beat runs this every 15 minutes (CELERY_BEAT_SCHEDULE)."""
    sweeps.run_sweeps(GROUP)
