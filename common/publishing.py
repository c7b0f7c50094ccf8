"""Queueing tasks without letting the broker hold anyone up.

The work itself is a row written in the caller's transaction (an outbox: a pending e-mail, a
pending webhook delivery); the message only says "now". So when the broker is down, or hangs
(frozen, not stopped), publishing gives up after the broker timeouts in settings
(BROKER_TIMEOUT_SECONDS, no publish retry), logs a warning and returns, and the sweep that
owns the rows sends them: registry.tasks.retry_notifications, webhooks.tasks.retry_deliveries.
"""

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task, *args) -> bool:
    """task.delay(*args), or False (and a warning) when the broker does not take it."""
    try:
        task.delay(*args)
    except Exception:  # the broker's errors vary by transport: refused, timeout, auth ...
        logger.warning("could not queue %s%r; its sweep will", getattr(task, "name", task),
                       args, exc_info=True)
        return False
    return True


def publish_each(task, ids: Iterable) -> int:
    """One message per id; how many were queued. The first failure ends it, so a broker that
    hangs costs one timeout, not one per row."""
    queued = 0
    for item in ids:
        if not publish(task, item):
            break
        queued += 1
    return queued


def publish_after_commit(task, *args) -> None:
    """Queue the task once the current transaction commits (nothing on a rollback)."""
    transaction.on_commit(lambda: publish(task, *args))


def publish_each_after_commit(task, ids: Iterable) -> None:
    ids = list(ids)
    transaction.on_commit(lambda: publish_each(task, ids))
