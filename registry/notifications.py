"""Creating notifications. Delivery (e-mail, retries) is registry.tasks' job.

In-app notifications are delivered the moment they exist; e-mail ones are queued after the
transaction commits. A dedupe key makes a sweep's notifications exactly-once: the key is
unique in the table, so a re-run or a second worker inserts nothing new.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .models import DeliveryStatus, Notification, NotificationChannel

DEFAULT_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.EMAIL)


@dataclass(frozen=True)
class Message:
    kind: str
    title: str  # e-mail subjects carry no health data: a title names no patient
    body: str = ""
    url: str = ""
    subject_type: str = ""
    subject_uuid: UUID | None = None
    patient_uuid: UUID | None = None
    attachment_name: str = ""
    attachment: str = ""


def _row(message: Message, channel: str, *, recipient=None, email: str = "",
         dedupe: str | None = None, now=None) -> Notification:
    in_app = channel == NotificationChannel.IN_APP
    return Notification(
        recipient=recipient, recipient_email=email, channel=channel, kind=message.kind,
        subject_type=message.subject_type, subject_uuid=message.subject_uuid,
        patient_uuid=message.patient_uuid, title=str(message.title)[:200],
        body=str(message.body), url=message.url, attachment_name=message.attachment_name,
        attachment=message.attachment if not in_app else "", dedupe_key=dedupe,
        delivery_status=DeliveryStatus.DELIVERED if in_app else DeliveryStatus.PENDING,
        delivered_at=now if in_app else None, next_attempt_at=None if in_app else now,
    )


def notify(users: Iterable, message: Message, *, dedupe: str | None = None,
           channels: Iterable[str] = DEFAULT_CHANNELS,
           external_emails: Iterable[str] = ()) -> list[Notification]:
    """Notify users (and e-mail addresses without an account); returns the rows inserted.

    With `dedupe`, each (recipient, channel) gets the key `<dedupe>:<recipient>:<channel>`,
    so calling again with the same key inserts nothing.
    """
    now = timezone.now()
    channels = tuple(channels)
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
            for channel in channels:
                if channel == NotificationChannel.EMAIL and not user.email:
                    continue
                key = f"{dedupe}:{user.pk}:{channel}" if dedupe else None
                rows.append(_row(message, channel, recipient=user, email=user.email,
                                 dedupe=key, now=now))
        for email in sorted(set(external_emails)):
            key = f"{dedupe}:{email}:email" if dedupe else None
            rows.append(_row(message, NotificationChannel.EMAIL, email=email, dedupe=key,
                             now=now))
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # With ignore_conflicts the database does not report which rows it kept: ask by uuid.
    inserted = list(Notification.objects.filter(uuid__in=[row.uuid for row in rows]))
    email_ids = [n.pk for n in inserted if n.channel == NotificationChannel.EMAIL]
    if email_ids:
        transaction.on_commit(lambda: _enqueue_delivery(email_ids))
    return inserted


def _enqueue_delivery(notification_ids: list[int]) -> None:
    from .tasks import deliver_notification

    for notification_id in notification_ids:
        deliver_notification.delay(notification_id)
