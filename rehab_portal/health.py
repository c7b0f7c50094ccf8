"""/healthz: database, broker and worker heartbeat, as JSON for probes and people.

Every check is bounded by a short timeout, so a dead service turns the answer into a 503
within seconds instead of hanging the probe.
"""

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.models import Heartbeat
from common.tasks import WORKER_HEARTBEAT

BROKER_TIMEOUT_SECONDS = 2


def _error(exc: BaseException, **extra) -> dict:
    """The exception's class always; its message (host names, paths) only with DEBUG on."""
    detail = f"{exc.__class__.__name__}: {exc}" if settings.DEBUG else exc.__class__.__name__
    return {"status": "error", **extra, "error": detail[:200]}


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return _error(exc)
    return {"status": "ok", "vendor": connection.vendor}


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_filesystem(options: dict) -> dict:
    """The filesystem transport is a folder: it is up when a message file can be written there."""
    folder = Path(options.get("data_folder_in", ""))
    if not folder.is_dir():
        raise FileNotFoundError(f"queue folder {folder} does not exist")
    fd, probe = tempfile.mkstemp(prefix=".healthz-", suffix=".probe", dir=folder)
    os.close(fd)
    os.unlink(probe)
    queued = sum(1 for entry in folder.iterdir() if entry.suffix == ".msg")
    return {"queued_messages": queued}


def _check_generic(url: str, options: dict) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS,
                    transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                               timeout=BROKER_TIMEOUT_SECONDS)


def _check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    transport = url.split("://", 1)[0]
    started = time.monotonic()
    extra: dict = {}
    try:
        if transport in ("redis", "rediss"):
            _check_redis(url)
        elif transport == "filesystem":
            extra = _check_filesystem(options)
        else:
            _check_generic(url, options)
    except Exception as exc:  # noqa: BLE001
        return _error(exc, transport=transport)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return {"status": "ok", "transport": transport, "latency_ms": elapsed_ms, **extra}


def _check_worker() -> dict:
    beat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    if beat is None:
        return {"status": "error",
                "error": "no heartbeat recorded yet: are celery worker and beat running?"}
    age = timezone.now() - beat.last_seen
    limit = timedelta(seconds=settings.HEARTBEAT_INTERVAL_SECONDS * 3)
    result = {
        "status": "ok" if age <= limit else "error",
        "last_seen": beat.last_seen.isoformat(),
        "age_seconds": int(age.total_seconds()),
        "max_age_seconds": int(limit.total_seconds()),
    }
    if age > limit:
        result["error"] = "heartbeat is stale: no worker has run the beat task lately"
    return result


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    if checks["database"]["status"] == "ok":
        try:
            checks["worker"] = _check_worker()
        except Exception as exc:  # noqa: BLE001 - e.g. migrations not applied yet
            checks["worker"] = _error(exc)
    else:
        checks["worker"] = {"status": "error", "error": "database unavailable"}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)
