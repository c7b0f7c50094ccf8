"""Delivery of notifications (e-mail), with retries; see registry.notifications.

A delivery claims its row with a conditional UPDATE before it sends, so two workers (or a
message delivered twice by the broker) send one e-mail. A row that fails waits with
exponential backoff; after NOTIFICATION_DELIVERY["MAX_ATTEMPTS"] it is undeliverable and
stays on the administrators' list (Notification.objects.undelivered()).
"""

import datetime
import logging
from urllib.parse import urljoin

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.utils import timezone

from rehab_portal.publishing import publish_each

from .models import DeliveryStatus, Notification, NotificationChannel

logger = logging.getLogger(__name__)

# Queued work older than this is dropped by the worker: the retry sweep queues it again.
DELIVERY_EXPIRES_SECONDS = 3600
# A sweep message older than the sweep's interval (settings.OUTBOX_SWEEP_SECONDS, 15 s) is
# dropped: the next one is on its way.
SWEEP_EXPIRES_SECONDS = 14


def delivery_setting(name: str) -> int:
    return settings.NOTIFICATION_DELIVERY[name]


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the n-th failed attempt: base, 2×base, 4×base ... capped."""
    seconds = delivery_setting("BACKOFF_BASE_SECONDS") * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, delivery_setting("BACKOFF_MAX_SECONDS")))


def claim(notification_id: int, now: datetime.datetime) -> bool:
    """Take the row for one attempt; False when someone else has it or nothing is due.

    The attempt's lease (next_attempt_at pushed ahead) keeps a second worker out while this
    one sends; if this worker dies, the retry sweep finds the row when the lease is over.
    """
    return bool(Notification.objects.filter(
        pk=notification_id, channel=NotificationChannel.EMAIL,
        delivery_status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now, attempts__lt=delivery_setting("MAX_ATTEMPTS"),
    ).update(
        delivery_status=DeliveryStatus.PENDING, attempts=F("attempts") + 1,
        next_attempt_at=now + datetime.timedelta(seconds=delivery_setting("CLAIM_SECONDS")),
    ))


def absolute_url(path: str) -> str:
    return urljoin(settings.PORTAL_BASE_URL.rstrip("/") + "/", path.lstrip("/")) if path \
        else ""


def build_email(notification: Notification, address: str) -> EmailMessage:
    link = absolute_url(notification.url)
    body = "\n\n".join(part for part in (notification.body, link) if part)
    email = EmailMessage(subject=notification.title, body=body, to=[address],
                         headers={"Auto-Submitted": "auto-generated"})
    if notification.attachment:
        email.attach(notification.attachment_name or "invitation.ics",
                     notification.attachment, "text/calendar")
    return email


def describe_error(exc: BaseException) -> str:
    """What an administrator sees: the exception's class and the start of its message."""
    return f"{type(exc).__name__}: {exc}"[:200]


@shared_task(ignore_result=True, expires=DELIVERY_EXPIRES_SECONDS,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             max_retries=3)
def deliver_notification(notification_id: int) -> None:
    """Send one e-mail notification. Database outages retry the task; e-mail failures are
    recorded on the row and retried by retry_notifications."""
    now = timezone.now()
    if not claim(notification_id, now):
        return
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    address = notification.recipient_email or (recipient.email if recipient else "")
    if recipient is not None and not recipient.is_active:
        _give_up(notification, "recipient account is deactivated")
        return
    if not address:
        _give_up(notification, "no e-mail address")
        return
    try:
        sent = build_email(notification, address).send(fail_silently=False)
        if not sent:
            raise RuntimeError("the e-mail backend sent nothing")
    except Exception as exc:  # any backend, any transport: record it and retry later
        _record_failure(notification, describe_error(exc))
        return
    Notification.objects.filter(pk=notification.pk).update(
        delivery_status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(),
        next_attempt_at=None, last_error="",
    )


def _record_failure(notification: Notification, error: str) -> None:
    # The claim counted this attempt: notification.attempts is the count including it.
    if notification.attempts >= delivery_setting("MAX_ATTEMPTS"):
        _give_up(notification, error)
        return
    logger.warning("notification %s: delivery attempt %s failed: %s", notification.pk,
                   notification.attempts, error)
    Notification.objects.filter(pk=notification.pk).update(
        delivery_status=DeliveryStatus.FAILED, last_error=error,
        next_attempt_at=timezone.now() + backoff(notification.attempts),
    )


def _give_up(notification: Notification, error: str) -> None:
    logger.error("notification %s is undeliverable after %s attempts: %s", notification.pk,
                 notification.attempts, error)
    Notification.objects.filter(pk=notification.pk).update(
        delivery_status=DeliveryStatus.UNDELIVERABLE, last_error=error[:300],
        next_attempt_at=None,
    )


def due_for_retry(now: datetime.datetime):
    """Failed rows whose backoff is over; fresh pending rows whose own message is late (a lost
    enqueue: broker down or hung at commit) after STUCK_AFTER_SECONDS; and claimed rows whose
    lease (CLAIM_SECONDS) ran out, a worker that died. A claim younger than its lease is
    never queued again, so a slow send is not sent twice."""
    stuck_before = now - datetime.timedelta(seconds=delivery_setting("STUCK_AFTER_SECONDS"))
    return Notification.objects.filter(
        Q(delivery_status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
        | Q(delivery_status=DeliveryStatus.PENDING, attempts=0, next_attempt_at__lte=stuck_before)
        | Q(delivery_status=DeliveryStatus.PENDING, attempts__gt=0, next_attempt_at__lte=now),
        channel=NotificationChannel.EMAIL, attempts__lt=delivery_setting("MAX_ATTEMPTS"),
    ).order_by("next_attempt_at")


def give_up_on_lost_last_attempts(now: datetime.datetime) -> int:
    """A worker that died during the last allowed attempt left the row pending: no claim
    can take it again, so say so instead of leaving it pending for ever (once its lease is
    over: the attempt may still be running until then)."""
    return Notification.objects.filter(
        channel=NotificationChannel.EMAIL, delivery_status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now, attempts__gte=delivery_setting("MAX_ATTEMPTS"),
    ).update(delivery_status=DeliveryStatus.UNDELIVERABLE, next_attempt_at=None,
             last_error="no outcome from the last attempt (worker lost)")


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def retry_notifications(now: datetime.datetime | None = None) -> int:
    """Queue delivery again for what is due; the claim makes a duplicate message harmless."""
    now = now or timezone.now()
    give_up_on_lost_last_attempts(now)
    ids = list(due_for_retry(now).values_list("pk", flat=True)
               [:delivery_setting("RETRY_BATCH")])
    queued = publish_each(deliver_notification, ids)
    if queued:
        logger.info("queued %s notification(s) for another delivery attempt", queued)
    return queued
