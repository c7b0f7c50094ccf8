"""Shared API pieces: one error envelope, pagination, and a serializer that runs full_clean()."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail) -> dict[str, list[str]] | list[str] | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc, context):
    """Every error answers {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        message = "The request has invalid fields: " + ", ".join(fields) + "."
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        message = str(detail) if not isinstance(detail, dict | list) else str(_flatten(detail))
        if isinstance(exc, exceptions.ParseError):
            fields = {"body": [message]}
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() so the API enforces the same invariants as forms."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        m2m = {f.name for f in model._meta.many_to_many}
        instance = copy.copy(self.instance) if self.instance else model()
        for name, value in attrs.items():
            if name not in m2m:
                setattr(instance, name, value)
        try:
            # Fields the serializer did not receive are the view's or the service's to set.
            instance.full_clean(exclude=[f.name for f in model._meta.fields if f.name not in attrs])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

