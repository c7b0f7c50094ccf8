"""The signature on every delivery, Stripe-style:

    X-RehabPortal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

The key is the subscription's secret as UTF-8 (the whole `whsec_...` string), the message the
timestamp, a dot and the raw request body exactly as received. `verify` is what a receiver
does; the portal uses it only in tests and documentation.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-RehabPortal-Signature"
EVENT_HEADER = "X-RehabPortal-Event"
DELIVERY_HEADER = "X-RehabPortal-Delivery"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    pass


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for this body, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS,
           now: float | None = None) -> int:
    """Check a delivery's signature; returns its timestamp or raises SignatureError.

    Compare in constant time, and refuse old timestamps: a captured request replayed by
    someone else later fails. (The portal's own replays are signed afresh.)"""
    parts = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise SignatureError("no timestamp in the signature header") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise SignatureError("signature does not match")
    return timestamp
