from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

WORKER_HEARTBEAT = "worker"


@shared_task(ignore_result=True)
def record_heartbeat() -> None:
    """Proves to /healthz that beat schedules and a worker executes."""
    Heartbeat.objects.update_or_create(
        name=WORKER_HEARTBEAT, defaults={"last_seen": timezone.now()}
    )


@shared_task(ignore_result=True)
def forget_idempotency_keys() -> int:
    """Idempotency-Keys are remembered IDEMPOTENCY_KEY_HOURS, then forgotten."""
    from .idempotency import forget_expired

    return forget_expired()
