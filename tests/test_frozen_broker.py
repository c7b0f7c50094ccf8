"""A broker that hangs (a Redis frozen with SIGSTOP, not stopped) holds up no request: the
write commits, publishing gives up after the broker timeouts, and the outbox sweep queues the
row once the broker is back.

Runs a redis-server of its own on a private port (never the shared one); skips locally without
the binary and fails in CI (REHAB_REQUIRE_SERVICES=1).
"""

import base64
import datetime
import json
import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from pathways import services as pathway_services
from registry import tasks as registry_tasks
from registry.models import DeliveryStatus, Notification, NotificationChannel
from rehab_portal.celery import app
from tests.api.conftest import api  # noqa: F401 - the API tests' fixture
from tests.private_redis import PrivateRedis, use_broker
from tests.webhooks.conftest import subscriber
from webhooks import tasks as webhook_tasks
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus

# The hang detector: a request still running this long after it started is hung. (The
# broker timeout is BROKER_TIMEOUT_SECONDS, 2 s; nothing here measures time more finely.)
HUNG_AFTER_SECONDS = 15


@pytest.fixture
def private_broker(tmp_path):
    broker = PrivateRedis(tmp_path)
    broker.start()
    use_broker(broker.url)

    def queued(task_name: str) -> list[list]:
        """The arguments of the messages for `task_name` waiting in the default queue."""
        messages = [json.loads(raw) for raw in broker.client.lrange("celery", 0, -1)]
        return [json.loads(base64.b64decode(m["body"]))[0]  # (args, kwargs, embed)
                for m in messages if m["headers"]["task"] == task_name]

    yield SimpleNamespace(url=broker.url, freeze=broker.freeze, thaw=broker.thaw, queued=queued)
    use_broker(None)
    broker.stop()


def while_frozen(broker, request):
    """Run `request` with the broker frozen; the broker thaws after HUNG_AFTER_SECONDS in any
    case, so that a hang fails the test instead of stopping the suite. True: it finished while
    the broker was still frozen."""
    thawed = threading.Event()

    def thaw():
        thawed.set()
        broker.thaw()

    timer = threading.Timer(HUNG_AFTER_SECONDS, thaw)
    broker.freeze()
    timer.start()
    try:
        result = request()
    finally:
        timer.cancel()
    finished_while_frozen = not thawed.is_set()
    broker.thaw()
    return result, finished_while_frozen


def test_the_publisher_gives_up_after_the_broker_timeouts(private_broker):
    with app.connection_for_write() as connection:
        assert connection.as_uri().startswith("redis://")
        options = connection.transport_options
        assert options["socket_timeout"] == settings.BROKER_TIMEOUT_SECONDS <= 2
        assert options["socket_connect_timeout"] == settings.BROKER_TIMEOUT_SECONDS
        assert connection.connect_timeout == settings.BROKER_TIMEOUT_SECONDS
    assert app.conf.task_publish_retry is False


def test_an_early_notification_is_sent_while_the_broker_hangs_and_mailed_when_it_is_back(
        cast, api, private_broker, django_capture_on_commit_callbacks):  # noqa: F811
    cast.ke_tromso.email = "ke@tromso.kommune.example"
    cast.ke_tromso.save()
    admission = pathway_services.admit_patient(
        by=cast.planner, patient=cast.shared, hospital=cast.unn, ward=cast.stroke_unit,
        admitted_at=timezone.now() - datetime.timedelta(hours=1))
    ward = api(cast.planner)

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return ward.post("/api/v1/early-notifications/", {
                "admission": str(admission.uuid), "expected_course": "Hjerneslag"},
                format="json")

    response, finished = while_frozen(private_broker, send)
    assert finished, f"the request hung for {HUNG_AFTER_SECONDS} s on a frozen broker"
    assert response.status_code == 201, response.json()
    email = Notification.objects.get(channel=NotificationChannel.EMAIL,
                                     recipient=cast.ke_tromso)
    assert (email.delivery_status, email.attempts) == (DeliveryStatus.PENDING, 0)
    assert private_broker.queued("registry.tasks.deliver_notification") == []

    # The broker is back: the retry sweep queues the row whose message was lost ...
    stuck = settings.RETRY["email"]["FRESH_GRACE_SECONDS"]
    later = timezone.now() + datetime.timedelta(seconds=stuck + 1)
    assert registry_tasks.retry_notifications(now=later) == 1
    assert private_broker.queued("registry.tasks.deliver_notification") == [[email.pk]]
    # ... and the worker that takes the message sends the e-mail, once.
    registry_tasks.deliver_notification(email.pk)
    registry_tasks.deliver_notification(email.pk)
    assert [m.to for m in mail.outbox] == [["ke@tromso.kommune.example"]]
    email.refresh_from_db()
    assert email.delivery_status == DeliveryStatus.DELIVERED


def test_a_webhook_ping_is_answered_while_the_broker_hangs_and_queued_when_it_is_back(
        cast, private_broker, django_capture_on_commit_callbacks):
    tromso = subscriber(cast.tromso, "http://127.0.0.1:9/hooks")

    def ping():
        with django_capture_on_commit_callbacks(execute=True):
            return tromso.http.post(
                f"/api/v1/webhook-subscriptions/{tromso.subscription.uuid}/ping/")

    response, finished = while_frozen(private_broker, ping)
    assert finished, f"the request hung for {HUNG_AFTER_SECONDS} s on a frozen broker"
    assert response.status_code in (200, 201, 202), response.json()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.PENDING, 0)

    grace = settings.RETRY["webhook"]["FRESH_GRACE_SECONDS"]
    later = timezone.now() + datetime.timedelta(seconds=grace + 1)
    assert webhook_tasks.retry_deliveries(now=later) == 1
    assert private_broker.queued("webhooks.tasks.deliver_webhook") == [[delivery.pk]]
