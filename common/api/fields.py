"""Serializer fields: related objects by public UUID (scoped to what the user may see), and
choices that are one named enum in the schema."""

import uuid

from django.urls import reverse
from rest_framework import exceptions, serializers


class UuidLookupMixin:
    """A malformed UUID in the URL is a 404 like an unknown one, not a 400 or a 500."""

    lookup_field = "uuid"

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs.get(self.lookup_field, "")))
        except ValueError as exc:
            raise exceptions.NotFound() from exc
        return super().get_object()


def detail_url(request, view_name: str, obj) -> str:
    """The absolute URL of `obj` on its detail route (by UUID): a create's Location."""
    return request.build_absolute_uri(reverse(view_name, kwargs={"uuid": obj.uuid}))



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



def visible(queryset, user):
    """The scope of a ScopedUuidRelatedField over a model with `visible_to(user)`."""
    return queryset.visible_to(user)


class ScopedUuidRelatedField(UuidRelatedField):
    """A related object by UUID among those the requesting user may see (`scope(queryset,
    user)`): one outside the user's scope 'does not exist', exactly like an unknown one."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(super().get_queryset(), getattr(request, "user", None))
