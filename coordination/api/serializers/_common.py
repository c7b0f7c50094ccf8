"""What the KE's serializers share: a colleague by username, a coordinator by UUID (both
among the requester's organisations) and the fields of a municipality's record."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.api.fields import ScopedUuidRelatedField, SlugRelatedField, UuidRelatedField
from pathways.api.common import PatientFields
from registry.models import Organization

from ...models import Coordinator


def _colleagues(queryset, user):
    """Coordinators (or users) of the organisations the requesting user works for."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    organizations = Organization.objects.filter(memberships__user=user)
    if queryset.model is Coordinator:
        return queryset.filter(organization__in=organizations)
    return queryset.filter(memberships__organization__in=organizations).distinct()


class ColleagueField(SlugRelatedField):
    """A user of one of the requester's organisations, by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return _colleagues(super().get_queryset(), getattr(request, "user", None))


def coordinator_field(**kwargs):
    return ScopedUuidRelatedField(queryset=Coordinator.objects.select_related(
        "user", "organization"), scope=_colleagues, **kwargs)


# A municipality's record about a patient (a request, a plan). No docstring: the schema would
# give it to the serializers built on it.
class MunicipalRecordSerializer(PatientFields, serializers.ModelSerializer):
    municipality = UuidRelatedField(read_only=True)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
