"""The nightly computation of the indicator figures and today's figures every 15 minutes
(settings.CELERY_BEAT_SCHEDULE: "compute-indicators", "compute-current-month").

Both are idempotent (indicators.services.compute replaces a month's rows only where they
differ): a run that overlaps another, or a retry, writes the same figures. A run that fails
leaves no watermark, so the next night recomputes what it did not finish.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .computations import as_month
from .services import compute, forget_old_runs

# Queued work older than this is dropped by the worker: the next beat queues it again.
NIGHTLY_EXPIRES_SECONDS = 4 * 3600
CURRENT_MONTH_EXPIRES_SECONDS = 14 * 60


@shared_task(ignore_result=True, expires=NIGHTLY_EXPIRES_SECONDS,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=60,
             max_retries=3)
def compute_indicators(full: bool = False) -> int:
    """The nightly run: the months touched since the last good run (or every month with
    full), and the records of runs older than RUNS_KEPT_DAYS forgotten. Returns the id of
    its ComputationRun."""
    run = compute(full=full)
    forget_old_runs(run.started_at)
    return run.pk


@shared_task(ignore_result=True, expires=CURRENT_MONTH_EXPIRES_SECONDS,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             max_retries=2)
def compute_current_month() -> int:
    """Today's figures: the current month again (the nightly watermark stays where it
    was, so the night still picks up every other month that changed)."""
    now = timezone.now()
    return compute(months=[as_month(now)], now=now).pk
