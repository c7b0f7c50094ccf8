"""/healthz tells a probe (and a person) whether database, broker and worker are alive."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from common.models import Heartbeat
from common.tasks import WORKER_HEARTBEAT, record_heartbeat
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def beat(age_seconds: float = 0) -> None:
    Heartbeat.objects.update_or_create(
        name=WORKER_HEARTBEAT,
        defaults={"last_seen": timezone.now() - timedelta(seconds=age_seconds)},
    )


def get_health(client):
    response = client.get("/healthz")
    return response, response.json()


@pytest.fixture
def memory_broker(settings):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}


def test_it_is_green_with_a_database_a_broker_and_a_fresh_heartbeat(client, memory_broker):
    beat(age_seconds=5)
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"
    worker = body["checks"]["worker"]
    assert worker["status"] == "ok"
    # The heartbeat's age as the probe read it: 5 s, and whatever the request itself took
    # (a loaded machine may take a second or two), never more than the allowed age.
    assert 5 <= worker["age_seconds"] < worker["max_age_seconds"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_needs_no_login(client, memory_broker):
    beat()
    assert client.get("/healthz").status_code == 200


def test_it_reports_the_database_it_reached(client, memory_broker):
    from django.db import connection

    _, body = get_health(client)
    assert body["checks"]["database"] == {"status": "ok", "vendor": connection.vendor}


def test_it_fails_with_503_when_no_heartbeat_was_ever_recorded(client, memory_broker):
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["worker"]["status"] == "error"
    assert "no heartbeat" in body["checks"]["worker"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_it_fails_with_503_when_the_heartbeat_is_stale(client, memory_broker, settings):
    settings.HEARTBEAT_INTERVAL_SECONDS = 60
    beat(age_seconds=3 * 60 + 5)
    response, body = get_health(client)
    assert response.status_code == 503
    worker = body["checks"]["worker"]
    assert worker["status"] == "error"
    assert worker["age_seconds"] >= 185
    assert worker["max_age_seconds"] == 180
    assert "stale" in worker["error"]


def test_it_accepts_a_heartbeat_just_inside_three_intervals(client, memory_broker, settings):
    settings.HEARTBEAT_INTERVAL_SECONDS = 60
    beat(age_seconds=3 * 60 - 10)
    assert client.get("/healthz").status_code == 200


def test_it_counts_the_heartbeat_that_the_beat_task_writes(client, memory_broker):
    record_heartbeat()  # what the worker runs when beat sends the task
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["worker"]["age_seconds"] < 5


def test_it_fails_fast_with_503_when_redis_does_not_answer(client, settings):
    beat()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    started = time.monotonic()
    response, body = get_health(client)
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["transport"] == "redis"
    assert body["checks"]["broker"]["error"] == "ConnectionError"


def test_it_reports_redis_ok_when_redis_is_reachable(client, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    beat()
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response, body = get_health(client)
    assert body["checks"]["broker"]["transport"] == "redis"
    if body["checks"]["broker"]["status"] != "ok":
        skip_or_fail(f"Redis at {url} is unreachable: {body['checks']['broker']}")
    assert response.status_code == 200


def test_it_checks_that_the_filesystem_queue_is_writable(client, settings, tmp_path):
    beat()
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "1_abc.celery.msg").write_text("{}")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(queue),
                                               "data_folder_out": str(queue)}
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "status": "ok",
                                        "transport": "filesystem", "queued_messages": 1}
    assert sorted(p.name for p in queue.iterdir()) == ["1_abc.celery.msg"]  # probe cleaned up


def test_it_fails_when_the_filesystem_queue_is_missing(client, settings, tmp_path):
    beat()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["error"] == "FileNotFoundError"


def test_it_shows_error_details_only_in_debug(client, settings):
    beat()
    settings.DEBUG = True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    _, body = get_health(client)
    assert body["checks"]["broker"]["error"].startswith("ConnectionError: ")
    assert "127.0.0.1" in body["checks"]["broker"]["error"]


def test_it_fails_when_the_database_is_unreachable(client, memory_broker, monkeypatch):
    from django.db.backends.utils import CursorWrapper
    from django.db.utils import OperationalError

    def broken(self, sql, params=None):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["worker"]["error"] == "database unavailable"
