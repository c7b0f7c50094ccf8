"""A redis-server of the test's own on a free port (never the shared one), for tests that stop,
freeze or start the broker; and pointing this process's publishing at it."""

import shutil
import signal
import socket
import subprocess
import time

import kombu.pools
import pytest
import redis

from rehab_portal.celery import app
from tests.conftest import skip_or_fail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_broker(url: str | None) -> None:
    """Publish from this process to `url` (None: back to the configured broker); the pools
    are made again on next use. (broker_write_url: CELERY_BROKER_URL in the environment would
    win over broker_url.)

    app.pool is an entry of kombu's process-wide registry, keyed by the broker's address:
    closing it alone would leave the closed pool registered, and the next publish to the
    configured broker would get it back ("Acquire on closed pool"). kombu.pools.reset()
    closes every pool and empties the registry."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_write_url = url


class PrivateRedis:
    """Not running until start(); freeze()/thaw() hang and resume it (SIGSTOP/SIGCONT)."""

    def __init__(self, folder):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            skip_or_fail("redis-server is not installed: this test starts its own")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.thaw()
            self.proc.terminate()
            self.proc.wait(timeout=10)
