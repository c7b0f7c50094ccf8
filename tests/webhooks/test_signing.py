"""A receiver checks X-RehabPortal-Signature with the documented algorithm, written out here
independently of webhooks.signing: HMAC-SHA256(secret, f"{t}.{body}"), hex, constant-time
compare, 5 minutes' tolerance."""

import hashlib
import hmac
import time

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from webhooks import signing
from webhooks.models import WebhookSubscription, require_public_address, validate_target_url

from .conftest import subscriber


def documented_check(secret: str, body: bytes, header: str, now: float) -> bool:
    """What the API documentation tells a receiver to do."""
    fields = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(fields["t"])
    if abs(now - timestamp) > 300:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def delivered(cast, receiver, queue, django_capture_on_commit_callbacks):
    """One real delivery to the receiver, and the subscription's secret."""
    tromso = subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        factories.admit(cast, hours_ago=1)
    queue.run()
    [request] = receiver.requests
    return request, tromso.subscription.secret


def test_a_receiver_verifies_the_signature_with_the_documented_algorithm(delivered):
    request, secret = delivered
    header = request.headers["X-RehabPortal-Signature"]
    assert secret.startswith("whsec_")
    assert documented_check(secret, request.body, header, now=time.time())
    assert signing.verify(secret, request.body, header) == int(header.split(",")[0][2:])


def test_a_tampered_body_fails_verification(delivered):
    request, secret = delivered
    header = request.headers["X-RehabPortal-Signature"]
    tampered = request.body.replace(b"admission.created", b"admission.deleted")
    assert tampered != request.body
    assert not documented_check(secret, tampered, header, now=time.time())
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(secret, tampered, header)


def test_another_subscriptions_secret_fails_verification(delivered):
    request, _secret = delivered
    header = request.headers["X-RehabPortal-Signature"]
    other = WebhookSubscription().secret  # a freshly generated one
    with pytest.raises(signing.SignatureError):
        signing.verify(other, request.body, header)


def test_an_old_signature_fails_verification_after_five_minutes(delivered):
    request, secret = delivered
    header = request.headers["X-RehabPortal-Signature"]
    assert not documented_check(secret, request.body, header, now=time.time() + 301)
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(secret, request.body, header, now=time.time() + 301)


def test_the_timestamp_is_part_of_what_is_signed():
    body = b'{"id":"1"}'
    header = signing.sign("whsec_test", body, timestamp=1_700_000_000)
    moved = header.replace("t=1700000000", "t=1700000100")
    signing.verify("whsec_test", body, header, now=1_700_000_000)
    with pytest.raises(signing.SignatureError):
        signing.verify("whsec_test", body, moved, now=1_700_000_100)


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook", "https://192.168.1.10/hook", "https://169.254.169.254/latest",
    "https://[::1]/hook", "https://127.0.0.1/hook", "https://localhost/hook"])
def test_internal_addresses_are_refused_where_insecure_urls_are_off(settings, url):
    settings.WEBHOOK_ALLOW_INSECURE_URLS = False
    settings.DEBUG = False
    with pytest.raises(ValidationError):
        validate_target_url(url)


def test_a_name_that_resolves_inside_is_refused_before_delivery(settings):
    settings.WEBHOOK_ALLOW_INSECURE_URLS = False
    settings.DEBUG = False
    validate_target_url("https://localhost.localdomain.example/hook")  # a name passes here
    with pytest.raises(ValidationError):
        require_public_address("localhost", 443)
