"""/healthz: database, broker and worker heartbeat, as JSON for probes and people."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Heartbeat
from .tasks import WORKER_HEARTBEAT


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _check_broker() -> dict:
    from .celery import app

    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"status": "error", "transport": transport, "error": exc.__class__.__name__}
    return {"status": "ok", "transport": transport}


def _check_worker() -> dict:
    beat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    if beat is None:
        return {"status": "error", "error": "no heartbeat recorded yet"}
    age = timezone.now() - beat.last_seen
    limit = timedelta(seconds=settings.HEARTBEAT_INTERVAL_SECONDS * 3)
    return {
        "status": "ok" if age <= limit else "error",
        "last_seen": beat.last_seen.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database()}
    checks["broker"] = _check_broker()
    checks["worker"] = _check_worker() if checks["database"]["status"] == "ok" else {
        "status": "error", "error": "database unavailable"}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)
