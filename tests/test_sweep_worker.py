"""A real `celery -A rehab_portal worker` on Redis runs the pathway sweeps against PostgreSQL
and writes the reminder: the path beat → broker → worker → sweep → notification.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); skips locally without them and fails in
CI (REHAB_REQUIRE_SERVICES=1). The machinery is tests/test_celery_worker.py's.
"""

import datetime
import time
import uuid

import pytest
from django.utils import timezone

from pathways.models import Admission
from pathways.tasks import run_pathway_sweeps
from registry.models import Notification
from tests import factories

# The worker fixtures: PostgreSQL and Redis, or skip_or_fail.
from tests.test_celery_worker import (  # noqa: F401
    celery_env,
    postgres,
    redis_celery,
    redis_url,
)

TASK = "pathways.tasks.run_pathway_sweeps"


def wait_for(condition, celery, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for proc, _ in celery.procs:
            if proc.poll() is not None:
                pytest.fail(f"a celery process exited with {proc.returncode}:\n"
                            f"{celery.output()}")
        time.sleep(0.25)
    pytest.fail(f"{what} after {timeout} s:\n{celery.output()}")


def test_a_worker_runs_the_sweeps_and_the_planner_gets_one_reminder(redis_celery, cast):  # noqa: F811
    admitted_at = timezone.now() - datetime.timedelta(hours=22)  # deadline in two hours
    admission = Admission.objects.create(
        patient=cast.shared, hospital=cast.unn,
        ward=factories.ward(cast.unn, "Nevrologisk sengepost"),
        admitted_at=admitted_at, municipality=cast.tromso,
        notification_deadline=admitted_at + datetime.timedelta(hours=24),
    )
    # A queue of its own, so no other worker on the same Redis takes the task.
    queue = f"test-sweeps-{uuid.uuid4().hex[:12]}"
    redis_celery.start("worker", "--pool=solo", "--without-gossip", "--without-mingle",
                       f"--queues={queue}", f"--hostname={queue}@%h")
    reminders = Notification.objects.filter(kind="early_notification.reminder")

    run_pathway_sweeps.apply_async(queue=queue)
    wait_for(reminders.exists, redis_celery, "no reminder row")
    run_pathway_sweeps.apply_async(queue=queue)  # a second run sends nothing new
    wait_for(lambda: redis_celery.output().count(f"{TASK}[") >= 4 and
             redis_celery.output().count("succeeded") >= 2, redis_celery,
             "the second run did not finish")

    reminder = reminders.get()  # one: the planner in the portal (the cast has no e-mail)
    assert (reminder.recipient, reminder.channel) == (cast.planner, "in_app")
    assert (reminder.subject_uuid, reminder.patient_uuid) == (admission.uuid, cast.shared.uuid)
    assert cast.shared.family_name not in reminder.title
    assert not Notification.objects.exclude(pk=reminder.pk).exists()
