"""After a broker outage everything the portal owes goes out within a minute, and nothing twice:
the outbox sweeps' cadence, the grace for a fresh row whose message was lost, and the lease of
an attempt, with time moved (never the wall clock)."""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from registry import tasks as registry_tasks
from registry.models import DeliveryStatus, NotificationChannel
from registry.notifications import Message, notify
from tests import factories
from tests.webhooks.conftest import receiver, subscriber  # noqa: F401 - fixture
from webhooks import events
from webhooks import tasks as webhook_tasks
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus

MINUTE = datetime.timedelta(seconds=60)


def seconds(n: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


def beat_schedule(task: str) -> int:
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task]
    return entry["schedule"]


@pytest.fixture
def queued(monkeypatch):
    """What the sweeps queue (the broker is back; a worker would take these)."""
    ids = SimpleNamespace(notifications=[], deliveries=[])
    monkeypatch.setattr(registry_tasks.deliver_notification, "delay", ids.notifications.append)
    monkeypatch.setattr(webhook_tasks.deliver_webhook, "delay", ids.deliveries.append)
    return ids


@pytest.fixture
def lost_email(db):
    """An e-mail notification whose message never reached the broker (no on_commit runs here:
    as if the broker was down or hung when the change committed)."""
    recipient = factories.user("mottaker", email="mottaker@example.org")
    [row] = [n for n in notify([recipient], Message(kind="k", title="Ny melding"))
             if n.channel == NotificationChannel.EMAIL]
    return row


def first_sweep_that_queues(sweep, created: datetime.datetime, interval: int,
                            phase: int) -> datetime.datetime:
    """The time of the first beat tick (every `interval` s, the first `phase` s after the row
    was written) at which `sweep` queues something."""
    tick = created + seconds(phase)
    while sweep(now=tick) == 0:
        tick += seconds(interval)
        assert tick < created + 10 * MINUTE, "never queued"
    return tick


@pytest.mark.parametrize("phase", [0, 7, 14])
def test_an_email_whose_message_was_lost_is_queued_within_a_minute(lost_email, queued,
                                                                   phase):
    interval = beat_schedule("registry.tasks.retry_notifications")
    created = lost_email.next_attempt_at
    tick = first_sweep_that_queues(registry_tasks.retry_notifications, created, interval,
                                   phase)
    assert queued.notifications == [lost_email.pk]
    assert tick - created < MINUTE
    # Not before the grace: the row's own message may still be on its way.
    assert tick - created >= seconds(settings.RETRY["email"]["FRESH_GRACE_SECONDS"])

    registry_tasks.deliver_notification(lost_email.pk)
    registry_tasks.deliver_notification(lost_email.pk)  # a duplicate message sends nothing
    assert len(mail.outbox) == 1


def test_a_claim_younger_than_its_lease_is_not_taken_twice_and_a_dead_one_is_retaken(
        lost_email, queued):
    lease = settings.RETRY["email"]["LEASE_SECONDS"]
    # The lease outlasts a slow SMTP conversation, so a live worker is never overtaken.
    assert lease >= 3 * settings.EMAIL_TIMEOUT
    claimed_at = timezone.now()
    assert registry_tasks.claim(lost_email.pk, claimed_at)  # ... and the worker dies

    just_before = claimed_at + seconds(lease - 1)
    assert registry_tasks.retry_notifications(now=just_before) == 0
    assert not registry_tasks.claim(lost_email.pk, just_before)

    interval = beat_schedule("registry.tasks.retry_notifications")
    tick = first_sweep_that_queues(registry_tasks.retry_notifications, claimed_at, interval,
                                   phase=interval - 1)
    assert tick - claimed_at < MINUTE
    assert queued.notifications == [lost_email.pk]
    assert registry_tasks.claim(lost_email.pk, tick)
    lost_email.refresh_from_db()
    assert (lost_email.delivery_status, lost_email.attempts) == (DeliveryStatus.PENDING, 2)


def test_a_webhook_delivery_whose_message_was_lost_is_queued_within_a_minute(
        cast, receiver, queued):  # noqa: F811
    tromso = subscriber(cast.tromso, receiver.url)
    delivery = events.ping(tromso.subscription)  # no on_commit here: the message is lost
    interval = beat_schedule("webhooks.tasks.retry_deliveries")
    created = delivery.next_attempt_at
    tick = first_sweep_that_queues(webhook_tasks.retry_deliveries, created, interval,
                                   phase=interval - 1)
    assert tick - created < MINUTE
    assert queued.deliveries == [delivery.pk]
    webhook_tasks.deliver_webhook(delivery.pk, now=tick)
    webhook_tasks.deliver_webhook(delivery.pk, now=tick)  # a duplicate message sends nothing
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED


def test_a_webhook_attempt_is_not_retaken_while_its_request_can_still_be_on_its_way(
        cast, receiver, queued):  # noqa: F811
    # The request is out within TIMEOUT_SECONDS (connect, TLS and body, resolving included),
    # the headers and the body each within what is left of it: well inside the lease.
    assert settings.RETRY["webhook"]["LEASE_SECONDS"] > 2 * webhook_tasks.TIMEOUT_SECONDS
    tromso = subscriber(cast.tromso, receiver.url)
    delivery = events.ping(tromso.subscription)
    claimed_at = timezone.now()
    assert webhook_tasks.claim(delivery.pk, claimed_at)  # ... and the worker dies
    interval = beat_schedule("webhooks.tasks.retry_deliveries")
    just_before = claimed_at + seconds(settings.RETRY["webhook"]["LEASE_SECONDS"] - 1)
    assert webhook_tasks.retry_deliveries(now=just_before) == 0
    tick = first_sweep_that_queues(webhook_tasks.retry_deliveries, claimed_at, interval,
                                   phase=interval - 1)
    assert tick - claimed_at < MINUTE
    assert WebhookDelivery.objects.get().attempts == 1
