"""Real HTTP receivers on 127.0.0.1, API clients with subscriptions, and a queue that runs
deliveries when the test says so (the broker in tests is memory://, with no worker)."""

import datetime
import http.server
import json
import socket
import threading
from types import SimpleNamespace

import pytest

from registry.models import ApiScope
from tests import factories
from tests.api.conftest import api, epj  # noqa: F401 - fixtures shared with the API tests
from webhooks import tasks
from webhooks.models import WebhookEventType, WebhookSubscription

ALL_EVENTS = WebhookEventType.values


def free_port() -> int:
    """A port nothing listens on (until a Receiver starts on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """An EPJ system's webhook endpoint: records each request, answers `status`."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.requests: list[SimpleNamespace] = []
        self.status = 204
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/rehab"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(SimpleNamespace(
                    path=self.path, headers=self.headers, body=body))  # case-insensitive
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests]


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def down_receiver():
    """A receiver that is down until the test calls .start()."""
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def queue(monkeypatch):
    """deliver_webhook.delay records the id; run() makes the attempts, as a worker would."""
    queued: list[int] = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", queued.append)

    def run(now: datetime.datetime | None = None) -> int:
        ids = list(queued)
        queued.clear()
        for delivery_id in ids:
            tasks.deliver_webhook(delivery_id, now=now)
        return len(ids)

    return SimpleNamespace(ids=queued, run=run)


def subscriber(organization, url: str, *, name="EPJ", events=ALL_EVENTS,
               scopes=ApiScope.values, active=True):
    """An API client of the organisation with one subscription; (client, subscription, http)."""
    http = factories.api_client(organization, name, scopes)
    subscription = WebhookSubscription(client=http.api_client, target_url=url,
                                       events=list(events), active=active)
    subscription.full_clean()
    subscription.save()
    return SimpleNamespace(client=http.api_client, subscription=subscription, http=http)
