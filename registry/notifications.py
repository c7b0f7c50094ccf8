"""Creating notifications. Delivery (e-mail, retries) is registry.tasks' job.

In-app notifications are delivered the moment they exist; e-mail ones are queued after the
transaction commits. A dedupe key makes a sweep's notifications exactly-once: the key is
unique in the table, so a re-run or a second worker inserts nothing new.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from common.publishing import publish_each

from .capabilities import Capability, role_can, roles_with
from .models import (
    CoordinatingUnit,
    DeliveryStatus,
    Membership,
    Notification,
    NotificationChannel,
)

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
# Rows per INSERT and uuids per SELECT: keeps statements well under SQLite's variable limit.
BATCH_SIZE = 500
_DEDUPE_KEY_LENGTH = Notification._meta.get_field("dedupe_key").max_length


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


@dataclass(frozen=True)
class Outgoing:
    """One notify() call's worth of work, for notify_many()."""

    users: Iterable
    message: Message
    dedupe: str | None = None
    channels: tuple = DEFAULT_CHANNELS
    external_emails: Iterable[str] = field(default=())


class Directory:
    """Who receives a batch's reminders: the discharge planners and KE staff of the batch's
    organisations, in one or two queries (common.sweeps builds a batch at a time).

    When a coordinating unit has no KE staff in the portal, its inbox address gets the
    e-mail instead, so a reminder is not silently lost.
    """

    def __init__(self, organization_ids: Iterable[int], *, inboxes: bool = False):
        ids = {pk for pk in organization_ids if pk is not None}
        self._members: dict[tuple[int, Capability], list[tuple[int | None, object]]] = \
            defaultdict(list)
        kinds = (Capability.WORK_ON_WARD, Capability.WORK_IN_COORDINATING_UNIT)
        memberships = Membership.objects.filter(
            organization_id__in=ids, user__is_active=True,
            role__in={role for kind in kinds for role in roles_with(kind)},
        ).select_related("user").order_by("pk")
        for membership in memberships:
            for kind in kinds:
                if role_can(membership.role, kind):
                    self._members[membership.organization_id, kind].append(
                        (membership.ward_id, membership.user))
        self._inboxes = dict(CoordinatingUnit.objects.filter(organization_id__in=ids)
                             .values_list("organization_id", "inbox_address")) if inboxes else {}

    def planners(self, hospital_id: int, ward) -> list:
        """The hospital's planners for the ward (a registry.Ward or its id): those tied to it
        and those with no ward."""
        ward_id = getattr(ward, "pk", ward)
        return [user for member_ward, user in self._members[hospital_id, Capability.WORK_ON_WARD]
                if member_ward in (None, ward_id)]

    def ke_staff(self, organization_id: int | None) -> tuple[list, list[str]]:
        """(users, e-mail addresses): the KE's staff, or else its inbox."""
        unit = self._members[organization_id, Capability.WORK_IN_COORDINATING_UNIT]
        users = [user for _ward, user in unit]
        inbox = self._inboxes.get(organization_id)
        return users, [] if users or not inbox else [inbox]


def to_ke_staff(batch: list, organization_of: Callable[[Any], int | None],
                build: Callable[[Any], tuple[Message, str]]) -> list[Outgoing]:
    """One message per row of a sweep's batch to the KE staff of the row's organisation
    (`organization_of(row)`; the unit's inbox when it has none): `build(row)` gives the
    message and its dedupe key. The recipients of the whole batch are read at once."""
    directory = Directory({organization_of(row) for row in batch}, inboxes=True)
    outgoing = []
    for row in batch:
        users, emails = directory.ke_staff(organization_of(row))
        message, dedupe = build(row)
        outgoing.append(Outgoing(users, message, dedupe, external_emails=tuple(emails)))
    return outgoing


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


def dedupe_key(dedupe: str, recipient: str, channel: str) -> str:
    """`<dedupe>:<recipient>:<channel>`; a long e-mail address is hashed so the key fits."""
    key = f"{dedupe}:{recipient}:{channel}"
    if len(key) > _DEDUPE_KEY_LENGTH:
        digest = hashlib.sha256(recipient.encode()).hexdigest()[:32]
        key = f"{dedupe}:{digest}:{channel}"[:_DEDUPE_KEY_LENGTH]
    return key


def notify(users: Iterable, message: Message, *, dedupe: str | None = None,
           channels: Iterable[str] = DEFAULT_CHANNELS,
           external_emails: Iterable[str] = ()) -> list[Notification]:
    """Notify users (and e-mail addresses without an account); returns the rows inserted.

    With `dedupe`, each (recipient, channel) gets the key `<dedupe>:<recipient>:<channel>`,
    so calling again with the same key inserts nothing.
    """
    return notify_many([Outgoing(users, message, dedupe, tuple(channels),
                                 tuple(external_emails))])


def notify_many(outgoing: Iterable[Outgoing]) -> list[Notification]:
    """notify() for many messages at once, in a number of queries that grows with the rows
    per BATCH_SIZE, not per message: a sweep costs the same for one due subject as for
    hundreds. Rows whose dedupe key exists are skipped before the INSERT, so a sweep's
    re-run only reads keys; the unique key still settles a race between two workers."""
    now = timezone.now()
    planned = [entry for item in outgoing for entry in _plan(item)]
    existing = _existing_keys([key for *_, key in planned if key])
    planned = [entry for entry in planned if entry[-1] is None or entry[-1] not in existing]
    if not planned:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        rows = [_row(message, channel, recipient=user, email=email, dedupe=key, now=now)
                for message, channel, user, email, key in planned]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH_SIZE)
    # With ignore_conflicts the database does not report which rows it kept: ask by uuid.
    inserted = []
    for chunk in _chunks([row.uuid for row in rows]):
        inserted.extend(Notification.objects.filter(uuid__in=chunk))
    email_ids = [n.pk for n in inserted if n.channel == NotificationChannel.EMAIL]
    if email_ids:
        transaction.on_commit(lambda: _enqueue_delivery(email_ids))
    return inserted


def _chunks(values: list) -> Iterator[list]:
    values = iter(values)
    while chunk := list(islice(values, BATCH_SIZE)):
        yield chunk


def _existing_keys(keys: list[str]) -> set[str]:
    found = set()
    for chunk in _chunks(keys):
        found.update(Notification.objects.filter(dedupe_key__in=chunk)
                     .values_list("dedupe_key", flat=True))
    return found


def _plan(item: Outgoing) -> Iterator[tuple]:
    """(message, channel, user, e-mail, dedupe key) for each recipient and channel."""
    message, dedupe = item.message, item.dedupe
    for user in {u.pk: u for u in item.users if u is not None and u.is_active}.values():
        for channel in item.channels:
            if channel == NotificationChannel.EMAIL and not user.email:
                continue
            key = dedupe_key(dedupe, str(user.pk), channel) if dedupe else None
            yield message, channel, user, user.email, key
    for email in sorted({e for e in item.external_emails if e}):
        key = dedupe_key(dedupe, email, NotificationChannel.EMAIL) if dedupe else None
        yield message, NotificationChannel.EMAIL, None, email, key


def _enqueue_delivery(notification_ids: list[int]) -> None:
    """Queue e-mail delivery. A broker that is down or hangs loses nothing and holds up no
    request (common.publishing): the rows stay pending and
    registry.tasks.retry_notifications queues them within a minute."""
    from .tasks import deliver_notification

    publish_each(deliver_notification, notification_ids)


def own_notifications(user):
    """Deny by default: the user's own in-portal notifications, nobody else's."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def mark_read(queryset) -> int:
    """A person's own "read" marker: a conditional UPDATE, so reading twice keeps the first
    time and a bulk read costs one statement."""
    return queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
