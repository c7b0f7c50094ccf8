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
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
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
