"""Error pages: the API's envelope under /api/, an OperationOutcome under /fhir/, the HTML
pages everywhere else; in the request's language."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

_API_PREFIX = "/api/"
_FHIR_PREFIX = "/fhir/"


def _error(request, code: str, fhir_code: str, message: str, status: int) -> JsonResponse:
    if request.path.startswith(_FHIR_PREFIX):
        return JsonResponse({"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": fhir_code, "diagnostics": message}]},
            status=status, content_type="application/fhir+json")
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}},
                        status=status)


def page_not_found(request, exception):
    if request.path.startswith((_API_PREFIX, _FHIR_PREFIX)):
        return _error(request, "not_found", "not-found", _("No such resource."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith((_API_PREFIX, _FHIR_PREFIX)):
        return _error(request, "server_error", "exception",
                      _("The server failed; the error is logged."), 500)
    return defaults.server_error(request)
