"""A real beat and worker after a broker outage: e-mail notifications written while Redis was
stopped (their messages lost) are all delivered, each once, by the outbox sweep once Redis is
back.

Needs PostgreSQL (DATABASE_URL) and redis-server (a private one on its own port is started and
stopped here, never the shared one); skips locally without them, fails in CI.
"""


import pytest
from django.conf import settings

from registry.models import DeliveryStatus, Notification, NotificationChannel
from registry.notifications import Message, notify
from tests import factories
from tests.private_redis import PrivateRedis, use_broker
from tests.test_celery_worker import Celery, celery_env, postgres  # noqa: F401 - fixtures
from tests.test_sweep_worker import wait_for


@pytest.fixture
def outage(postgres, celery_env, tmp_path):  # noqa: F811
    broker = PrivateRedis(tmp_path)
    use_broker(broker.url)  # this process publishes there: to nothing, for now
    env = {**celery_env, "DJANGO_SETTINGS_MODULE": "rehab_portal.settings.test",
           "REDIS_URL": broker.url, "CELERY_BROKER_URL": broker.url}
    celery = Celery(tmp_path, env)
    yield broker, celery
    celery.stop()
    broker.stop()
    use_broker(None)


def test_email_written_while_redis_was_stopped_is_delivered_once_when_it_is_back(
        outage, tmp_path):
    broker, celery = outage
    recipients = [factories.user(f"mottaker{i}", email=f"mottaker{i}@example.org")
                  for i in range(3)]
    notify(recipients, Message(kind="k", title="Ny melding"))  # queueing fails: Redis is down
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL)
    assert emails.count() == 3
    assert set(emails.values_list("delivery_status", "attempts")) == {
        (DeliveryStatus.PENDING, 0)}

    broker.start()
    celery.start("worker", "--pool=solo", "--without-gossip", "--without-mingle")
    celery.start("beat", f"--schedule={tmp_path / 'beat-schedule'}")
    # A generous upper bound, not a measurement: the promise is a minute after the broker is
    # back (FRESH_GRACE_SECONDS + OUTBOX_SWEEP_SECONDS, 45 s); twice that for slow machines
    # and the processes' start. (Before, rows waited 5 minutes.)
    assert settings.RETRY["email"]["FRESH_GRACE_SECONDS"] \
        + settings.OUTBOX_SWEEP_SECONDS < 60
    wait_for(lambda: not emails.exclude(delivery_status=DeliveryStatus.DELIVERED).exists(),
             celery, "e-mail still undelivered", timeout=120)
    # Each sent once: one claim (attempt) per row, though the sweep ran more than once.
    assert list(emails.values_list("attempts", flat=True)) == [1, 1, 1]
    assert "registry.tasks.retry_notifications" in celery.output()
