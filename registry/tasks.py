"""Delivery of notifications (e-mail), with retries; see registry.notifications.

E-mail rows are a retry queue of the shape in common.retry (settings.RETRY["email"]):
a delivery claims its row with a conditional UPDATE before it sends, so two workers (or a
message delivered twice by the broker) send one e-mail. A row that fails waits with
exponential backoff; after MAX_ATTEMPTS it is undeliverable and stays on the administrators'
list (Notification.objects.undelivered()).
"""

import datetime
import logging
from urllib.parse import urljoin

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from common.retry import RetryQueue

from .models import DeliveryStatus, Notification, NotificationChannel

logger = logging.getLogger(__name__)

# Queued work older than this is dropped by the worker: the retry sweep queues it again.
DELIVERY_EXPIRES_SECONDS = 3600
# A sweep message older than the sweep's interval (settings.OUTBOX_SWEEP_SECONDS, 15 s) is
# dropped: the next one is on its way.
SWEEP_EXPIRES_SECONDS = 14

QUEUE = RetryQueue(
    "email", lambda: Notification.objects.filter(channel=NotificationChannel.EMAIL),
    status_field="delivery_status",
    waiting=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
    attempting=DeliveryStatus.PENDING, retrying=DeliveryStatus.FAILED,
    delivered=DeliveryStatus.DELIVERED, given_up=DeliveryStatus.UNDELIVERABLE,
)


def claim(notification_id: int, now: datetime.datetime) -> bool:
    """Take the row for one attempt; False when someone else has it or nothing is due.

    The attempt's lease (next_attempt_at pushed ahead) keeps a second worker out while this
    one sends; if this worker dies, the retry sweep finds the row when the lease is over.
    """
    return QUEUE.claim(notification_id, now)


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
    QUEUE.record_success(notification.pk, timezone.now())


def _record_failure(notification: Notification, error: str) -> None:
    # The claim counted this attempt: notification.attempts is the count including it.
    if QUEUE.record_failure(notification.pk, notification.attempts, error, timezone.now()):
        _log_undeliverable(notification, error)
    else:
        logger.warning("notification %s: delivery attempt %s failed: %s", notification.pk,
                       notification.attempts, error)


def _give_up(notification: Notification, error: str) -> None:
    QUEUE.give_up(notification.pk, error)
    _log_undeliverable(notification, error)


def _log_undeliverable(notification: Notification, error: str) -> None:
    logger.error("notification %s is undeliverable after %s attempts: %s", notification.pk,
                 notification.attempts, error)


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def retry_notifications(now: datetime.datetime | None = None) -> int:
    """Queue delivery again for what is due (QUEUE.due: failed rows whose backoff is over,
    fresh rows whose own message is late, claims whose lease ran out); the claim makes a
    duplicate message harmless."""
    return QUEUE.requeue(deliver_notification, now or timezone.now())
