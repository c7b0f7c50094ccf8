"""A real beat and worker after a broker outage: e-mail notifications and PLO messages written
while Redis was stopped (their task messages lost) are all delivered, each once, by the outbox
sweeps once Redis is back.

Needs PostgreSQL (DATABASE_URL) and redis-server (a private one on its own port is started and
stopped here, never the shared one); skips locally without them, fails in CI.
"""


import pytest
from django.conf import settings

from plo import services as plo_services
from plo.models import Direction, MessageStatus, PloMessage
from registry.models import (
    ChannelChoice,
    ChannelStep,
    DeliveryStatus,
    Notification,
    NotificationChannel,
    StepChannel,
)
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


def test_a_plo_message_written_while_redis_was_stopped_is_sent_once_when_it_is_back(
        outage, cast, settings, tmp_path):
    """UNN admits a Tromsø resident while Redis is down: the admission stands and its
    LOG_INNLAGT waits in the log; once Redis is back, beat's plo-outbox sweep has the worker
    write it to Tromsø's folder, once."""
    broker, celery = outage
    folder = tmp_path / "plo"
    settings.PLO_FOLDER = str(folder)
    for organization, her_id in ((cast.tromso, "9001"), (cast.unn, "9002")):
        organization.her_id = her_id
        organization.save(update_fields=["her_id"])
    plo_services.connect(cast.tromso)
    ChannelChoice.objects.create(organization=cast.tromso, step=ChannelStep.ADMISSION,
                                 channel=StepChannel.PLO)
    admission = factories.admit(cast)  # queueing its send fails: Redis is down
    message = PloMessage.objects.get(direction=Direction.OUT)
    assert (message.msg_type, message.status, message.subject_uuid) == (
        "LOG_INNLAGT", MessageStatus.QUEUED, admission.uuid)

    celery.env["PLO_FOLDER"] = str(folder)
    broker.start()
    celery.start("worker", "--pool=solo", "--without-gossip", "--without-mingle")
    celery.start("beat", f"--schedule={tmp_path / 'beat-schedule'}")
    # The same bound as the e-mail's: a minute after the broker is back, twice for slow machines.
    assert settings.RETRY["plo"]["FRESH_GRACE_SECONDS"] + settings.OUTBOX_SWEEP_SECONDS < 60
    wait_for(lambda: PloMessage.objects.filter(pk=message.pk, status=MessageStatus.SENT)
             .exists(), celery, "the PLO message still unsent", timeout=120)
    message.refresh_from_db()
    assert message.attempts == 1
    assert [path.name for path in (folder / "outbox" / "9001").iterdir()] == [
        f"log_innlagt-{message.msg_id}.xml"]
    assert "plo.tasks.sweep_outbox" in celery.output()
