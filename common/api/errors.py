"""One error envelope for the whole API: {"error": {"code", "message", "fields"}}."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import StaleVersion, StateConflict
from common.ratelimit import RateLimited

from .concurrency import stale

logger = logging.getLogger(__name__)



def _flatten(detail) -> dict[str, list[str]] | list[str] | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)



def _field_messages(detail, prefix: str = "", into: dict | None = None) -> dict[str, list[str]]:
    """Flatten DRF's error tree to {field: [messages]}: nested fields get dotted names
    (`next_of_kin.0.name`), a nested object's own errors go under its name, and Django's
    `__all__` becomes `non_field_errors`."""
    into = {} if into is None else into
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", NON_FIELD_ERRORS):
                name = prefix or "non_field_errors"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            _field_messages(value, name, into)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                _field_messages(item, f"{prefix}.{index}" if prefix else str(index), into)
            else:
                _field_messages(item, prefix, into)
    else:
        into.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return into



class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with a change made at the same time.")
    default_code = "conflict"



def exception_handler(exc, context):
    """Every error answers {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        # Raised by services; keep their message, which says what the user may not do.
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, StaleVersion):
        exc = stale(exc.current_version)
    if isinstance(exc, StateConflict):
        conflict = Conflict(exc.message, code=exc.code)
        conflict.field = exc.field
        exc = conflict
    if isinstance(exc, exceptions.Throttled):
        exc = RateLimited.of(exc)  # 429 + Retry-After, in the request's language
    if isinstance(exc, IntegrityError):
        # A unique constraint lost a race that full_clean() could not see; the
        # service's transaction has rolled back, so the client may simply retry. The
        # database's message is not logged: it can quote the offending value.
        view = context.get("view")
        logger.warning("Integrity error in %s answered with 409", type(view).__name__)
        exc = Conflict()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _field_messages(detail)
        message = _("The request has invalid fields: %(fields)s.") % {
            "fields": ", ".join(fields)
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        message = str(detail) if not isinstance(detail, dict | list) else str(_flatten(detail))
        if isinstance(exc, exceptions.ParseError):
            fields = {"body": [message]}
        if getattr(exc, "field", None):
            fields = {exc.field: [message]}
    if getattr(exc, "etag", None):
        response["ETag"] = exc.etag
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
