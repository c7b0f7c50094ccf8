"""Shared API pieces: one error envelope, UUID lookups, and a serializer that runs full_clean()."""

import copy
import logging
import re
import uuid
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_basic_type,
    build_choice_description_list,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import StaleVersion, StateConflict
from .ratelimit import RateLimited

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


class PreconditionFailed(exceptions.APIException):
    """412: the If-Match version is not the current one; `etag` tells the client which is."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The record has changed since you read it.")
    default_code = "precondition_failed"

    def __init__(self, detail=None, *, etag: str | None = None):
        super().__init__(detail)
        self.etag = etag


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("This request needs an If-Match header.")
    default_code = "precondition_required"


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


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found.")
    message = serializers.CharField(help_text="Human-readable, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For invalid input: the messages per field name; `body` for unreadable JSON.",
    )


class ErrorEnvelopeSerializer(serializers.Serializer):
    """Only for the schema: the shape of every error response."""

    error = ErrorDetailSerializer()


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error envelope declared for each status code, for extend_schema(responses=...)."""
    descriptions = {
        400: "Invalid input; `fields` names each offending field.",
        401: "No or invalid credentials.",
        403: "Authenticated, but not allowed to do this.",
        404: "No such object, or it lies outside what you may see; in a list, no such page.",
        409: "The step does not fit the record's state (the message says why, e.g. who "
             "acknowledged it first), or a concurrent change conflicted.",
        412: "If-Match does not match the current version; the ETag header carries it.",
        413: "The request body is too large.",
        415: "The body is not JSON (Content-Type: application/json).",
        428: "If-Match is required.",
    }
    return {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=descriptions.get(code, ""))
        for code in codes
    }


# What any operation may answer, whatever its view declares (PortalAutoSchema adds them).
_ANY_OPERATION = {
    401: "No or invalid credentials.",
    403: "Authenticated, but not allowed to do this (e.g. the API client lacks the scope).",
    406: "The Accept header asks for a media type this operation does not produce.",
    429: "Too many requests (per API client; without valid credentials, per address): "
         "wait the seconds in Retry-After.",
}
_WITH_BODY = {
    400: "Invalid input; `fields` names each offending field.",
    413: "The request body is too large.",
    415: "The body is not JSON (Content-Type: application/json).",
}
_PAGED = {
    400: "Invalid input; `fields` names each offending parameter (e.g. a cursor we never "
         "gave out).",
    404: "No such page.",
}
_IDEMPOTENT_POST = {
    400: "Invalid input, or an Idempotency-Key that is not 1 to 255 printable ASCII "
         "characters.",
    409: "A request with this Idempotency-Key is still in progress.",
    422: "This Idempotency-Key was used for another request.",
}

# Every write may conflict: a step that does not fit the record's state (StateConflict), or a
# unique constraint lost to a concurrent request (IntegrityError); exception_handler: 409.
_WRITE = {
    409: "The step does not fit the record's state (the message says why), or a concurrent "
         "change conflicted: read again and retry.",
}
_IF_MATCH = {
    412: "If-Match does not match the current version; the ETag header carries it.",
    428: "If-Match is required.",
}

_IDEMPOTENCY_TOO = {
    400: "Also: an Idempotency-Key that is not 1 to 255 printable ASCII characters.",
    409: "Also: a request with this Idempotency-Key is still in progress.",
}

IDEMPOTENCY_KEY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    pattern=r"^[\x21-\x7e]{1,255}$",
    description="Optional, chosen by you: repeating the POST with the same key and body "
                "acts once and answers the first response again (with Idempotent-Replayed); "
                "the same key with another body is a 422. Keys are kept for a day.",
)
IDEMPOTENT_REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True,
    enum=["true"], description="`true` when this is the stored answer to an earlier request "
                               "with the same Idempotency-Key.",
)


class PortalAutoSchema(AutoSchema):
    """Declares what every operation may answer beyond its own declarations: 401/403/406
    and 429 (with Retry-After) everywhere, 400/413/415 with a body, 400/404 on a paged list,
    the Idempotency-Key of every POST (rehab_portal.idempotency) and its 409/422, and the
    ETag of every 412."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_ANY_OPERATION)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            errors.update(_WITH_BODY)
        if self._is_list_view() and self._get_paginator() is not None:
            errors.update(_PAGED)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors.update(_WRITE)
        if self.method == "POST":
            errors.update(_IDEMPOTENT_POST)
            errors[409] = f"{_WRITE[409]} {_IDEMPOTENCY_TOO[409]}"
        if_match = self._if_match_parameter()
        if if_match is not None:
            errors[412] = _IF_MATCH[412]
            if if_match.required:
                errors[428] = _IF_MATCH[428]
        for code, description in errors.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorEnvelopeSerializer, description=description),
                    str(code), direction=direction)
            elif self.method == "POST" and code in (400, 409):
                # The view's own reason, and the Idempotency-Key's.
                responses[str(code)]["description"] += " " + _IDEMPOTENCY_TOO[code]
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 1},
                "description": "Seconds to wait before the next request.",
            }
        if "412" in responses:
            responses["412"].setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": 'The current version, e.g. W/"4": read the record again.',
            }
        return dict(sorted(responses.items()))

    def _if_match_parameter(self) -> OpenApiParameter | None:
        """The operation's If-Match header (IF_MATCH_HEADER or an optional variant), if any."""
        return next((parameter for parameter in self.get_override_parameters()
                     if isinstance(parameter, OpenApiParameter) and parameter.name == "If-Match"
                     and parameter.location == OpenApiParameter.HEADER), None)


def unexpected_fields(serializer, data, represented=()) -> dict:
    """{name: [message]} for each key of `data` the serializer does not write: read-only
    (one of its read-only fields, or of the resource's representation, `represented`) or
    unknown. Nested serializers and lists of them are checked too, with DRF's error shape."""
    if isinstance(serializer, serializers.ListSerializer):
        if not isinstance(data, list):
            return {}
        errors = [unexpected_fields(serializer.child, item) for item in data]
        return {"": errors} if any(errors) else {}
    if not isinstance(data, Mapping):
        return {}
    fields = serializer.fields
    errors = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only:
            read_only = field is not None or name in represented
            errors[name] = [_("This field is read-only.") if read_only else _("Unknown field.")]
        elif isinstance(field, serializers.BaseSerializer):
            nested = unexpected_fields(field, value)
            if nested:
                errors[name] = nested.get("", nested)
    return errors


class StrictFieldsMixin:
    """Input is refused (400 naming each key) when it holds an unknown field or writes a
    read-only one, rather than silently ignoring it: `"is_admin": true` or a PATCH of
    `status` is a client's mistake it must hear about."""

    def to_internal_value(self, data):
        if self.parent is None:  # the root checks the whole tree at once
            errors = unexpected_fields(self, data, self._represented_fields())
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _represented_fields(self) -> set[str]:
        """The field names of the resource the view shows (its own serializer): sent back in
        a write, they are read-only rather than unknown."""
        view = self.context.get("view")
        if view is None or not hasattr(view, "get_serializer_class"):
            return set()
        shown = view.get_serializer_class()
        if shown is None or isinstance(self, shown):
            return set()
        return set(shown().fields)


class InputSerializer(StrictFieldsMixin, serializers.Serializer):
    """The base of every step's input: unknown and read-only fields are a 400."""


class NoInput(InputSerializer):
    """A step that takes no input: the body is empty or {}; any field in it is a 400, as a
    client that sends one expects it to count (validated_input(view, NoInput))."""


def validated_input(view, serializer_class, *, instance=None, partial=False) -> dict:
    """The request body through a step's serializer, with the view's context: 400 naming
    the fields when invalid (unknown and read-only ones too), and (partial) when it changes
    no field."""
    serializer = serializer_class(instance, data=view.request.data, partial=partial,
                                  context=view.get_serializer_context())
    if not isinstance(serializer, StrictFieldsMixin):
        errors = unexpected_fields(serializer, view.request.data)
        if errors:
            raise serializers.ValidationError(errors)
    serializer.is_valid(raise_exception=True)
    if partial and not serializer.validated_data:
        raise serializers.ValidationError(
            {"non_field_errors": [_("The request changes no field.")]})
    return dict(serializer.validated_data)


class UuidLookupMixin:
    """A malformed UUID in the URL is a 404 like an unknown one, not a 400 or a 500."""

    lookup_field = "uuid"

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs.get(self.lookup_field, "")))
        except ValueError as exc:
            raise exceptions.NotFound() from exc
        return super().get_object()


class SlugRelatedField(serializers.SlugRelatedField):
    """A related object by a slug (a username, a level's code). A NUL character, which no
    slug holds and which PostgreSQL refuses even to compare (a 500), is an invalid value."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class UuidRelatedField(SlugRelatedField):
    """A related object referenced by its public UUID; a malformed one is 'does not exist'."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "uuid")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(data)


class NamedChoiceField(serializers.ChoiceField):
    """Choices that are one named enum in the schema (`enum_name`) wherever they appear.

    drf-spectacular names enums after the field, so `status` or `kind` meaning different
    things on different resources (admission, meeting, organisation ...) would collide."""

    def __init__(self, choices, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = [value for value in field.choices if value not in ("", None)]
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
            schema={"type": "string", "enum": values,
                    "description": build_choice_description_list(
                        (v, label) for v, label in field.choices.items() if v in values)},
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


class _BlankableFormatExtension(OpenApiSerializerFieldExtension):
    """An e-mail or URL field that may be blank: "" is no e-mail address, so the schema says
    "an address, or the empty string" (drf-spectacular would say "an address" only)."""

    format_type = OpenApiTypes.STR

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(self.format_type)
        if self.target.max_length is not None:  # spectacular adds it only beside a "type"
            schema["maxLength"] = self.target.max_length
        if _may_be_blank(self.target):
            return {"anyOf": [schema, {"type": "string", "enum": [""]}]}
        return schema


def _may_be_blank(field) -> bool:
    if field.allow_blank:
        return True
    if not field.read_only:
        return False
    # ModelSerializer drops allow_blank from read-only fields: ask the model field.
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        return model._meta.get_field(field.source).blank
    except (AttributeError, FieldDoesNotExist):
        return True  # read from somewhere we cannot see: do not promise an address


class BlankableEmailFieldExtension(_BlankableFormatExtension):
    target_class = serializers.EmailField
    match_subclasses = True
    format_type = OpenApiTypes.EMAIL


class BlankableUrlFieldExtension(_BlankableFormatExtension):
    target_class = serializers.URLField
    match_subclasses = True
    format_type = OpenApiTypes.URI


class ScopedUuidRelatedField(UuidRelatedField):
    """A related object by UUID among those the requesting user may see (`scope(queryset,
    user)`): one outside the user's scope 'does not exist', exactly like an unknown one."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(super().get_queryset(), getattr(request, "user", None))


_ETAG = re.compile(r'^(?:W/)?"(\d+)"$|^(\d+)$')
ANY_VERSION = "*"


def parse_if_match(header: str | None) -> list[int] | str | None:
    """Versions named in If-Match (`W/"3"`, `"3"` or `3`, comma-separated); ANY_VERSION for
    `*` (RFC 9110 13.1.1: true whenever the resource exists); None if absent.

    Raises PreconditionFailed for a header that cannot name a version.
    """
    if header is None or not header.strip():
        return None
    if header.strip() == ANY_VERSION:
        return ANY_VERSION
    versions = []
    for part in header.split(","):
        match = _ETAG.match(part.strip())
        if match is None:
            raise PreconditionFailed(
                _('If-Match must carry the ETag from your last read, e.g. W/"3".')
            )
        versions.append(int(match.group(1) or match.group(2)))
    return versions


def version_etag(version: int) -> str:
    return f'W/"{version}"'


def require_if_match(request, current_version: int) -> None:
    """428 without If-Match, 412 (with the current ETag) when it names another version.

    Compare with a version read under the row's lock (locked_for_update), not before it."""
    versions = parse_if_match(request.headers.get("If-Match"))
    if versions is None:
        raise PreconditionRequired(_(
            'Send the ETag from your last read in If-Match (e.g. If-Match: W/"%(version)s")'
            " so that you do not overwrite someone else's change."
        ) % {"version": current_version})
    if versions != ANY_VERSION and current_version not in versions:
        raise stale(current_version)


def locked_for_update(instance, request, *, version_field: str = "version", conflict=None):
    """The instance's row, locked until the transaction ends, once the request's If-Match
    names its current version: 428 without If-Match, 412 with the current ETag when stale
    (or `conflict(current, versions)`, an exception that says more). Every API write to a
    versioned document goes through here, inside the transaction that makes the change, so
    that nobody can write between the comparison and the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked_for_update() must run inside transaction.atomic().")
    current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    version = getattr(current, version_field)
    versions = parse_if_match(request.headers.get("If-Match"))
    if conflict is not None and versions not in (None, ANY_VERSION) and version not in versions:
        raise conflict(current, versions)
    require_if_match(request, version)
    return current


def stale(current_version: int) -> PreconditionFailed:
    return PreconditionFailed(
        _("Someone changed the record since you read it; it is now at version %(version)s. "
          "Read it again and reapply your change.") % {"version": current_version},
        etag=version_etag(current_version),
    )


class ValidatedModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Runs the model's full_clean() so the API enforces the same invariants as forms, and
    refuses unknown and read-only fields (StrictFieldsMixin)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance else model()
        for name, value in attrs.items():
            # Many-to-many and reverse relations (nested lists) are not set on the instance.
            if name in concrete:
                setattr(instance, name, value)
        try:
            # Fields the serializer did not receive are the view's or the service's to set.
            instance.full_clean(exclude=[f.name for f in model._meta.fields if f.name not in attrs])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


# -- OpenAPI: the headers of optimistic locking and of creation ------------------------------

def etag_header(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
        description=f'The {what}, e.g. W/"3"; send it back in If-Match to change it.',
    )


def location_header(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201],
        description=f"The new {what}'s URL.",
    )


IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag from your last read, e.g. W/"3" (`*` matches whatever version is '
                "current). Without it: 428; stale: 412 with the current ETag.",
)
