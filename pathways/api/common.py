"""Pieces the pathway viewsets share: audited reads and display names."""

from collections.abc import Callable, Iterable

from django.db.models import OuterRef, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import audit
from registry.models import AuditAction

from ..access import grounds
from ..models import Patient


def log_reads(user, objects: Iterable, *, object_type: str,
              patient_of: Callable[[object], Patient], detail: str = "api",
              action: AuditAction = AuditAction.VIEW, basis: dict | None = None) -> None:
    """access.log_patient_access for a page of pathway records: one event per record (not
    per patient: two admissions of one patient are two reads), all in one INSERT, each with
    the care relationship it was read under (`basis`: read with the rows, see
    access.with_grounds; else looked up here)."""
    objects = list(objects)
    if not objects:
        return
    patients = [patient_of(obj) for obj in objects]
    if basis is None:
        basis = grounds(user, {patient.pk for patient in patients})
    entries = []
    for obj, patient in zip(objects, patients, strict=True):
        organization_id, role = basis.get(patient.pk, (None, ""))
        entries.append(audit.Entry(
            object_type=object_type, object_id=str(obj.uuid), patient_uuid=patient.uuid,
            organization_id=organization_id, role=role, detail=detail,
        ))
    audit.record_many(user, action, entries)


def display_name_field(source: str, **kwargs) -> serializers.CharField:
    """Who did it, as people read it (never a user id)."""
    return serializers.CharField(source=f"{source}.display_name", read_only=True,
                                 allow_null=True, **kwargs)




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
