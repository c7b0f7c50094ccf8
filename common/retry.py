"""One retry queue shape for work written as rows (an outbox): e-mail notifications
(registry.tasks) and webhook deliveries (webhooks.tasks), configured in settings.RETRY.

Every row carries `attempts`, `next_attempt_at` (when it is due; while an attempt runs, the
end of the attempt's lease) and `last_error`, and a status field. An attempt claims its row
with one conditional UPDATE (due, under MAX_ATTEMPTS → attempts + 1, leased for
LEASE_SECONDS), so two workers, or a message the broker delivers twice, make one attempt; a
worker that dies leaves a lease that runs out. A failed attempt waits backoff(attempts):
BACKOFF_BASE_SECONDS × 2^(attempts-1), at most BACKOFF_MAX_SECONDS, plus up to JITTER of it;
after MAX_ATTEMPTS the row is given up. The queue's sweep sends again what is due: rows whose
backoff or lease is over, and fresh rows (no attempt yet) whose own message is
FRESH_GRACE_SECONDS late (lost to a broker that was down or hung), at most BATCH at a time.
"""

import datetime
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet

from .publishing import publish_each

logger = logging.getLogger(__name__)

LOST_ATTEMPT = "no outcome from the last attempt (worker lost)"
ERROR_LENGTH = 300  # the rows' last_error


@dataclass(frozen=True)
class RetryQueue:
    """One kind of row in the shape above; its numbers are settings.RETRY[name], read when
    used (tests may change them)."""

    name: str
    rows: Callable[[], QuerySet]  # every row of the kind (e-mail: the e-mail channel's)
    status_field: str
    waiting: tuple[str, ...]  # an attempt may claim a row in these, when it is due
    attempting: str  # while an attempt holds the row's lease
    retrying: str  # after a failed attempt, until its backoff is over
    delivered: str
    given_up: str  # after MAX_ATTEMPTS failed: no sweep takes it again
    # What else a row needs to be claimed and queued (a webhook: its subscription active).
    claimable: Mapping[str, Any] = field(default_factory=dict)

    def setting(self, key: str) -> Any:
        return settings.RETRY[self.name][key]

    @property
    def max_attempts(self) -> int:
        return self.setting("MAX_ATTEMPTS")

    def backoff(self, attempts: int) -> datetime.timedelta:
        """Wait after the n-th failed attempt: base, 2×base, 4×base ... capped; the jitter
        keeps retries to a receiver that comes back from arriving in the same second."""
        seconds = min(self.setting("BACKOFF_BASE_SECONDS") * 2 ** max(attempts - 1, 0),
                      self.setting("BACKOFF_MAX_SECONDS"))
        jitter = self.setting("JITTER")
        if jitter:
            seconds *= 1 + random.random() * jitter  # noqa: S311 - jitter, not a secret
        return datetime.timedelta(seconds=seconds)

    def _status(self, value) -> dict:
        return {self.status_field: value}

    def _attempt(self, pk: int) -> QuerySet:
        """The row while this attempt holds it: a row changed meanwhile is left alone."""
        return self.rows().filter(pk=pk, **self._status(self.attempting))

    def claim(self, pk: int, now: datetime.datetime, **changes) -> bool:
        """Take the row for one attempt; False when someone else holds it, it is not due or
        it has no attempt left."""
        return bool(self.rows().filter(
            pk=pk, **{f"{self.status_field}__in": self.waiting}, next_attempt_at__lte=now,
            attempts__lt=self.max_attempts, **self.claimable,
        ).update(
            **self._status(self.attempting), attempts=F("attempts") + 1,
            next_attempt_at=now + datetime.timedelta(seconds=self.setting("LEASE_SECONDS")),
            **changes,
        ))

    def record_success(self, pk: int, now: datetime.datetime, **changes) -> int:
        return self._attempt(pk).update(**self._status(self.delivered), delivered_at=now,
                                        next_attempt_at=None, last_error="", **changes)

    def record_failure(self, pk: int, attempts: int, error: str, now: datetime.datetime,
                       **changes) -> bool:
        """After a failed attempt (`attempts` counts it): wait the backoff from `now`, or
        give up after the last one. True when given up."""
        if attempts >= self.max_attempts:
            self.give_up(pk, error, **changes)
            return True
        self._attempt(pk).update(
            **self._status(self.retrying), next_attempt_at=now + self.backoff(attempts),
            last_error=error[:ERROR_LENGTH], **changes)
        return False

    def give_up(self, pk: int, error: str, **changes) -> int:
        """No attempt after this one (the last failed, or there is nobody to send to)."""
        return self._attempt(pk).update(**self._status(self.given_up), next_attempt_at=None,
                                        last_error=error[:ERROR_LENGTH], **changes)

    def due(self, now: datetime.datetime) -> QuerySet:
        """Rows whose backoff or lease is over, and fresh rows whose own message is late.
        A claim younger than its lease is never queued again: no slow attempt is made
        twice."""
        fresh_before = now - datetime.timedelta(seconds=self.setting("FRESH_GRACE_SECONDS"))
        return self.rows().filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, next_attempt_at__lte=fresh_before),
            **{f"{self.status_field}__in": self.waiting}, attempts__lt=self.max_attempts,
            **self.claimable,
        ).order_by("next_attempt_at")

    def give_up_on_lost_attempts(self, now: datetime.datetime, **changes) -> int:
        """A worker that died during the last allowed attempt left a row no claim can take:
        say so once its lease is over (the attempt may still be running until then),
        instead of leaving it in flight for ever."""
        return self.rows().filter(
            **self._status(self.attempting), next_attempt_at__lte=now,
            attempts__gte=self.max_attempts,
        ).update(**self._status(self.given_up), next_attempt_at=None, last_error=LOST_ATTEMPT,
                 **changes)

    def requeue(self, task, now: datetime.datetime, **changes) -> int:
        """The sweep: give up on lost last attempts, then queue one message per due row (at
        most BATCH); the claim makes a duplicate message harmless. How many were queued."""
        self.give_up_on_lost_attempts(now, **changes)
        ids = list(self.due(now).values_list("pk", flat=True)[:self.setting("BATCH")])
        queued = publish_each(task, ids)
        if queued:
            logger.info("%s: queued %s row(s) for another attempt", self.name, queued)
        return queued
