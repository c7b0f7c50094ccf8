"""Pieces the pathway viewsets share: the patient, display names and related values."""

from collections.abc import Callable
from typing import NamedTuple

from django.contrib.auth.models import AbstractUser
from django.db.models import OuterRef, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import ScopedUuidRelatedField, UuidRelatedField, visible
from registry.models import User

from ..models import Admission


# The patient a row is about, by UUID and by name: a base of the ModelSerializers of models
# with a `patient`. No docstring: the schema would give it to every serializer built on it.
class PatientFields(serializers.Serializer):
    patient = UuidRelatedField(read_only=True)
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)


# The admission a row belongs to (a notice's, a meeting's) and its patient: a base of the
# ModelSerializers of models with an `admission`. No docstring, as above.
class AdmissionRecordFields(serializers.Serializer):
    patient = serializers.UUIDField(source="admission.patient.uuid", read_only=True)


def admission_field(help_text: str) -> ScopedUuidRelatedField:
    """The admission by UUID, among those the caller may see (another is "does not exist")."""
    return ScopedUuidRelatedField(queryset=Admission.objects.all(), scope=visible,
                                  help_text=help_text)


def display_name_field(source: str, **kwargs) -> serializers.CharField:
    """Who did it, as people read it (never a user id)."""
    return serializers.CharField(source=f"{source}.display_name", read_only=True,
                                 allow_null=True, **kwargs)


class _Person(NamedTuple):
    """What User.display_name() reads of a user."""

    first_name: str
    last_name: str
    username: str
    get_full_name = AbstractUser.get_full_name


def _display_name(first_name, last_name, username) -> str | None:
    if username is None:  # no user: the relation is null
        return None
    return User.display_name(_Person(first_name, last_name, username))


def display_name_column(relation: str) -> tuple[tuple[str, ...], Callable]:
    """display_name_field for a lean list (common.api.lean, `computed`): the user's
    columns, and User.display_name() of them; null without a user. The same function every
    time: LeanList keeps its plan per serializer and computed fields."""
    return (tuple(f"{relation}__{name}" for name in _Person._fields), _display_name)


def related_value(model, relation: str, attribute: str) -> Subquery:
    """`<relation>.<attribute>` as a scalar subquery, for RelatedValueField: a list that
    joins every table it names in its SELECT gives PostgreSQL a join order to search that
    costs more than running the query (a 9-table join planned in 18 ms, run in 2 ms); a
    subquery is planned on its own, in microseconds."""
    target = model._meta.get_field(relation).related_model
    return Subquery(target.objects.filter(pk=OuterRef(f"{relation}_id"))
                    .order_by().values(attribute)[:1])


class RelatedValueField(serializers.Field):
    """A related row's attribute (its UUID, a code), read from the annotation
    `<relation>_<attribute>` (related_value) when the queryset has it, else from the
    related object."""

    def __init__(self, relation: str, attribute: str = "uuid", **kwargs):
        self.relation, self.attribute = relation, attribute
        kwargs.setdefault("read_only", True)
        super().__init__(source="*", **kwargs)

    def lean_lookup(self, annotations) -> str:
        """The column of a lean list (common.api.lean): the annotation, else the join."""
        annotated = f"{self.relation}_{self.attribute}"
        return annotated if annotated in annotations else f"{self.relation}__{self.attribute}"

    def to_representation(self, instance):
        annotated = f"{self.relation}_{self.attribute}"
        if annotated in instance.__dict__:
            return instance.__dict__[annotated]
        related = getattr(instance, self.relation)
        return getattr(related, self.attribute) if related is not None else None


@extend_schema_field(OpenApiTypes.UUID)
class RelatedUuidField(RelatedValueField):
    """RelatedValueField of a UUID."""


@extend_schema_field(OpenApiTypes.STR)
class RelatedCodeField(RelatedValueField):
    """RelatedValueField of a code."""
