"""The OpenAPI schema's defaults: what every operation may answer (the error envelope, 429,
If-Match's 412/428, Idempotency-Key), the headers of locking and creation, and the field
extensions drf-spectacular needs for named enums and blankable formats."""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_basic_type,
    build_choice_description_list,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from .fields import NamedChoiceField


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
    the Idempotency-Key of every POST (common.idempotency) and its 409/422, and the
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
# The first wording, which the patients' and the webhook subscriptions' changes still publish.
SHORT_IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag from your last read, e.g. W/"3". Without it: 428; stale: 412.',
)


# -- The operations' declarations: what each kind answers ------------------------------------

# The error codes each kind of operation declares (error_responses); a view names others
# where its operation differs (errors=...).
LIST_ERRORS = (400, 401, 404)
READ_ERRORS = (401, 404)
CREATE_ERRORS = (400, 401, 403, 409, 413)
STEP_ERRORS = (400, 401, 403, 404, 409, 413)
LOCKED_ERRORS = (400, 401, 403, 404, 409, 412, 413, 428)


def _operation(responses: dict, errors, **kwargs):
    return extend_schema(responses={**responses, **error_responses(*errors)}, **kwargs)


def list_schema(serializer, summary: str, description: str | None = None, *,
                errors=LIST_ERRORS, **kwargs):
    """A list: a page of `serializer`'s rows (extend_schema's keywords pass through)."""
    return _operation({200: serializer(many=True)}, errors, summary=summary,
                      description=description, **kwargs)


def retrieve_schema(serializer, summary: str, description: str | None = None, *,
                    errors=READ_ERRORS, **kwargs):
    """One row, as `serializer` shows it."""
    return _operation({200: serializer}, errors, summary=summary, description=description,
                      **kwargs)


def create_schema(serializer, summary: str, description: str | None = None, *, location: str,
                  parameters=(), errors=CREATE_ERRORS, also: dict | None = None, **kwargs):
    """A create: 201 with the new `location` (what it is, for its Location header), and the
    answers `also` names besides."""
    return _operation({201: serializer, **(also or {})}, errors, summary=summary,
                      description=description,
                      parameters=[*parameters, location_header(location)], **kwargs)


def locked_schema(responses: dict, summary: str, description: str | None = None, *,
                  etag: OpenApiParameter, if_match: OpenApiParameter = IF_MATCH_HEADER,
                  parameters=(), errors=LOCKED_ERRORS, **kwargs):
    """A change under optimistic locking: If-Match names the version read, `etag` the new
    one; `responses` what it answers on success."""
    return _operation(responses, errors, summary=summary, description=description,
                      parameters=[if_match, etag, *parameters], **kwargs)


def step_schema(responses: dict, summary: str, description: str | None = None, *,
                errors=STEP_ERRORS, **kwargs):
    """A step on a record that takes no If-Match: `responses` what it answers on success."""
    return _operation(responses, errors, summary=summary, description=description, **kwargs)


def uuid_path_parameter(name: str, what: str) -> OpenApiParameter:
    """A sub-record named by its UUID in the URL (a plan's goal, a meeting's task)."""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description=f"The {what}'s UUID.")
