"""The health network's message service (Norsk helsenett's Meldingstjener, "EDI 2.0") as a
PLO transport, behind the same interface as FolderTransport: poll() fetches what has come,
hands each business document to receive(), sends its AppRec back through the service and only
then marks the message read. A failure of the service (an error status, a timeout, no token)
stops the poll quietly: what was not marked read is fetched again at the next poll, and its
MsgId finds the first delivery.

The contract is NHN's published MSH API v2 ("api-version: 2"), as documented at
https://utviklerportal.nhn.no/informasjonstjenester/meldingstjener/edi-20/edi-20-ekstern-docs/docs/meldingsutvekslingmd
with the OpenAPI document "MSH API v2" (vendored as msh-api-v2/spec/msh-api-v2.json in
https://github.com/ks-no/fiks-nhn-client; the live one at
https://api.tjener.test.melding.nhn.no/swagger/index.html):

    GET  /Messages?ReceiverHerIds=..&IncludeMetadata=true   the unread messages (id, sender,
                                                             receiver, MsgId, isAppRec)
    GET  /Messages/{id}/business-document                   {businessDocument (base64),
                                                             contentType, contentTransferEncoding}
    PUT  /Messages/{id}/read/{herId}                        204: marked read for that receiver
    POST /Messages                                          {businessDocument, contentType,
                                                             contentTransferEncoding} -> 201 id

Authentication is HelseID's client credentials with a signed client assertion (private_key_jwt,
built by Authlib) for the scope nhn:msh/api, the token bound to a DPoP key (RFC 9449), as
https://utviklerportal.nhn.no/informasjonstjenester/meldingsutveksling/edi-20/edi-20-ekstern-docs/docs/Prerequisites/helseid_engbmd
requires. The real service cannot be reached from here: tests/plo/test_message_service.py
runs this against a local server implementing the contract above.

AppRecs that come back for the portal's own messages (isAppRec) are received like the rest:
plo.services.receive() keeps them and marks the sent message acknowledged or refused, and
they are never answered.

Not done here: the newer API version 3 (notifications instead of polling /Messages)."""

import base64
import binascii
import functools
import hashlib
import json
import logging
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey, import_key

from . import transports
from .models import PloMessage, Transport
from .services import receive

logger = logging.getLogger(__name__)

API_VERSION = "2"
SOURCE_SYSTEM = "Rehab Portal"
SCOPE = "nhn:msh/api"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
BATCH = 100  # the most GET /Messages returns at once (MessagesToFetch, 1-100)
TIMEOUT = (5, 30)  # seconds: to connect, and between bytes of the answer
TOKEN_MARGIN_SECONDS = 30  # a token this close to its expiry is renewed first


class ServiceUnavailable(Exception):
    """The message service or HelseID did not answer as the contract says."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _htu(url: str) -> str:
    """The URL as a DPoP proof names it: no query, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def load_private_key(path: Path | str) -> RSAKey | ECKey:
    """The HelseID client's private key: a JWK (as HelseID's self-service hands it out) or PEM."""
    text = Path(path).read_text(encoding="utf-8").strip()
    return import_key(json.loads(text) if text.startswith("{") else text)


class HelseId:
    """Access tokens for the message service: fetched with a signed client assertion, bound to
    this process's DPoP key, and reused until shortly before they expire."""

    def __init__(self, token_url: str, client_id: str, private_key: RSAKey | ECKey, *,
                 scope: str = SCOPE, timeout=TIMEOUT, clock=time.monotonic):
        self.token_url, self.client_id, self.private_key = token_url, client_id, private_key
        self.scope, self.timeout, self.clock = scope, timeout, clock
        self.dpop_key = ECKey.generate_key("P-256")  # proves possession; never leaves memory
        self._token: str | None = None
        self._expires_at = 0.0
        self._nonce: str | None = None
        self._lock = threading.Lock()

    def _algorithm(self) -> str:
        return "ES256" if isinstance(self.private_key, ECKey) else "RS256"

    def assertion(self) -> str:
        header = {"kid": self.private_key.kid} if self.private_key.kid else None
        return private_key_jwt_sign(self.private_key, self.client_id, self.token_url,
                                    alg=self._algorithm(), header=header, expires_in=60,
                                    claims={"jti": str(uuid.uuid4()), "nbf": int(time.time())})

    def proof(self, method: str, url: str, token: str | None = None,
              nonce: str | None = None) -> str:
        """A DPoP proof for one request (RFC 9449 § 4), with the token's hash when it has one."""
        claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": _htu(url),
                  "iat": int(time.time())}
        if token:
            claims["ath"] = _b64url(hashlib.sha256(token.encode()).digest())
        if nonce:
            claims["nonce"] = nonce
        header = {"typ": "dpop+jwt", "alg": "ES256",
                  "jwk": self.dpop_key.as_dict(private=False)}
        return jwt.encode(header, claims, self.dpop_key, algorithms=["ES256"])

    def token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._token, self._expires_at = self._fetch()
            return self._token

    def _fetch(self) -> tuple[str, float]:
        for _attempt in range(2):  # a second time only with the nonce HelseID asked for
            started = self.clock()
            form = {"grant_type": "client_credentials", "scope": self.scope,
                    "client_id": self.client_id, "client_assertion_type": CLIENT_ASSERTION_TYPE,
                    "client_assertion": self.assertion()}
            headers = {"DPoP": self.proof("POST", self.token_url, nonce=self._nonce)}
            try:
                response = requests.post(self.token_url, data=form, headers=headers,
                                         timeout=self.timeout)
                body = response.json()
            except (requests.RequestException, ValueError) as error:
                raise ServiceUnavailable(f"HelseID: {error}") from error
            if response.status_code == 400 and body.get("error") == "use_dpop_nonce" \
                    and response.headers.get("DPoP-Nonce"):
                self._nonce = response.headers["DPoP-Nonce"]
                continue
            if response.status_code != 200 or not body.get("access_token"):
                raise ServiceUnavailable(f"HelseID answered {response.status_code}: "
                                         f"{body.get('error', '')}")
            lifetime = int(body.get("expires_in", 60))
            return body["access_token"], started + max(lifetime - TOKEN_MARGIN_SECONDS, 0)
        raise ServiceUnavailable("HelseID kept asking for a new DPoP nonce.")


@functools.cache
def _helseid(token_url: str, client_id: str, key_file: str) -> HelseId:
    """One per process and configuration, so that beat's polls share the token."""
    return HelseId(token_url, client_id, load_private_key(key_file))


class MessageServiceTransport:
    name = Transport.MESSAGE_SERVICE

    def __init__(self, url: str | None = None, *, her_ids=None, helseid: HelseId | None = None,
                 timeout=TIMEOUT):
        self.url = (url or settings.PLO_MESSAGE_SERVICE_URL).rstrip("/")
        her_ids = list(her_ids if her_ids is not None else settings.PLO_HER_IDS)
        if not her_ids or not all(str(h).isdigit() for h in her_ids):
            raise ImproperlyConfigured(f"PLO_HER_IDS={her_ids!r}: the HER-ids (numbers) the "
                                       "portal receives messages for are needed.")
        self.her_ids = [int(h) for h in her_ids]
        if helseid is None:
            needed = ("PLO_HELSEID_TOKEN_URL", "PLO_HELSEID_CLIENT_ID",
                      "PLO_HELSEID_PRIVATE_KEY_FILE")
            missing = [name for name in needed if not getattr(settings, name)]
            if missing:
                raise ImproperlyConfigured(f"The message service needs {', '.join(missing)}.")
            helseid = _helseid(*(str(getattr(settings, name)) for name in needed))
        self.helseid, self.timeout = helseid, timeout

    def _request(self, method: str, path: str, *, ok=(200,), **kwargs) -> requests.Response:
        url = f"{self.url}{path}"
        token = self.helseid.token()
        headers = {"api-version": API_VERSION, "nhn-source-system": SOURCE_SYSTEM,
                   "Authorization": f"DPoP {token}",
                   "DPoP": self.helseid.proof(method, url, token)}
        try:
            response = requests.request(method, url, headers=headers, timeout=self.timeout,
                                        **kwargs)
        except requests.RequestException as error:
            raise ServiceUnavailable(f"{method} {path}: {error}") from error
        if response.status_code not in ok:
            response.close()
            raise ServiceUnavailable(f"{method} {path} answered {response.status_code}")
        return response

    def waiting(self) -> list[dict]:
        """The unread messages for the portal's HER-ids, oldest first (by their GenDate)."""
        response = self._request("GET", "/Messages", params={
            "ReceiverHerIds": self.her_ids, "IncludeMetadata": "true",
            "MessagesToFetch": BATCH, "OrderBy": "Ascending"})
        try:
            found = response.json()
        except ValueError as error:
            raise ServiceUnavailable(f"GET /Messages: {error}") from error
        if not isinstance(found, list):
            raise ServiceUnavailable("GET /Messages: not a list")
        return found

    def document(self, message_id: str, limit: int) -> bytes | None:
        """The business document, or None if it is far too large to read (never read in full:
        the answer is streamed and dropped past the limit)."""
        response = self._request("GET", f"/Messages/{message_id}/business-document",
                                 stream=True)
        ceiling = limit * 4 // 3 + 4096  # base64 and the JSON around it
        with response:
            body = bytearray()
            try:
                if int(response.headers.get("Content-Length") or 0) > ceiling:
                    return None
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > ceiling:
                        return None
                found = json.loads(body)
                data = base64.b64decode(found["businessDocument"], validate=True)
            except (requests.RequestException, ValueError, KeyError, TypeError,
                    binascii.Error) as error:
                raise ServiceUnavailable(f"business document {message_id}: {error}") from error
        return None if len(data) > limit else data

    def mark_read(self, message_id: str, her_id) -> None:
        self._request("PUT", f"/Messages/{message_id}/read/{her_id}", ok=(200, 204)).close()

    def poll(self, limit: int = 500) -> transports.Polled:
        received = set_aside = 0
        seen: set[str] = set()
        try:
            while received + set_aside < limit:
                batch = self.waiting()
                todo = [m for m in batch if m.get("id") not in seen]
                for item in todo[:limit - received - set_aside]:
                    seen.add(item["id"])
                    data = self.document(item["id"], transports.FILE_LIMIT_BYTES)
                    if data is None:
                        logger.warning(
                            "PLO message %s (MsgId %s) from HER-id %s on the message service "
                            "is over %s bytes: not read, marked read there for the operator",
                            item["id"], item.get("businessDocumentId"),
                            item.get("senderHerId"), transports.FILE_LIMIT_BYTES)
                        self.mark_read(item["id"], item["receiverHerId"])
                        set_aside += 1
                        continue
                    message = receive(data, transport=self.name)
                    self.answer(message)
                    self.mark_read(item["id"], item["receiverHerId"])
                    received += 1
                if not todo or len(batch) < BATCH:
                    break
        except ServiceUnavailable as error:
            logger.warning("PLO message service: %s; the rest waits for the next poll", error)
        return transports.Polled(received, set_aside)

    def answer(self, message: PloMessage) -> None:
        """Send the message's AppRec, exactly as stored, to its sender (POST /Messages; the
        AppRec names the sender as its receiver). The same receipt again after a crash keeps
        its MsgId, so the other side sees a repeat."""
        if message.apprec is None:
            return
        self._post(bytes(message.apprec))

    def send(self, message: PloMessage) -> None:
        """Send one of the portal's own messages, exactly as stored (POST /Messages; the
        service addresses it by the envelope's receiver). Raises when the service does not
        take it: the outbox tries again."""
        self._post(bytes(message.document))

    def _post(self, document: bytes) -> None:
        self._request("POST", "/Messages", ok=(200, 201, 202), json={
            "businessDocument": base64.b64encode(document).decode(),
            "contentType": "application/xml", "contentTransferEncoding": "base64"}).close()
