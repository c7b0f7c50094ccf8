"""Real `celery -A rehab_portal worker` (and beat) processes consume from the broker and write
to the database: what /healthz's heartbeat relies on.

The worker is another process, so it cannot see pytest's in-memory SQLite database: these
tests need PostgreSQL (DATABASE_URL), and the Redis ones Redis (REDIS_URL). `.ci/run`
provides both; locally they skip.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import Connection

from common.models import Heartbeat
from common.tasks import WORKER_HEARTBEAT, record_heartbeat
from rehab_portal.celery import app
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
TASK = "common.tasks.record_heartbeat"


def database_url_for_subprocess() -> str:
    """The test database (test_<name>) as a DATABASE_URL another process can use."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


class Celery:
    """Celery subprocesses that are stopped, whatever happens, when the test ends."""

    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path = tmp_path
        self.env = env
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *args: str) -> subprocess.Popen:
        log_path = self.tmp_path / f"celery-{len(self.procs)}-{args[0]}.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, "-m", "celery", "-A", "rehab_portal", *args, "--loglevel=INFO"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append((proc, log_path))
        return proc

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()}" for _, path in self.procs)

    def stop(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_for_heartbeat(self, timeout: float = 60) -> Heartbeat:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            beat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
            if beat is not None:
                return beat
            for proc, _ in self.procs:
                if proc.poll() is not None:
                    pytest.fail(f"a celery process exited with {proc.returncode}:\n"
                                f"{self.output()}")
            time.sleep(0.25)
        pytest.fail(f"no heartbeat row after {timeout} s:\n{self.output()}")


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the worker tests need PostgreSQL (DATABASE_URL): SQLite's test "
                     "database lives in this process's memory")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("REDIS_URL is not set: the worker test needs Redis")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def celery_env(postgres, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url_for_subprocess(), REHAB_VAR_DIR=str(tmp_path / "var"),
               PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def redis_celery(celery_env, redis_url, tmp_path):
    env = {**celery_env, "DJANGO_SETTINGS_MODULE": "rehab_portal.settings.test",
           "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url}
    celery = Celery(tmp_path, env)
    yield celery
    # The workers' connections must be gone before pytest-django flushes the database.
    celery.stop()


@pytest.fixture
def filesystem_celery(celery_env, tmp_path):
    """Dev settings with nothing configured: the filesystem transport in a private folder."""
    env = {**celery_env, "DJANGO_SETTINGS_MODULE": "rehab_portal.settings.dev",
           "HEARTBEAT_INTERVAL_SECONDS": "1"}
    celery = Celery(tmp_path, env)
    yield celery
    celery.stop()


def test_a_worker_runs_the_heartbeat_task_from_redis(redis_celery, client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis")
    # A queue of its own, so no other worker on the same Redis takes the task.
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    redis_celery.start("worker", "--pool=solo", "--without-gossip", "--without-mingle",
                       f"--queues={queue}", f"--hostname={queue}@%h")
    assert client.get("/healthz").status_code == 503  # no heartbeat yet

    record_heartbeat.apply_async(queue=queue)

    redis_celery.wait_for_heartbeat()
    assert TASK in redis_celery.output()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"]["transport"] == "redis"


def test_beat_reaches_a_worker_over_the_filesystem_transport(filesystem_celery, tmp_path):
    """What `make run` starts when nothing is configured: beat → folder → worker → database."""
    filesystem_celery.start("worker", "--concurrency=1", "--without-gossip", "--without-mingle")
    filesystem_celery.start("beat", f"--schedule={tmp_path / 'beat-schedule'}")

    filesystem_celery.wait_for_heartbeat()

    output = filesystem_celery.output()
    assert "Sending due task worker-heartbeat" in output
    assert f"{TASK}[" in output and "succeeded" in output
    assert "filesystem://" in output


def test_a_message_written_to_the_filesystem_queue_is_consumed(filesystem_celery, tmp_path):
    filesystem_celery.start("worker", "--concurrency=1", "--without-gossip", "--without-mingle")
    queue_dir = tmp_path / "var" / "celery" / "queue"
    options = {"data_folder_in": str(queue_dir), "data_folder_out": str(queue_dir),
               "control_folder": str(tmp_path / "var" / "celery" / "control")}
    queue_dir.mkdir(parents=True, exist_ok=True)
    with Connection("filesystem://", transport_options=options) as conn:
        app.send_task(TASK, connection=conn, queue="celery")
    assert any(queue_dir.iterdir())  # the message waits in the folder

    filesystem_celery.wait_for_heartbeat()
    deadline = time.monotonic() + 10
    while any(p.suffix == ".msg" for p in queue_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(p.suffix == ".msg" for p in queue_dir.iterdir())  # consumed and removed
