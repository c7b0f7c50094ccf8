"""The API's rate limits (settings.RATE_LIMITS), for REST and FHIR alike.

DRF authenticates before it checks permissions and throttles, and a request without valid
credentials ends at a 401 there; so what concerns unauthenticated requests is counted during
authentication: `AnonymousRateLimit` comes last in DEFAULT_AUTHENTICATION_CLASSES and counts
the requests no authenticator claimed, and ApiKeyAuthentication counts failed keys
(`api_key_failures`). Authenticated clients are limited by `ClientRateThrottle`.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, throttling

from common.client_ip import client_ip
from common.ratelimit import Limit, RateLimited

API_CLIENT = Limit("api_client")
API_ANONYMOUS = Limit("api_anonymous")
API_KEY_FAILURES = Limit("api_key_failures")


class ClientRateThrottle(throttling.BaseThrottle):
    """Requests per authenticated user (an EPJ system's API client, or a signed-in person)."""

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return True  # counted by AnonymousRateLimit
        self._wait = API_CLIENT.hit(f"user:{request.user.pk}")
        return self._wait is None

    def wait(self):
        return self._wait


class AnonymousRateLimit(authentication.BaseAuthentication):
    """Authenticates nobody: counts the requests that no authenticator before it claimed, per
    address, and answers 429 over the limit (before the 401 the request would get)."""

    def authenticate(self, request):
        received = request._request
        if not hasattr(received, "request_id"):
            # Not received from a client (RequestContextMiddleware marks those): a request
            # the schema generator makes up for each view must not count.
            return None
        if not hasattr(received, "anonymous_rate_wait"):  # once per request received
            received.anonymous_rate_wait = API_ANONYMOUS.hit(f"address:{client_ip(request)}")
        if received.anonymous_rate_wait is not None:
            raise RateLimited(received.anonymous_rate_wait)
        return None


def refuse_if_key_failures_exceeded(request) -> None:
    """429 while this address is over its limit of failed API keys (even for a good key)."""
    wait = API_KEY_FAILURES.exceeded(f"address:{client_ip(request)}")
    if wait is not None:
        raise RateLimited(wait)


def count_key_failure(request) -> None:
    API_KEY_FAILURES.hit(f"address:{client_ip(request)}")


class AnonymousRateLimitScheme(OpenApiAuthenticationExtension):
    """Not a way to authenticate: nothing in the schema's security (its 429 is declared by
    PortalAutoSchema)."""

    target_class = AnonymousRateLimit
    name: list[str] = []

    def get_security_definition(self, auto_schema):
        return []

    def get_security_requirement(self, auto_schema):
        return None
