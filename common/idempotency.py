"""`Idempotency-Key` on every POST under /api/ and /fhir/: the same key and body return the
first response and act once; the same key with another body is a 422.

Keys belong to the caller (an API client's service account, or a person), so one caller can
never see another's response. A key is claimed before the view runs (a unique row), so two
copies of a request racing each other act once: the second gets a 409 while the first is in
progress, and the stored response afterwards. A 5xx, 401, 403 or 429 is not stored: the
caller may retry with the same key; so is a response marked `not_replayable` (a search, to be
scoped and audited each time, or one that shows a secret once). A replay is audited, and is
refused (409) once the caller's scopes or memberships changed. A key whose request died
mid-flight is free again after ABANDONED_AFTER. Keys are forgotten after
IDEMPOTENCY_KEY_HOURS.
"""

import datetime
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
PREFIXES = ("/api/", "/fhir/")
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Language")
# Refusals before anything was attempted (credentials, CSRF, scope, rate): the caller may fix
# the cause and retry with the same key.
NOT_STORED = {401, 403, 429}
ABANDONED_AFTER = datetime.timedelta(minutes=10)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message,
                                   "fields": {HEADER: [message]}}}, status=status)


def _canonical_body(body: bytes) -> bytes:
    """A JSON body as sorted, compact JSON, so that key order and insignificant whitespace
    do not make the same request another one; anything else (a form, invalid or too deeply
    nested JSON) as sent."""
    try:
        parsed = json.loads(body)
        return json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return body


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(),
                 _canonical_body(request.body)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def not_replayable(response):
    """Mark a response never to be stored for replay: a search (a read, to be audited and
    scoped each time) or one that shows a secret once."""
    response.idempotency_not_stored = True
    return response


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body), status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def forget_expired() -> int:
    cutoff = timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]


class IdempotencyMiddleware:
    """The mechanism; who the caller is, what they may do and how a replay is audited are the
    app layer's to say (registry.idempotency), by overriding the three hooks below."""

    def __init__(self, get_response):
        self.get_response = get_response

    def caller(self, request):
        """The authenticated caller who owns the key; None when anonymous (the view then
        answers 401 itself)."""
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def access_stamp(self, owner) -> str:
        """A digest of what the caller may do now: a replay after it changed is refused."""
        return ""

    def replayed(self, owner, key: str, request) -> None:
        """Called when a stored response is handed back."""

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(PREFIXES):
            return self.get_response(request)
        if not _KEY.match(key):
            return _error(400, "invalid_idempotency_key", _(
                "Idempotency-Key is 1 to 255 printable ASCII characters, no spaces."))
        owner = self.caller(request)
        if owner is None:
            return self.get_response(request)
        fingerprint, stamp = _fingerprint(request), self.access_stamp(owner)
        now = timezone.now()
        cutoff = now - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=cutoff).delete()
        # A request that died mid-flight (a killed worker) does not block its key for a day.
        IdempotencyRecord.objects.filter(
            owner=owner, key=key, completed_at__isnull=True,
            created_at__lt=now - ABANDONED_AFTER).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, access_stamp=stamp)
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if earlier is None:  # expired and deleted meanwhile: the caller may try again
                return _error(409, "idempotency_key_in_use", _(
                    "The request with this Idempotency-Key changed state; retry."))
            if earlier.completed_at is None:
                return _error(409, "idempotency_key_in_progress", _(
                    "A request with this Idempotency-Key is still in progress."))
            if earlier.fingerprint != fingerprint:
                return _error(422, "idempotency_key_reused", _(
                    "This Idempotency-Key was used for another request: use a new key for a "
                    "new request."))
            if earlier.access_stamp != stamp:
                return _error(409, "idempotency_access_changed", _(
                    "Your scopes or roles changed since this Idempotency-Key was used: send "
                    "the request again with a new key."))
            self.replayed(owner, key, request)
            return _replay(earlier)
        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if (response.status_code >= 500 or response.status_code in NOT_STORED
                or getattr(response, "streaming", False)
                or getattr(response, "idempotency_not_stored", False)):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code, response_body=response.content,
            response_headers={name: response[name] for name in REPLAYED_HEADERS
                              if response.has_header(name)},
            completed_at=timezone.now())
        return response
