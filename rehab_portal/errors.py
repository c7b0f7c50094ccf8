"""Error pages: the API's envelope under /api/, the HTML pages everywhere else."""

from django.http import JsonResponse
from django.views import defaults

_API_PREFIXES = ("/api/", "/fhir/")


def _envelope(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}},
                        status=status)


def page_not_found(request, exception):
    if request.path.startswith(_API_PREFIXES):
        return _envelope("not_found", "No such resource.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(_API_PREFIXES):
        return _envelope("server_error", "The server failed; the error is logged.", 500)
    return defaults.server_error(request)
