"""API keys for EPJ systems: `Authorization: Bearer rp_<prefix>_<secret>`."""

import hashlib
import hmac
import logging

from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from common.api.throttling import count_key_failure, refuse_if_key_failures_exceeded

from .. import demo_credentials
from ..models import ApiKey

logger = logging.getLogger(__name__)

SCHEME = "Bearer"
KEY_PREFIX = "rp_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme != SCHEME or not token.startswith(KEY_PREFIX):
            return None
        # Failed keys count per address (throttles run only after a successful
        # authentication); over the limit even a good key waits, so guessing gains nothing.
        refuse_if_key_failures_exceeded(request)
        try:
            return self._authenticate_key(token)
        except exceptions.AuthenticationFailed:
            count_key_failure(request)
            raise

    def _authenticate_key(self, token: str):
        try:
            _rp, prefix, secret = token.split("_", 2)
        except ValueError as exc:
            raise exceptions.AuthenticationFailed(gettext("Malformed API key.")) from exc
        if demo_credentials.refused() and demo_credentials.is_demo_api_key(prefix, secret):
            logger.warning("The published demo API key was refused (demo data not allowed)")
            raise exceptions.AuthenticationFailed(gettext("Invalid or revoked API key."))
        key = (
            ApiKey.objects.select_related("client__user", "client__organization")
            .filter(prefix=prefix, revoked_at__isnull=True, client__active=True).first()
        )
        if key is None or not hmac.compare_digest(key.digest, digest(secret)):
            raise exceptions.AuthenticationFailed(gettext("Invalid or revoked API key."))
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        user = key.client.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(gettext("The API client is deactivated."))
        return user, key

    def authenticate_header(self, request):
        return SCHEME
