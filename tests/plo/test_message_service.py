"""The message service transport against a local server that implements NHN's MSH API v2
contract (plo/message_service.py names its source) and a HelseID-like token endpoint that
checks the signed client assertion with the client's public key and binds the token to the
DPoP key. The real service cannot be reached from here.

A message waiting on the service is fetched, received, answered with its AppRec through the
service and marked read only after that; the next poll finds nothing new; a service that fails
(500, a timeout) loses nothing and raises nothing, and is tried again; the token is fetched once
and reused until it expires."""

import base64
import datetime
import hashlib
import http.server
import json
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key

from pathways.models import Admission
from plo import apprec, services, transports, xml
from plo.envelope import Party
from plo.message_service import HelseId, MessageServiceTransport
from plo.models import MessageStatus, PloMessage, Transport
from plo.tasks import poll_plo
from registry.models import OrganizationKind
from tests import factories
from tests.webhooks.conftest import free_port

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
NS = {"ar": apprec.APPREC}
CLIENT_ID = "rehab-portal-test-client"
MUNICIPALITY = 99387  # the example's receiver
HOSPITAL = 59  # the example's sender


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class MessageService:
    """Meldingstjener and HelseID on one local port, holding messages for the test."""

    def __init__(self, public_key):
        self.port = free_port()
        self.public_key = public_key
        self.messages: dict[str, dict] = {}
        self.sent: list[dict] = []  # what the portal POSTed to /Messages
        self.events: list[str] = []
        self.tokens: dict[str, tuple[float, str]] = {}  # token -> (expires, DPoP thumbprint)
        self.token_requests = 0
        self.expires_in = 3600
        self.fail: dict[str, object] = {}  # "METHOD /path-prefix" -> status, or "hang"
        self.seen_jti: set[str] = set()
        self.errors: list[str] = []  # a request that broke the contract
        self.nonce = uuid.uuid4().hex
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/msh"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/connect/token"

    def deliver(self, document: bytes, *, receiver=MUNICIPALITY, sender=HOSPITAL,
                is_apprec=False) -> str:
        message_id = str(uuid.uuid4())
        self.messages[message_id] = {"document": document, "receiver": receiver,
                                     "sender": sender, "read": False, "apprec": is_apprec}
        return message_id

    def unread(self) -> list[str]:
        return [i for i, m in self.messages.items() if not m["read"]]

    # -- what the service checks -------------------------------------------------------------

    def _proof(self, handler, method: str, url: str, token: str | None = None) -> str:
        """The DPoP proof's key thumbprint, after checking it as RFC 9449 § 4.3 says."""
        proof = handler.headers.get("DPoP", "")
        header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
        assert header["typ"] == "dpop+jwt" and "d" not in header["jwk"]
        key = import_key(header["jwk"])
        claims = jwt.decode(proof, key, algorithms=[header["alg"]]).claims
        assert claims["htm"] == method and claims["htu"] == url
        assert abs(claims["iat"] - time.time()) < 60
        assert claims["jti"] not in self.seen_jti
        self.seen_jti.add(claims["jti"])
        if token is None:
            assert claims.get("nonce") == self.nonce
        else:
            assert claims["ath"] == _b64url(hashlib.sha256(token.encode()).digest())
        return key.thumbprint()

    def token(self, handler, form: dict) -> tuple[int, dict, dict]:
        self.token_requests += 1
        if "nonce" not in json.loads(base64.urlsafe_b64decode(
                handler.headers.get("DPoP", "").split(".")[1] + "==")):
            return 400, {"error": "use_dpop_nonce"}, {"DPoP-Nonce": self.nonce}
        assert form["grant_type"] == ["client_credentials"]
        assert form["scope"] == ["nhn:msh/api"]
        assert form["client_assertion_type"] == [
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
        try:
            claims = jwt.decode(form["client_assertion"][0], self.public_key,
                                algorithms=["RS256"]).claims
        except JoseError:
            return 400, {"error": "invalid_client"}, {}
        assert claims["iss"] == claims["sub"] == CLIENT_ID
        assert claims["aud"] == self.token_url and claims["exp"] > time.time()
        thumbprint = self._proof(handler, "POST", self.token_url)
        token = uuid.uuid4().hex
        self.tokens[token] = (time.time() + self.expires_in, thumbprint)
        self.events.append("token")
        return 200, {"access_token": token, "token_type": "DPoP",
                     "expires_in": self.expires_in}, {}

    def api(self, handler, method: str, path: str, query: dict, body: bytes):
        assert handler.headers["api-version"] == "2" and handler.headers["nhn-source-system"]
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        if scheme != "DPoP" or token not in self.tokens:
            return 401, {"error": "unauthorized"}, {}
        thumbprint = self._proof(handler, method, f"http://127.0.0.1:{self.port}{path}", token)
        assert self.tokens[token][1] == thumbprint  # the token is bound to this key
        parts = path.removeprefix("/msh/").split("/")
        if method == "GET" and parts == ["Messages"]:
            her_ids = {int(h) for h in query["ReceiverHerIds"]}
            self.events.append("list")
            return 200, [{"id": i, "receiverHerId": m["receiver"], "senderHerId": m["sender"],
                          "businessDocumentId": "", "isAppRec": m["apprec"]}
                         for i, m in self.messages.items()
                         if not m["read"] and m["receiver"] in her_ids], {}
        if method == "GET" and parts[2:] == ["business-document"]:
            self.events.append(f"fetch {parts[1]}")
            return 200, {"businessDocument": base64.b64encode(
                self.messages[parts[1]]["document"]).decode(),
                "contentType": "application/xml", "contentTransferEncoding": "base64"}, {}
        if method == "PUT" and parts[2] == "read":
            assert int(parts[3]) == self.messages[parts[1]]["receiver"]
            self.messages[parts[1]]["read"] = True
            self.events.append(f"read {parts[1]}")
            return 204, None, {}
        if method == "POST" and parts == ["Messages"]:
            sent = json.loads(body)
            assert (sent["contentType"], sent["contentTransferEncoding"]) == (
                "application/xml", "base64")
            self.sent.append(sent)
            self.events.append("send")
            return 201, str(uuid.uuid4()), {}
        return 404, {"error": "not found"}, {}

    def start(self) -> "MessageService":
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self, method):
                split = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                for rule, outcome in service.fail.items():
                    if f"{method} {split.path}".startswith(rule):
                        if outcome == "hang":
                            time.sleep(1.5)
                            return self._send(200, [], {})
                        return self._send(outcome, {"error": "An unknown error occurred"}, {})
                try:
                    if split.path == "/connect/token":
                        return self._send(*service.token(self, parse_qs(body.decode())))
                    return self._send(*service.api(self, method, split.path,
                                                   parse_qs(split.query), body))
                except (AssertionError, KeyError, ValueError, JoseError) as broken:
                    service.errors.append(f"{method} {self.path}: {broken!r}")
                    return self._send(400, {"error": "invalid_request"}, {})

            def _send(self, status, payload, headers):
                data = b"" if payload is None else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def keys():
    private = RSAKey.generate_key(2048)
    return SimpleNamespace(private=private, public=import_key(private.as_dict(private=False)))


@pytest.fixture
def service(keys):
    started = MessageService(keys.public).start()
    yield started
    started.stop()
    assert started.errors == []  # every request kept the contract


@pytest.fixture
def portal(cast):
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id=str(HOSPITAL), parent=cast.unn_hf)
    factories.organization(name="Alvdal", her_id=str(MUNICIPALITY))
    services.connect(hospital, default_ward=factories.ward(hospital, "Ortopedi"))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def transport(service, keys, portal):
    helseid = HelseId(service.token_url, CLIENT_ID, keys.private, clock=Clock())
    return MessageServiceTransport(service.url, her_ids=[str(MUNICIPALITY)], helseid=helseid,
                                   timeout=(1, 0.5))


def receipt_of(sent: dict):
    return xml.read(base64.b64decode(sent["businessDocument"]))


def test_a_waiting_message_is_received_answered_through_the_service_and_marked_read(
        service, transport):
    message_id = service.deliver(ADMITTED)
    assert transport.poll() == transports.Polled(received=1, set_aside=0)
    message = PloMessage.objects.get()
    assert (message.status, message.transport) == (MessageStatus.PROCESSED,
                                                    Transport.MESSAGE_SERVICE)
    assert bytes(message.document) == ADMITTED
    assert Admission.objects.filter(uuid=message.subject_uuid).exists()
    [sent] = service.sent
    assert base64.b64decode(sent["businessDocument"]) == bytes(message.apprec)
    root = receipt_of(sent)
    assert root.find("ar:Status", NS).get("V") == "1"
    # Stored, then answered, and only then marked read on the service.
    assert service.events == ["token", "list", f"fetch {message_id}", "send",
                              f"read {message_id}"]
    assert service.unread() == []
    assert transport.poll() == transports.Polled(received=0, set_aside=0)  # nothing new
    assert PloMessage.objects.count() == 1 and len(service.sent) == 1


def test_a_failure_before_it_is_marked_read_loses_nothing_and_doubles_nothing(
        service, transport):
    message_id = service.deliver(ADMITTED)
    service.fail = {"PUT /msh/Messages": 500}
    assert transport.poll().received == 0  # stored and answered, but not marked read
    assert PloMessage.objects.count() == 1 and service.unread() == [message_id]
    service.fail = {}
    assert transport.poll().received == 1  # fetched again: the first delivery answers it
    assert PloMessage.objects.count() == 1 and Admission.objects.count() == 1
    assert service.unread() == []
    first, again = service.sent
    assert first == again  # the same receipt, with the same MsgId


@pytest.mark.parametrize("failure", [500, "hang"])
def test_a_failing_service_loses_nothing_and_is_tried_again(service, transport, failure):
    message_id = service.deliver(ADMITTED)
    service.fail = {"GET /msh/Messages/": failure}  # the business document
    started = time.monotonic()
    assert transport.poll() == transports.Polled(received=0, set_aside=0)
    assert time.monotonic() - started < 5
    assert not PloMessage.objects.exists() and service.unread() == [message_id]
    service.fail = {"GET /msh/Messages": failure}  # the list too
    assert transport.poll().received == 0
    service.fail = {}
    assert transport.poll().received == 1
    assert PloMessage.objects.get().status == MessageStatus.PROCESSED
    assert service.unread() == []


def test_helseid_down_is_a_failed_poll_too(service, transport):
    service.deliver(ADMITTED)
    service.fail = {"POST /connect/token": 503}
    assert transport.poll().received == 0
    service.fail = {}
    assert transport.poll().received == 1


def test_the_token_is_fetched_with_a_signed_assertion_and_reused_until_it_expires(
        service, transport):
    service.expires_in = 300
    for _ in range(3):
        service.deliver(ADMITTED)
        assert transport.poll().received == 1
    assert service.events.count("token") == 1
    assert service.token_requests == 2  # the first asked for HelseID's DPoP nonce
    transport.helseid.clock.now += 300 - 31  # still more than the margin (30 s) left
    transport.poll()
    assert service.events.count("token") == 1
    transport.helseid.clock.now += 1  # now it is renewed before it runs out
    service.deliver(ADMITTED)
    assert transport.poll().received == 1
    assert service.events.count("token") == 2


def test_an_assertion_signed_with_another_key_gets_no_token(service, portal):
    stranger = HelseId(service.token_url, CLIENT_ID, RSAKey.generate_key(2048))
    transport = MessageServiceTransport(service.url, her_ids=[str(MUNICIPALITY)],
                                        helseid=stranger, timeout=(1, 0.5))
    service.deliver(ADMITTED)
    assert transport.poll().received == 0
    assert not service.tokens and not PloMessage.objects.exists()


def test_a_message_far_too_large_is_not_read(service, transport, monkeypatch):
    monkeypatch.setattr(transports, "FILE_LIMIT_BYTES", 1000)
    message_id = service.deliver(ADMITTED)
    assert transport.poll() == transports.Polled(received=0, set_aside=1)
    assert not PloMessage.objects.exists() and not service.sent
    assert service.messages[message_id]["read"]  # out of the queue; the log names its id


def test_a_receipt_for_the_portals_own_message_marks_it_and_is_not_answered(
        service, transport):
    """An AppRec on the service is taken like any message (so receipts never pile up in
    the service's list): the sent message is marked acknowledged, nothing is sent back."""
    sent = PloMessage(direction="out", document=b"<MsgHead/>", transport="message_service",
                      status=MessageStatus.SENT, msg_id="5c3b6a10-0001-4000-8000-000000000002",
                      msg_type="LOG_INNLAGT", sender_her_id=str(HOSPITAL),
                      receiver_her_id=str(MUNICIPALITY))
    sent.save()
    now = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
    receipt = apprec.build(receipt_from=Party(her_id=str(MUNICIPALITY), name="Alvdal"),
                           receipt_to=Party(her_id=str(HOSPITAL), name="St. Olav"),
                           original_type="LOG_INNLAGT", original_id=sent.msg_id,
                           original_issued=now, now=now)
    receipt_id = service.deliver(receipt, is_apprec=True)
    assert transport.poll().received == 1
    assert service.unread() == [] and not service.sent
    sent.refresh_from_db()
    assert sent.status == MessageStatus.ACKNOWLEDGED
    assert PloMessage.objects.get(msg_type="APPREC").parent_msg_id == sent.msg_id
    assert service.messages[receipt_id]["read"]


def test_beat_polls_the_message_service_when_its_url_is_set(service, keys, portal, settings,
                                                            tmp_path):
    key_file = tmp_path / "helseid.json"
    key_file.write_text(json.dumps(keys.private.as_dict(private=True)))
    settings.PLO_MESSAGE_SERVICE_URL = service.url
    settings.PLO_HELSEID_TOKEN_URL = service.token_url
    settings.PLO_HELSEID_CLIENT_ID = CLIENT_ID
    settings.PLO_HELSEID_PRIVATE_KEY_FILE = str(key_file)
    settings.PLO_HER_IDS = [str(MUNICIPALITY)]
    service.deliver(ADMITTED)
    assert isinstance(transports.transport(), MessageServiceTransport)
    assert poll_plo() == 1
    assert PloMessage.objects.get().transport == Transport.MESSAGE_SERVICE
    settings.PLO_MESSAGE_SERVICE_URL = ""
    assert isinstance(transports.transport(), transports.FolderTransport)


def test_an_ec_key_signs_its_assertion_with_es256(service):
    """A HelseID key may be an EC key as well as RSA."""
    helseid = HelseId(service.token_url, CLIENT_ID, ECKey.generate_key("P-256"))
    header = json.loads(base64.urlsafe_b64decode(helseid.assertion().split(".")[0] + "=="))
    assert header["alg"] == "ES256"
