"""What runs when: the beat schedule, the pathway's and the KE's deadlines, the reminder
kinds' periods and the retry queues. Part of base.py (imported there); override in dev,
prod or test like any other setting."""

from celery.schedules import crontab

from .env import env_int

HEARTBEAT_INTERVAL_SECONDS = env_int("HEARTBEAT_INTERVAL_SECONDS", 60)
# The outbox sweeps (retry-notifications, retry-webhook-deliveries) run this often. After a
# broker outage the rows whose messages were lost are queued by the first sweep after the
# broker is back (within this interval), or, if written in the last FRESH_GRACE_SECONDS (30 s,
# RETRY below) before it, when that grace is over: everything is out within a minute
# (README, Production).
OUTBOX_SWEEP_SECONDS = 15
# How often the PLO transport is asked for new messages (plo.tasks.poll_plo).
PLO_POLL_SECONDS = env_int("PLO_POLL_SECONDS", 30)
# A PLO message the portal sent with no AppRec after this long is marked so in the log, for
# the operator to send again.
PLO_RECEIPT_WAIT_SECONDS = env_int("PLO_RECEIPT_WAIT_SECONDS", 3600)
CELERY_BEAT_SCHEDULE = {
    # PLO messages from hospital and municipal EPJ systems (plo.transports).
    "plo-poll": {
        "task": "plo.tasks.poll_plo",
        "schedule": PLO_POLL_SECONDS,
        "options": {"expires": PLO_POLL_SECONDS},
    },
    # The portal's own PLO messages whose backoff is over, whose queueing was lost or whose
    # worker died (RETRY["plo"] below), and those no receipt answered in time.
    "plo-outbox": {
        "task": "plo.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS - 1},
    },
    "worker-heartbeat": {
        "task": "common.tasks.record_heartbeat",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    # Reminders, alerts and escalations for pathway deadlines (REMINDERS below).
    # Idempotent: a run that overlaps the next one, or a second beat, sends nothing twice.
    # Every 30 s, so that reminders due while the broker was down are written within 30 s of
    # its return (and their e-mail queued at once).
    "pathway-sweeps": {
        "task": "pathways.tasks.run_pathway_sweeps",
        "schedule": 30,
        "options": {"expires": 25},
    },
    # Reminders of the KE's work (REMINDERS below): evaluations due, requests
    # waiting, coordinators over capacity. Day-based and idempotent (dedupe keys).
    "coordination-sweeps": {
        "task": "coordination.tasks.run_coordination_sweeps",
        "schedule": 900,
        "options": {"expires": 840},
    },
    # The referrals' deadlines (REMINDERS below): assessments due and overdue, the dates by
    # which necessary care must start. Day-based and idempotent (dedupe keys).
    "referral-sweeps": {
        "task": "referrals.tasks.run_referral_sweeps",
        "schedule": 900,
        "options": {"expires": 840},
    },
    # Every service's waiting time from its list and recent starts (referrals.waiting).
    "refresh-waiting-times": {
        "task": "referrals.tasks.refresh_all_waiting_times",
        "schedule": crontab(hour=2, minute=10),
        "options": {"expires": 4 * 3600},
    },
    # E-mail that failed (after its backoff) or whose queueing was lost.
    "retry-notifications": {
        "task": "registry.tasks.retry_notifications",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS - 1},
    },
    # Webhook deliveries whose backoff is over, whose queueing was lost or whose worker died
    # (RETRY["webhook"] below: 30 s grace for a fresh row, 30 s lease for an attempt).
    "retry-webhook-deliveries": {
        "task": "webhooks.tasks.retry_deliveries",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS - 1},
    },
    "forget-idempotency-keys": {
        "task": "common.tasks.forget_idempotency_keys",
        "schedule": 3600,
        "options": {"expires": 3500},
    },
    # The indicators' monthly figures (indicators.services.compute): at night the months
    # changed since the last good run (a failed night is redone by the next), in the day the
    # current month again ("today's figures"). Both idempotent; times are Europe/Oslo
    # (CELERY_TIMEZONE).
    "compute-indicators": {
        "task": "indicators.tasks.compute_indicators",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 4 * 3600},
    },
    "compute-current-month": {
        "task": "indicators.tasks.compute_current_month",
        "schedule": 900,
        "options": {"expires": 840},
    },
}


# Pathway deadlines. Periods in hours are elapsed time (24 h after admission is 24 real
# hours, also across a daylight-saving change); periods in days or weeks are calendar days
# in Europe/Oslo.
PATHWAY_DEADLINES = {
    # The early notification is due this long after admission (forskrift: 24 hours), unless
    # a registry.CooperationAgreement between health trust and municipality says otherwise.
    "EARLY_NOTIFICATION_HOURS": env_int("EARLY_NOTIFICATION_HOURS", 24),
}

# The KE's deadlines (coordination.services). Days are calendar days in Europe/Oslo.
COORDINATION_DEADLINES = {
    # The next evaluation, when none is given, this many days after activation or the last
    # evaluation.
    "EVALUATION_INTERVAL_DAYS": env_int("COORDINATION_EVALUATION_INTERVAL_DAYS", 180),
}

# Reminder kinds (common.sweeps), by name: the periods each kind's query and message
# read when the sweep runs, over the declaration's defaults. A new kind is its query and
# message in its app's tasks.py (@sweeps.reminder), a line here and a test. Hours are elapsed
# time; days and weeks are calendar days in Europe/Oslo.
REMINDERS = {
    # pathways.tasks, every 30 s ("pathway-sweeps" above).
    "early_notification_missing": {
        # Remind the ward's planners this long before the notice deadline; alert them at it.
        "BEFORE_HOURS": env_int("NOTICE_REMINDER_BEFORE_HOURS", 4),
        # Escalate to the health trust's KE this long after the deadline.
        "ESCALATE_AFTER_HOURS": env_int("NOTICE_ESCALATION_AFTER_HOURS", 12),
    },
    # Remind the municipal KE when a sent notice is not acknowledged within this time.
    "notice_unacknowledged": {"AFTER_HOURS": env_int("ACKNOWLEDGE_WITHIN_HOURS", 8)},
    # Remind the municipal KE when a ready-for-discharge declaration is unanswered this long.
    "ready_unanswered": {"AFTER_HOURS": env_int("READY_ANSWER_WITHIN_HOURS", 4)},
    # Prompt the planner when discharge is this close and no meeting is scheduled.
    "meeting_prompt": {"DAYS_BEFORE": env_int("MEETING_PROMPT_DAYS", 3)},
    # Remind meeting participants this many hours before the meeting.
    "meeting_reminder": {"HOURS_BEFORE": [24, 1]},
    # Remind the organiser when minutes are missing this long after the meeting.
    "minutes_missing": {"AFTER_HOURS": env_int("MINUTES_DUE_HOURS", 24)},
    # Follow-up contact this many weeks after discharge from a rehabilitation stay.
    "follow_up": {"AFTER_WEEKS": env_int("FOLLOW_UP_WEEKS", 6)},
    # coordination.tasks, every 15 minutes ("coordination-sweeps" above).
    # Remind the coordinator this many days before a plan's evaluation date (and again on the
    # day, and once when it is overdue).
    "evaluations": {"DAYS_BEFORE": env_int("COORDINATION_EVALUATION_REMINDER_DAYS", 14)},
    # Alert the KE when a request has waited this many days without a decision (forvaltnings-
    # loven § 11 a: a preliminary answer is due when a case takes more than a month).
    "requests_waiting": {"AFTER_DAYS": env_int("COORDINATION_REQUEST_WAITING_DAYS", 14)},
    # Coordinators over their capacity: once a day, nothing to set.
    "over_capacity": {},
    # referrals.tasks, every 15 minutes ("referral-sweeps" above).
    # Remind the receiving unit's assessors this many working days before a referral's
    # assessment deadline (10 working days after receipt), and on the day; once it has passed,
    # alert them and tell the unit's lead.
    "referral_assessment": {"DAYS_BEFORE": env_int("REFERRAL_ASSESSMENT_REMINDER_DAYS", 2)},
    # Remind the unit keeping the waiting list this many days before the date by which
    # necessary care must start; alert it and its lead once the date has passed.
    "referral_care_start": {"DAYS_BEFORE": env_int("REFERRAL_CARE_START_REMINDER_DAYS", 7)},
}
# The deadline for assessing a referral, in working days after receipt (pasient- og
# brukerrettighetsloven § 2-2: 10 for the specialist health service; the portal applies it to
# every receiving unit).
REFERRAL_ASSESSMENT_WORKING_DAYS = env_int("REFERRAL_ASSESSMENT_WORKING_DAYS", 10)
# Where the sweeps' notifications go: the outbox whose unique dedupe key is the claim.
REMINDER_OUTBOX = "registry.notifications.notify_many"


# Retry queues (common.retry): e-mail notifications (registry.tasks) and webhook
# deliveries (webhooks.tasks), one shape. After a failed attempt the next waits
# BACKOFF_BASE_SECONDS × 2^(attempts-1), at most BACKOFF_MAX_SECONDS, plus up to JITTER of it;
# after MAX_ATTEMPTS an e-mail is undeliverable (listed for administrators) and a delivery
# failed (its client's admin can replay it).
# An attempt holds its claim (a lease) for LEASE_SECONDS, three times the send's timeout
# (EMAIL_TIMEOUT, webhooks.tasks.TIMEOUT_SECONDS, 10 s), so a slow send is never taken by a
# second worker; a claim whose worker died is queued again by the next sweep after the lease
# (within LEASE_SECONDS + OUTBOX_SWEEP_SECONDS, 45 s).
# A fresh row whose own message is late (lost to a broker that was down or hung) is queued
# FRESH_GRACE_SECONDS after it was written, by the next sweep (45 s at most, or 15 s after
# the broker is back). A sweep queues at most BATCH rows.
RETRY = {
    "email": {
        "MAX_ATTEMPTS": 8,
        "BACKOFF_BASE_SECONDS": 60,
        "BACKOFF_MAX_SECONDS": 3600,
        "JITTER": 0,
        "LEASE_SECONDS": 30,
        "FRESH_GRACE_SECONDS": 30,
        "BATCH": 500,
    },
    # The portal's PLO messages (plo.outbox): the folder or the health network's service.
    "plo": {
        "MAX_ATTEMPTS": 10,
        "BACKOFF_BASE_SECONDS": 30,
        "BACKOFF_MAX_SECONDS": 6 * 3600,
        "JITTER": 0.1,
        "LEASE_SECONDS": 120,  # four times a send (token and POST, 30 s each at most)
        "FRESH_GRACE_SECONDS": 30,
        "BATCH": 500,
    },
    "webhook": {
        "MAX_ATTEMPTS": 10,
        "BACKOFF_BASE_SECONDS": 30,
        "BACKOFF_MAX_SECONDS": 6 * 3600,
        # Up to 10 % more: a receiver coming back is not hit by every retry in one second.
        "JITTER": 0.1,
        "LEASE_SECONDS": 30,
        "FRESH_GRACE_SECONDS": 30,
        "BATCH": 500,
    },
}
