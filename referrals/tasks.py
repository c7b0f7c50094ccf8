"""The referrals' deadlines, watched like the pathway's (common.sweeps, settings.REMINDERS):

- the assessment, due 10 working days after receipt: the receiving unit's assessors are
  reminded DAYS_BEFORE working days ahead and on the day; once it has passed they are alerted
  and the unit's lead is told (escalation), and the breach is stamped on the referral once
  (assessment_breached_at), which the indicators count;
- the date by which necessary care must start, for an accepted patient with the right: the
  unit keeping the waiting list is reminded DAYS_BEFORE calendar days ahead; once it has
  passed without a start, its assessors and lead are alerted and the breach is stamped
  (care_start_breached_at).

Each message has a dedupe key per referral, stage and date, so a re-run, an overlapping run or
a second worker sends nothing twice. A referral awaiting assessment is open work, however late:
the due queries read every overdue one through their partial indexes, not a window of history.
Nightly, every service's waiting time is computed again (the days pass, the pace of starts
changes)."""

import datetime
from collections import defaultdict

from celery import shared_task
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common import sweeps
from common.sweeps import Reminder, day, local_date
from registry.capabilities import Capability, role_can, roles_with
from registry.models import Membership
from registry.notifications import Message, Outgoing

from . import links
from .models import AWAITING_ASSESSMENT, Referral, ReferralStatus
from .waiting import refresh_waiting_times
from .workdays import add_working_days, working_days_between

GROUP = "referrals"
SWEEP_EXPIRES_SECONDS = 840


class Units:
    """The assessors and leads of a batch's units, in one query. The routine reminders go to
    the assessors who are not the unit's lead (to the lead when nobody else assesses); a
    missed deadline alerts the assessors and is escalated to the lead."""

    def __init__(self, organization_ids):
        self._people: dict[tuple[int, Capability], list] = defaultdict(list)
        kinds = (Capability.ASSESS_REFERRALS, Capability.LEAD_UNIT)
        memberships = Membership.objects.filter(
            organization_id__in={pk for pk in organization_ids if pk is not None},
            user__is_active=True, user__is_service_account=False,
            role__in={role for kind in kinds for role in roles_with(kind)},
        ).select_related("user").order_by("pk")
        for membership in memberships:
            for kind in kinds:
                if role_can(membership.role, kind):
                    self._people[membership.organization_id, kind].append(membership.user)

    def leads(self, organization_id) -> list:
        return self._people[organization_id, Capability.LEAD_UNIT]

    def assessors(self, organization_id) -> list:
        leads = set(self.leads(organization_id))
        everyone = self._people[organization_id, Capability.ASSESS_REFERRALS]
        return [user for user in everyone if user not in leads] or everyone


def _message(referral: Referral, kind: str, title: str, body: str) -> Message:
    """Titles and bodies name no patient: e-mail gets them too."""
    return Message(kind=kind, title=title, body=body, url=links.referral_url(referral.uuid),
                   subject_type="referral", subject_uuid=referral.uuid,
                   patient_uuid=referral.patient_uuid)


# -- 1. The assessment deadline ----------------------------------------------------------------

def assessments_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Referrals awaiting assessment whose deadline is within DAYS_BEFORE working days, today,
    or past (index referral_assessment_due_idx)."""
    today = local_date(now)
    return (Referral.objects.filter(
        status__in=AWAITING_ASSESSMENT,
        assessment_due__lte=add_working_days(today, kind.setting("DAYS_BEFORE")))
        .annotate(patient_uuid=F("patient__uuid")).order_by("assessment_due", "pk"))


@sweeps.reminder("referral_assessment", due=assessments_due, defaults={"DAYS_BEFORE": 2})
def remind_assessments(batch: list[Referral], now: datetime.datetime,
                       kind: Reminder) -> list[Outgoing]:
    today = local_date(now)
    units = Units({referral.receiver_id for referral in batch})
    outgoing, breached = [], []
    for referral in batch:
        due = referral.assessment_due
        key = f"referrals:assessment:{referral.uuid}:{due.isoformat()}"
        if due > today:
            left = working_days_between(today, due)
            message = _message(
                referral, "referrals.assessment_soon",
                _("A referral is to be assessed within %(days)s working days") % {"days": left},
                _("Deadline: %(date)s.") % {"date": day(due)})
            outgoing.append(Outgoing(units.assessors(referral.receiver_id), message,
                                     f"{key}:soon"))
        elif due == today:
            message = _message(referral, "referrals.assessment_due",
                               _("A referral is to be assessed today"),
                               _("Deadline: %(date)s.") % {"date": day(due)})
            outgoing.append(Outgoing(units.assessors(referral.receiver_id), message,
                                     f"{key}:due"))
        else:
            title = _("A referral's assessment deadline has passed")
            body = _("The referral was to be assessed by %(date)s (pasient- og "
                     "brukerrettighetsloven § 2-2).") % {"date": day(due)}
            outgoing.append(Outgoing(units.assessors(referral.receiver_id), _message(
                referral, "referrals.assessment_overdue", title, body), f"{key}:overdue"))
            outgoing.append(Outgoing(units.leads(referral.receiver_id), _message(
                referral, "referrals.assessment_escalated", title, body), f"{key}:escalated"))
            if referral.assessment_breached_at is None:
                breached.append(referral.pk)
    if breached:  # once: the sweep that first sees it late stamps it
        Referral.objects.filter(pk__in=breached, assessment_breached_at__isnull=True).update(
            assessment_breached_at=now)
    return outgoing


# -- 2. The date necessary care must start -------------------------------------------------------

def care_starts_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Accepted referrals with a deadline for necessary care within DAYS_BEFORE calendar days
    or past, not yet started (index referral_care_start_idx)."""
    today = local_date(now)
    return (Referral.objects.filter(
        status=ReferralStatus.ACCEPTED, care_start_deadline__isnull=False,
        care_start_deadline__lte=today + kind.days("DAYS_BEFORE"))
        .annotate(patient_uuid=F("patient__uuid"),
                  keeper_id=F("allocated_service__provider_id"))
        .order_by("care_start_deadline", "pk"))


@sweeps.reminder("referral_care_start", due=care_starts_due, defaults={"DAYS_BEFORE": 7})
def remind_care_starts(batch: list[Referral], now: datetime.datetime,
                       kind: Reminder) -> list[Outgoing]:
    today = local_date(now)
    units = Units({referral.keeper_id for referral in batch})
    outgoing, breached = [], []
    for referral in batch:
        deadline = referral.care_start_deadline
        key = f"referrals:care-start:{referral.uuid}:{deadline.isoformat()}"
        if deadline >= today:
            message = _message(
                referral, "referrals.care_start_soon",
                _("Care must start by %(date)s for a patient on your waiting list")
                % {"date": day(deadline)},
                _("The patient has a right to necessary specialised care."))
            outgoing.append(Outgoing(units.assessors(referral.keeper_id), message,
                                     f"{key}:soon"))
        else:
            title = _("The date by which care had to start has passed")
            body = _("Care was to start by %(date)s (frist for nødvendig helsehjelp).") % {
                "date": day(deadline)}
            outgoing.append(Outgoing(units.assessors(referral.keeper_id), _message(
                referral, "referrals.care_start_overdue", title, body), f"{key}:overdue"))
            outgoing.append(Outgoing(units.leads(referral.keeper_id), _message(
                referral, "referrals.care_start_escalated", title, body),
                f"{key}:escalated"))
            if referral.care_start_breached_at is None:
                breached.append(referral.pk)
    if breached:
        Referral.objects.filter(pk__in=breached, care_start_breached_at__isnull=True).update(
            care_start_breached_at=now)
    return outgoing


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_referral_sweeps() -> None:
    """Beat runs this every 15 minutes (CELERY_BEAT_SCHEDULE)."""
    sweeps.run_sweeps(GROUP)


@shared_task(ignore_result=True, expires=6 * 3600)
def refresh_all_waiting_times() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): every active service's waiting time again."""
    return refresh_waiting_times(now=timezone.now())
