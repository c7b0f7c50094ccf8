import re
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from . import context
from .client_ip import client_ip

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def channel(path: str) -> str:
    """The request's channel in the audit trail: "api", "citizen" (the patient's own door,
    settings.CITIZEN_URL_PREFIX) or "web"."""
    if path.startswith(("/api/", "/fhir/")):
        return "api"
    prefix = getattr(settings, "CITIZEN_URL_PREFIX", "")
    if prefix and path.startswith(prefix):
        return "citizen"
    return "web"


class RequestContextMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        via = channel(request.path)
        token = context.activate(
            context.RequestContext(request_id, client_ip(request) or None, via)
        )
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response


class BodySizeLimitMiddleware:
    """Refuses oversized bodies up front with a 413 that names the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            # Before LocaleMiddleware (the body must not be read first): its language choice.
            with translation.override(request_language(request)):
                message = _("The request body is larger than %(limit)s bytes.") % {
                    "limit": limit}
            if request.path.startswith("/fhir/"):
                return JsonResponse({"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "too-costly", "diagnostics": message}]},
                    status=413, content_type="application/fhir+json")
            return JsonResponse(
                {"error": {"code": "request_too_large", "message": message, "fields": {}}},
                status=413,
            )
        return self.get_response(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Bokmål unless the person chose otherwise with the language switch (its cookie).

    The browser's Accept-Language is ignored on pages, so a Norwegian clerk with an English
    browser still gets the Norwegian portal; API clients, which have no switch, may ask for
    a language with Accept-Language.
    """

    def process_request(self, request):
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def request_language(request) -> str:
    """The language of the answer: Accept-Language (or the switch's cookie) under /api/ and
    /fhir/, on pages the switch's cookie only; bokmål by default."""
    if request.path.startswith(("/api/", "/fhir/")):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
