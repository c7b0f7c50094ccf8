"""Webhooks go to public addresses only, however the address is written (IPv4 inside IPv6:
mapped, compatible, NAT64, 6to4, Teredo), at registration and at every delivery; and a
delivery connects to the address it checked, so DNS rebinding cannot move it."""

import datetime
import http.server
import ipaddress
import socket
import ssl
import subprocess
import threading
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.api.support import error
from webhooks import events, network, tasks
from webhooks.models import WebhookDeliveryStatus, WebhookSubscription

from .conftest import subscriber

SUBSCRIPTIONS = "/api/v1/webhook-subscriptions/"
S = WebhookDeliveryStatus

# IPv6 spellings of internal IPv4 addresses (and internal IPv6 ranges) that is_global alone
# takes for public.
INTERNAL_IN_IPV6 = [
    "64:ff9b::7f00:1",          # NAT64 for 127.0.0.1
    "::7f00:1",                 # IPv4-compatible 127.0.0.1
    "2002:7f00:1::1",           # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",       # NAT64 for 169.254.169.254, the cloud metadata service
    "::ffff:7f00:1",            # IPv4-mapped 127.0.0.1
    "64:ff9b::a00:5",           # NAT64 for 10.0.0.5
    "64:ff9b::6440:1",          # NAT64 for 100.64.0.1 (shared address space, CGNAT)
    "2002:c0a8:10a::1",         # 6to4 of 192.168.1.10
    "2002:a9fe:a9fe::1",        # 6to4 of the metadata address
    "64:ff9b:1::a00:5",         # local-use NAT64 prefix
    "2001:0:808:808:0:0:80ff:fffe",  # Teredo: server 8.8.8.8, client ~0x80fffffe = 127.0.0.1
    "2001:0:7f00:1:0:0:f7f7:f7f7",   # Teredo: server 127.0.0.1, client 8.8.8.8
    "fd00::1", "fe80::1", "ff02::1", "::",
]
# Public IPv4 inside IPv6 stays public: the rule refuses what is internal, not IPv6.
PUBLIC_IN_IPV6 = ["64:ff9b::808:808", "2002:808:808::1", "2a00:1450:4010:c05::64"]


def internal_insecure_off(settings):
    settings.WEBHOOK_ALLOW_INSECURE_URLS = False
    settings.DEBUG = False


@pytest.mark.parametrize("address", INTERNAL_IN_IPV6)
def test_it_refuses_to_register_an_internal_address_written_in_ipv6(epj, settings, address):
    internal_insecure_off(settings)
    response = epj.post(SUBSCRIPTIONS, {"target_url": f"https://[{address}]/hooks",
                                        "events": ["admission.created"]}, format="json")
    assert response.status_code == 400, response.json()
    assert "target_url" in error(response)["fields"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("address", PUBLIC_IN_IPV6)
def test_it_registers_a_public_address_written_in_ipv6(epj, settings, address):
    internal_insecure_off(settings)
    response = epj.post(SUBSCRIPTIONS, {"target_url": f"https://[{address}]/hooks",
                                        "events": ["admission.created"]}, format="json")
    assert response.status_code == 201, response.json()


def test_it_unwraps_teredo_server_and_client():
    teredo = ipaddress.ip_address("2001:0:808:808:0:0:80ff:fffe")
    assert network.embedded_ipv4(teredo) == [ipaddress.ip_address("8.8.8.8"),
                                             ipaddress.ip_address("127.0.0.1")]


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that tells whether anyone connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)

    def connected() -> bool:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield SimpleNamespace(port=sock.getsockname()[1], connected=connected)
    sock.close()


def stored_before_the_fix(cast, url):
    """A subscription whose URL the old rule let through (written past validation)."""
    tromso = subscriber(cast.tromso, "https://epj.example.no/hooks")
    WebhookSubscription.objects.filter(pk=tromso.subscription.pk).update(target_url=url)
    tromso.subscription.refresh_from_db()
    return tromso


@pytest.mark.parametrize("address", ["::ffff:7f00:1", "64:ff9b::7f00:1", "::7f00:1",
                                     "2002:7f00:1::1", "64:ff9b::a9fe:a9fe"])
def test_a_delivery_to_an_internal_ipv6_address_fails_without_connecting(
        cast, settings, listener, address):
    tromso = stored_before_the_fix(cast, f"https://[{address}]:{listener.port}/hooks")
    internal_insecure_off(settings)
    delivery = events.ping(tromso.subscription)
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        S.PENDING, 1, None)
    assert delivery.last_error.startswith("ValidationError")
    assert not listener.connected()


def test_a_name_that_resolves_to_nat64_loopback_is_not_connected_to(
        cast, settings, listener, monkeypatch):
    tromso = subscriber(cast.tromso, f"https://receiver.example:{listener.port}/hooks")
    internal_insecure_off(settings)
    asked = []

    def resolve(host, port):
        asked.append(host)
        return [ipaddress.ip_address("64:ff9b::7f00:1"), ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(network, "resolve", resolve)
    delivery = events.ping(tromso.subscription)
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert asked == ["receiver.example"]
    assert delivery.status == S.PENDING and delivery.last_error.startswith("ValidationError")
    assert not listener.connected()


def test_a_delivery_connects_to_the_address_it_checked_not_to_a_second_answer(
        cast, receiver, monkeypatch):
    """DNS rebinding: the first answer is checked; a second lookup would answer elsewhere.
    The receiver on 127.0.0.1 gets the event only if the first answer is the one used."""
    tromso = subscriber(cast.tromso, f"http://localhost:{receiver.port}/hooks/rehab")
    answers = [[ipaddress.ip_address("127.0.0.1")], [ipaddress.ip_address("10.255.255.1")]]
    asked = []

    def resolve(host, port):
        asked.append((host, port))
        return answers[len(asked) - 1]

    monkeypatch.setattr(network, "resolve", resolve)
    monkeypatch.setattr(socket, "getaddrinfo", None)  # nothing else may resolve the name
    delivery = events.ping(tromso.subscription)
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (S.DELIVERED, 204)
    assert asked == [("localhost", receiver.port)]
    [request] = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks/rehab"


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An https receiver on 127.0.0.1 whose certificate is for `receiver.test`, signed by a CA
    the process trusts for this test (SSL_CERT_FILE)."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True,  # noqa: S603, S607
                       capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=Test CA", "-keyout", "ca.key", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=receiver.test",
            "-keyout", "server.key", "-out", "server.csr")
    (tmp_path / "ext.cnf").write_text("subjectAltName=DNS:receiver.test\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-out", "server.pem", "-extfile", "ext.cnf")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(self.headers)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.port, server.received = server.server_address[1], received
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("name", "delivered"), [("receiver.test", True),
                                                 ("impostor.test", False)])
def test_a_pinned_https_delivery_still_verifies_the_certificate_for_the_name(
        cast, tls_receiver, monkeypatch, name, delivered):
    tromso = subscriber(cast.tromso, f"https://{name}:{tls_receiver.port}/hooks")
    monkeypatch.setattr(network, "resolve",
                        lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    delivery = events.ping(tromso.subscription)
    tasks.deliver_webhook(delivery.pk, now=timezone.now() + datetime.timedelta(seconds=1))
    delivery.refresh_from_db()
    if delivered:
        assert delivery.status == S.DELIVERED
        [headers] = tls_receiver.received
        assert headers["Host"] == f"receiver.test:{tls_receiver.port}"
    else:
        assert delivery.status == S.PENDING
        assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
        assert tls_receiver.received == []
