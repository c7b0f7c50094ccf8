"""Delivering webhooks, with retries; see webhooks.events for how deliveries come to exist.

Deliveries are a retry queue of the shape in common.retry (settings.RETRY["webhook"]):
an attempt claims its row with a conditional UPDATE (pending → delivering, attempts + 1,
a lease in next_attempt_at), so two workers, or a message the broker delivers twice, make
one POST. A 2xx answer delivers; anything else puts the row back to pending with exponential
backoff, and after MAX_ATTEMPTS it is failed (the client's admin can replay it). A worker that
dies mid-attempt leaves a lease that runs out; the sweep then queues the row again. A paused
subscription or a deactivated client holds its deliveries.
"""

import datetime
import json
import logging
import time
from urllib.parse import urlsplit

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from common.retry import RetryQueue

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
# The signed request is out (connected, TLS, body sent) within this, or the attempt fails;
# the answer then gets as long again. The lease (RETRY["webhook"]["LEASE_SECONDS"]) is three
# times this: the request is out long before the lease ends, so no retake sends it twice.
TIMEOUT_SECONDS = 10
DELIVERY_EXPIRES_SECONDS = 3600
SWEEP_EXPIRES_SECONDS = 14  # under the sweep's interval: a late sweep gives way to the next
USER_AGENT = "RehabPortal-Webhooks/1"

QUEUE = RetryQueue(
    "webhook", WebhookDelivery.objects.all, status_field="status",
    # A delivering row is claimable once its lease (next_attempt_at) is over.
    waiting=(S.PENDING, S.DELIVERING), attempting=S.DELIVERING, retrying=S.PENDING,
    delivered=S.DELIVERED, given_up=S.FAILED,
    claimable={"subscription__active": True, "subscription__client__active": True},
)


def claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take the row for one attempt; False when someone else has it or nothing is due."""
    return QUEUE.claim(delivery_id, now, updated_at=now)


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
        QUEUE.give_up(delivery.pk, f"the client no longer holds {family}:read",
                      last_status_code=None, updated_at=now)
        return
    status_code, error = None, ""
    try:
        status_code = post(delivery)
    except Exception as exc:  # refused, timed out, TLS, invalid URL: record it and retry
        error = describe_error(exc)
    if status_code is not None and 200 <= status_code < 300:
        done = timezone.now()
        QUEUE.record_success(delivery.pk, done, updated_at=done, last_status_code=status_code)
        return
    _record_failure(delivery, status_code, error or f"HTTP {status_code}", now)


def _record_failure(delivery: WebhookDelivery, status_code: int | None, error: str,
                    now: datetime.datetime) -> None:
    # The claim counted this attempt: delivery.attempts includes it.
    if QUEUE.record_failure(delivery.pk, delivery.attempts, error, now,
                            last_status_code=status_code, updated_at=timezone.now()):
        logger.error("webhook delivery %s failed after %s attempts: %s", delivery.uuid,
                     delivery.attempts, error)
    else:
        logger.warning("webhook delivery %s: attempt %s failed: %s", delivery.uuid,
                       delivery.attempts, error)


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def retry_deliveries(now: datetime.datetime | None = None) -> int:
    """Queue again what is due (QUEUE.due: backoff over, a fresh row's message late, a lease
    run out); the claim makes a duplicate message harmless."""
    now = now or timezone.now()
    return QUEUE.requeue(deliver_webhook, now, updated_at=now)
