"""PLO's Celery tasks: beat polls for new messages every PLO_POLL_SECONDS and sweeps the
outbox every OUTBOX_SWEEP_SECONDS (settings/schedule.py); a step's message is sent by
send_message once its transaction commits."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import outbox
from .transports import transport

SEND_EXPIRES_SECONDS = 3600
SWEEP_EXPIRES_SECONDS = 14  # under the sweep's interval: a late sweep gives way to the next


@shared_task(name="plo.tasks.poll_plo", ignore_result=True)
def poll_plo() -> int:
    """Receive what has come (idempotent: a second poll finds it answered)."""
    return transport().poll().received


@shared_task(name="plo.tasks.send_message", ignore_result=True, expires=SEND_EXPIRES_SECONDS,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             max_retries=3)
def send_message(message_id: int, now: datetime.datetime | None = None) -> bool:
    """One attempt at one of the portal's own messages (plo.outbox.send)."""
    return outbox.send(message_id, now)


@shared_task(name="plo.tasks.sweep_outbox", ignore_result=True,
             expires=SWEEP_EXPIRES_SECONDS)
def sweep_outbox(now: datetime.datetime | None = None) -> int:
    """Queue again what is due (a backoff over, a fresh row's message lost with the broker,
    a lease run out), and say which sent messages got no receipt in time."""
    now = now or timezone.now()
    outbox.mark_unanswered(now)
    return outbox.QUEUE.requeue(send_message, now)
