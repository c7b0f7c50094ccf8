"""Delivery of notifications (e-mail), with retries; see registry.notifications."""

from celery import shared_task


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    """Placeholder until delivery lands: the row stays pending and visible."""
