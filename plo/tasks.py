"""Fetching PLO messages: beat runs poll_plo every PLO_POLL_SECONDS (settings/schedule.py)."""

from celery import shared_task

from .transports import transport


@shared_task(name="plo.tasks.poll_plo", ignore_result=True)
def poll_plo() -> int:
    """Receive what has come (idempotent: a second poll finds it answered)."""
    return transport().poll().received
