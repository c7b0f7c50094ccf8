"""Delivering webhooks, with retries; see webhooks.events for how deliveries come to exist.

An attempt claims its row with a conditional UPDATE (pending → delivering, attempts + 1,
a lease in next_attempt_at), so two workers, or a message the broker delivers twice, make
one POST. A 2xx answer delivers; anything else puts the row back to pending with exponential
backoff, and after MAX_ATTEMPTS it is failed (the client's admin can replay it). A worker that
dies mid-attempt leaves a lease that runs out; the sweep then queues the row again.
"""

import datetime
import json
import logging
import random
import time
from urllib.parse import urlsplit

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.utils import timezone

from rehab_portal.publishing import publish_each

from . import network
from .events import EVENT_FAMILIES
from .models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    require_public_address,
    validate_target_url,
)
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)

S = WebhookDeliveryStatus
MAX_ATTEMPTS = 10
# The signed request is out (connected, TLS, body sent) within this, or the attempt fails;
# the answer then gets as long again.
TIMEOUT_SECONDS = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# An attempt holds its row this long (three times the timeout: the request is out long
# before the lease ends, so no retake sends it twice); then the sweep may retake it.
LEASE_SECONDS = 30
# A fresh row's own task gets this long before the sweep queues it as well (a message lost
# to a broker that was down or hung). With the sweep every 15 s (settings.OUTBOX_SWEEP_SECONDS)
# such a row is queued at most 45 s after it was written, or 15 s after the broker is back.
FRESH_GRACE_SECONDS = 30
RETRY_BATCH = 500
DELIVERY_EXPIRES_SECONDS = 3600
SWEEP_EXPIRES_SECONDS = 14  # under the sweep's interval: a late sweep gives way to the next
USER_AGENT = "RehabPortal-Webhooks/1"


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the n-th failed attempt: 30 s, 1 min, 2 min ... at most 6 h, plus up to 10 %
    jitter so that a receiver coming back is not hit by every retry in the same second."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds * (1 + random.random() / 10))  # noqa: S311 - jitter


def claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take the row for one attempt; False when someone else has it or nothing is due.
    A paused subscription or a deactivated client holds its deliveries."""
    # A delivering row is claimable once its lease (next_attempt_at) is over.
    return bool(WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=[S.PENDING, S.DELIVERING], next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS, subscription__active=True,
        subscription__client__active=True,
    ).update(status=S.DELIVERING, attempts=F("attempts") + 1, updated_at=now,
             next_attempt_at=now + datetime.timedelta(seconds=LEASE_SECONDS)))


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def post(delivery: WebhookDelivery) -> int:
    """POST the signed payload to an address judged public just now; the HTTP status.

    The name is resolved once: the connection goes to an address that was checked (TLS still
    verifies the certificate for the name), so a DNS answer that changes in between cannot
    move the request. A redirect is an answer, not an instruction: it is not followed."""
    deadline = time.monotonic() + TIMEOUT_SECONDS  # resolving included
    subscription = delivery.subscription
    validate_target_url(subscription.target_url)  # the settings may have changed since
    parts = urlsplit(subscription.target_url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    addresses = require_public_address(parts.hostname, port)
    connection_class = network.PinnedHTTPSConnection if https else network.PinnedHTTPConnection
    body = encode(delivery.payload)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection = connection_class(parts.hostname, port, addresses=addresses, deadline=deadline)
    try:
        connection.connect()
        connection.sock.settimeout(network.remaining(deadline))  # sendall: the whole body
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.uuid),
            SIGNATURE_HEADER: sign(subscription.secret, body),
        })
        connection.sock.settimeout(TIMEOUT_SECONDS)
        response = connection.getresponse()
        response.read(1024)
        return response.status
    finally:
        connection.close()


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


@shared_task(ignore_result=True, expires=DELIVERY_EXPIRES_SECONDS,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             max_retries=3)
def deliver_webhook(delivery_id: int, now: datetime.datetime | None = None) -> None:
    """Make one attempt. Database outages retry the task; the receiver's failures are recorded
    on the row and retried by retry_deliveries."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return
    delivery = WebhookDelivery.objects.select_related("subscription__client").get(
        pk=delivery_id)
    family = EVENT_FAMILIES.get(delivery.event)
    if family is not None and not delivery.subscription.client.allows(family, write=False):
        # The scope was withdrawn after the event: nothing more about it goes out.
        WebhookDelivery.objects.filter(pk=delivery.pk, status=S.DELIVERING).update(
            status=S.FAILED, next_attempt_at=None, last_status_code=None,
            last_error=f"the client no longer holds {family}:read", updated_at=now)
        return
    status_code, error = None, ""
    try:
        status_code = post(delivery)
    except Exception as exc:  # refused, timed out, TLS, invalid URL: record it and retry
        error = describe_error(exc)
    if status_code is not None and 200 <= status_code < 300:
        done = timezone.now()
        WebhookDelivery.objects.filter(pk=delivery.pk, status=S.DELIVERING).update(
            status=S.DELIVERED, delivered_at=done, updated_at=done, next_attempt_at=None,
            last_status_code=status_code, last_error="")
        return
    _record_failure(delivery, status_code, error or f"HTTP {status_code}", now)


def _record_failure(delivery: WebhookDelivery, status_code: int | None, error: str,
                    now: datetime.datetime) -> None:
    # The claim counted this attempt: delivery.attempts includes it.
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=S.DELIVERING)
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.error("webhook delivery %s failed after %s attempts: %s", delivery.uuid,
                     delivery.attempts, error)
        rows.update(status=S.FAILED, next_attempt_at=None, last_status_code=status_code,
                    last_error=error[:300], updated_at=timezone.now())
        return
    logger.warning("webhook delivery %s: attempt %s failed: %s", delivery.uuid,
                   delivery.attempts, error)
    rows.update(status=S.PENDING, next_attempt_at=now + backoff(delivery.attempts),
                last_status_code=status_code, last_error=error[:300],
                updated_at=timezone.now())


def due_for_retry(now: datetime.datetime):
    """Pending rows whose backoff is over (fresh ones after a grace: their own task comes
    first), and attempts whose lease ran out (a worker that died)."""
    fresh_before = now - datetime.timedelta(seconds=FRESH_GRACE_SECONDS)
    return WebhookDelivery.objects.filter(
        Q(status=S.PENDING, attempts__gt=0, next_attempt_at__lte=now)
        | Q(status=S.PENDING, attempts=0, next_attempt_at__lte=fresh_before)
        | Q(status=S.DELIVERING, next_attempt_at__lte=now),
        attempts__lt=MAX_ATTEMPTS, subscription__active=True,
        subscription__client__active=True,
    ).order_by("next_attempt_at")


def fail_lost_last_attempts(now: datetime.datetime) -> int:
    """A worker that died during the last allowed attempt left the row delivering with no
    claim possible: say so, so that it shows as failed (and can be replayed)."""
    return WebhookDelivery.objects.filter(
        status=S.DELIVERING, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS,
    ).update(status=S.FAILED, next_attempt_at=None, updated_at=now,
             last_error="no outcome from the last attempt (worker lost)")


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def retry_deliveries(now: datetime.datetime | None = None) -> int:
    """Queue again what is due; the claim makes a duplicate message harmless."""
    now = now or timezone.now()
    fail_lost_last_attempts(now)
    ids = list(due_for_retry(now).values_list("pk", flat=True)[:RETRY_BATCH])
    queued = publish_each(deliver_webhook, ids)
    if queued:
        logger.info("queued %s webhook deliveries for another attempt", queued)
    return queued
