"""Serializer bases: input that refuses unknown and read-only fields, and a model serializer
that runs the model's full_clean()."""

import copy
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers


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
