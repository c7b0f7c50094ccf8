"""Errors as FHIR OperationOutcome, with the HTTP status FHIR's RESTful API asks for."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from common.exceptions import StaleVersion, StateConflict
from common.ratelimit import RateLimited

logger = logging.getLogger(__name__)


class FhirError(Exception):
    """An error with its status, OperationOutcome issue code and the FHIRPath of the
    offending element (or search parameter)."""

    def __init__(self, status_code: int, diagnostics: str, *, code: str = "invalid",
                 expression: list[str] | str | None = None):
        super().__init__(diagnostics)
        self.status_code = status_code
        self.diagnostics = diagnostics
        self.code = code
        if isinstance(expression, str):
            expression = [expression]
        self.expression = expression or []


def invalid(diagnostics: str, expression=None) -> FhirError:
    return FhirError(400, diagnostics, code="invalid", expression=expression)


def business_rule(diagnostics: str, expression=None) -> FhirError:
    return FhirError(422, diagnostics, code="business-rule", expression=expression)


def not_found(diagnostics: str | None = None) -> FhirError:
    return FhirError(404, diagnostics or _("No such resource."), code="not-found")


def outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def issue(code: str, diagnostics: str, expression: list[str] | None = None,
          severity: str = "error") -> dict:
    item = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        item["expression"] = expression
    return item


def _messages(exc: DjangoValidationError) -> list[tuple[str | None, str]]:
    if hasattr(exc, "error_dict"):
        return [(None if field == "__all__" else field, message)
                for field, errors in exc.message_dict.items() for message in errors]
    return [(None, message) for message in exc.messages]


def exception_handler(exc, context):
    """DRF's exception handler for the FHIR views: every error is an OperationOutcome."""
    view = context.get("view")
    field_paths = getattr(view, "field_paths", None) or {}
    headers = {}
    if isinstance(exc, FhirError):
        status_code = exc.status_code
        issues = getattr(exc, "issues", None) or [issue(exc.code, exc.diagnostics,
                                                        exc.expression)]
    elif isinstance(exc, Http404 | exceptions.NotFound):
        status_code, issues = 404, [issue("not-found", _("No such resource."))]
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        status_code, issues = 401, [issue("login", str(exc.detail))]
        authenticate = view.get_authenticate_header(context["request"]) if view else None
        if authenticate:
            headers["WWW-Authenticate"] = authenticate
        else:
            status_code = 403
    elif isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        message = str(exc.detail) if isinstance(exc, exceptions.APIException) else (
            str(exc) or _("You may not do this."))
        status_code, issues = 403, [issue("forbidden", message)]
    elif isinstance(exc, StaleVersion):
        # As in REST: the version the client edited is not the current one (412 + ETag).
        status_code, issues = 412, [issue("conflict", exc.message)]
        headers["ETag"] = f'W/"{exc.current_version}"'
    elif isinstance(exc, StateConflict):
        # As in REST: the step does not fit the record's state now (409), which is not a
        # business rule the resource broke (422).
        path = field_paths.get(exc.field) if exc.field else None
        status_code, issues = 409, [issue("conflict", exc.message, [path] if path else None)]
    elif isinstance(exc, DjangoValidationError):
        status_code = 422
        issues = []
        for field, message in _messages(exc):
            path = field_paths.get(field) if field else None
            issues.append(issue("business-rule", message, [path] if path else None))
    elif isinstance(exc, IntegrityError):
        # The database's message can quote a value (an identity number): not logged.
        logger.warning("Integrity error in a FHIR request answered with 409")
        status_code, issues = 409, [issue("conflict", _(
            "The request conflicts with a change made at the same time; retry."))]
    elif isinstance(exc, exceptions.MethodNotAllowed):
        status_code, issues = 405, [issue("not-supported", str(exc.detail))]
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        status_code, issues = 415, [issue("not-supported", str(exc.detail))]
    elif isinstance(exc, exceptions.NotAcceptable):
        status_code, issues = 406, [issue("not-supported", _(
            "Only JSON is supported (application/fhir+json)."))]
    elif isinstance(exc, exceptions.ParseError):
        # The parser's message says what is wrong with the body (common.api.parsers).
        status_code, issues = 400, [issue("structure", str(exc.detail))]
    elif isinstance(exc, exceptions.Throttled):
        status_code, issues = 429, [issue("throttled", str(RateLimited.of(exc).detail))]
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        issues = [issue("processing", str(exc.detail))]
    else:
        # A bug: logged with its traceback as Django would, answered in FHIR's format rather
        # than the REST API's envelope from handler500.
        logger.error("Unexpected error in a FHIR request", exc_info=exc)
        set_rollback()
        status_code, issues = 500, [issue("exception", _(
            "The server failed; the error is logged."))]
    if isinstance(exc, exceptions.APIException) and getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(outcome(issues), status=status_code, headers=headers)


def not_found_response() -> Response:
    return Response(outcome([issue("not-found", _("No such resource."))]),
                    status=status.HTTP_404_NOT_FOUND)
