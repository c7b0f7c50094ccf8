"""The pathway deadlines' reminder kinds (settings.REMINDERS), run by common.sweeps.

Each kind is its indexed due query and its message builder, declared with @sweeps.reminder;
the framework batches, claims by dedupe key (per subject and stage) and sends. Hours are
elapsed time; days and weeks are calendar days in Europe/Oslo.
"""

import datetime

from celery import shared_task
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from common import sweeps
from common.sweeps import CATCH_UP, Reminder, day, local_date, local_midnight, when
from registry.notifications import Directory, Outgoing, to_ke_staff

from .models import (
    Admission,
    AdmissionStatus,
    EarlyNotification,
    MunicipalAnswer,
    NoticeState,
    ReadyForDischarge,
)
from .models.admissions import OPEN_STATUSES
from .reminder_messages import message_about, outgoing_to

SWEEP_EXPIRES_SECONDS = 55


# -- 1. Early notification not sent ---------------------------------------------------------

def early_notification_missing_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Open admissions without a sent notice whose reminder time has come
    (index admission_notice_due_idx)."""
    return (
        Admission.objects.filter(
            status__in=OPEN_STATUSES, first_notification_sent_at__isnull=True,
            notification_deadline__lte=now + kind.hours("BEFORE_HOURS"),
            notification_deadline__gt=now - kind.hours("ESCALATE_AFTER_HOURS") - CATCH_UP,
        )
        .select_related("hospital", "ward")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("notification_deadline")
    )


@sweeps.reminder("early_notification_missing", due=early_notification_missing_due)
def remind_missing_early_notifications(batch: list[Admission], now: datetime.datetime,
                                       kind: Reminder) -> list[Outgoing]:
    """Remind the ward's planners BEFORE_HOURS before the deadline, alert them at the
    deadline, and escalate to the health trust's KE ESCALATE_AFTER_HOURS later."""
    escalate_after = kind.hours("ESCALATE_AFTER_HOURS")
    directory = Directory({a.hospital_id for a in batch}
                          | {a.hospital.parent_id for a in batch}, inboxes=True)
    outgoing = []
    for admission in batch:
        deadline = admission.notification_deadline
        planners = directory.planners(admission.hospital_id, admission.ward_id)
        params = {"ward": admission.ward.name, "hospital": admission.hospital.name,
                  "deadline": when(deadline)}
        message = message_about(admission, "admission", admission.uuid)
        if now < deadline:
            outgoing.append(outgoing_to(planners, message(
                "early_notification.reminder",
                _("Early notification due soon for an admitted patient"),
                _("The early notification for a patient admitted to %(ward)s, "
                  "%(hospital)s, is due %(deadline)s. Send it now, even if some "
                  "information is not known yet.") % params,
            ), f"sweep:notice-reminder:{admission.uuid}"))
            continue
        outgoing.append(outgoing_to(planners, message(
            "early_notification.overdue",
            _("Early notification missing for an admitted patient"),
            _("The early notification for a patient admitted to %(ward)s, %(hospital)s, "
              "was due %(deadline)s and has not been sent.") % params,
        ), f"sweep:notice-overdue:{admission.uuid}"))
        if now >= deadline + escalate_after:
            # The trust's KE has no care relationship to the patient, so no page of
            # theirs shows the stay: the message names hospital, ward and deadline.
            users, emails = directory.ke_staff(admission.hospital.parent_id)
            unlinked = message_about(admission, "admission", admission.uuid, url=False)
            outgoing.append(outgoing_to(users, unlinked(
                "early_notification.escalation",
                _("Early notification still missing after the deadline"),
                _("%(hospital)s has not sent the early notification for a patient "
                  "admitted to %(ward)s. It was due %(deadline)s.") % params,
            ), f"sweep:notice-escalation:{admission.uuid}", emails))
    return outgoing


# -- 2. Early notification sent but not acknowledged -----------------------------------------

def unacknowledged_notices_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Sent notices the municipality has not acknowledged in time
    (index notice_unacknowledged_idx)."""
    older_than = now - kind.hours("AFTER_HOURS")
    return (
        EarlyNotification.objects.filter(
            state=NoticeState.SENT, acknowledged_at__isnull=True,
            sent_at__lte=older_than, sent_at__gt=older_than - CATCH_UP,
        )
        .exclude(admission__status=AdmissionStatus.ENTERED_IN_ERROR)
        .select_related("admission__hospital", "admission__ward")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("sent_at")
    )


@sweeps.reminder("notice_unacknowledged", due=unacknowledged_notices_due)
def remind_unacknowledged_notices(batch: list[EarlyNotification], now: datetime.datetime,
                                  kind: Reminder) -> list[Outgoing]:
    """Remind the municipality's KE of a notice nobody has acknowledged."""
    def build(notice):
        admission = notice.admission
        return message_about(notice, "earlynotification", notice.uuid)(
            "early_notification.unacknowledged",
            _("Early notification waiting to be acknowledged"),
            _("An early notification from %(hospital)s (%(ward)s), sent %(sent)s, has "
              "not been acknowledged by the municipality.") % {
                "hospital": admission.hospital.name, "ward": admission.ward.name,
                "sent": when(notice.sent_at)},
        ), f"sweep:notice-unacknowledged:{notice.uuid}"
    return to_ke_staff(batch, lambda notice: notice.admission.municipality_id, build)


# -- 3. Ready for discharge without the municipality's answer --------------------------------

def unanswered_declarations_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Declarations in force with no answer after AFTER_HOURS
    (index ready_unanswered_idx; the answer check uses the answers' declaration index)."""
    older_than = now - kind.hours("AFTER_HOURS")
    return (
        ReadyForDischarge.objects.filter(
            withdrawn_at__isnull=True, entered_in_error=False, declared_at__lte=older_than,
            declared_at__gt=older_than - CATCH_UP,
            admission__status=AdmissionStatus.READY_FOR_DISCHARGE,
        )
        .filter(~Exists(MunicipalAnswer.objects.filter(declaration=OuterRef("pk"))))
        .select_related("admission__hospital", "admission__ward")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("declared_at")
    )


@sweeps.reminder("ready_unanswered", due=unanswered_declarations_due)
def remind_unanswered_declarations(batch: list[ReadyForDischarge], now: datetime.datetime,
                                   kind: Reminder) -> list[Outgoing]:
    """Remind the municipality's KE to answer whether it can receive the patient."""
    def build(declaration):
        admission = declaration.admission
        return message_about(declaration, "readyfordischarge", declaration.uuid)(
            "ready_for_discharge.unanswered",
            _("Ready-for-discharge declaration waiting for an answer"),
            _("A patient at %(hospital)s (%(ward)s) was declared ready for discharge "
              "%(declared)s. The municipality has not yet answered whether it can "
              "receive the patient.") % {
                "hospital": admission.hospital.name, "ward": admission.ward.name,
                "declared": when(declaration.declared_at)},
        ), f"sweep:ready-unanswered:{declaration.uuid}"
    return to_ke_staff(batch, lambda declaration: declaration.admission.municipality_id, build)


# -- 4. Discharge meetings: declared in their own module, imported here so that they register
# in this place of the sweep's order (and tests reach them as tasks.*).
from .meeting_reminders import (  # noqa: E402, F401, I001
    prompt_discharge_meetings,
    remind_meeting_participants,
    remind_missing_minutes,
)

# -- 5. Follow-up after a rehabilitation stay ------------------------------------------------

def follow_ups_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Rehabilitation stays discharged AFTER_WEEKS weeks ago or more, by the calendar in Oslo
    (index admission_discharged_idx)."""
    latest_day = local_date(now) - datetime.timedelta(weeks=kind.setting("AFTER_WEEKS"))
    before = local_midnight(latest_day + datetime.timedelta(days=1))
    return (
        Admission.objects.filter(
            is_rehabilitation_stay=True, status=AdmissionStatus.DISCHARGED,
            discharged_at__lt=before, discharged_at__gte=before - CATCH_UP,
        )
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("discharged_at")
    )


@sweeps.reminder("follow_up", due=follow_ups_due)
def remind_follow_ups(batch: list[Admission], now: datetime.datetime,
                      kind: Reminder) -> list[Outgoing]:
    """Tell the municipality's KE that a follow-up contact (phone or video) is due."""
    def build(admission):
        return message_about(admission, "admission", admission.uuid)(
            "admission.follow_up_due",
            _("Follow-up contact due after a hospital stay"),
            _("A resident was discharged from a rehabilitation stay at %(hospital)s on "
              "%(date)s. Contact them by phone or video to follow up.") % {
                "hospital": admission.hospital.name,
                "date": day(local_date(admission.discharged_at))},
        ), f"sweep:follow-up:{admission.uuid}"
    return to_ke_staff(batch, lambda admission: admission.municipality_id, build)


# -- The periodic task ----------------------------------------------------------------------

GROUP = "pathways"


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_pathway_sweeps() -> None:
    """Beat runs this every 30 s (CELERY_BEAT_SCHEDULE); a missed run is caught up."""
    sweeps.run_sweeps(GROUP)
