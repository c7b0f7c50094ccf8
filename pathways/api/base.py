"""The base of every API resource whose rows belong to a patient.

One class holds what each such resource must do alike, so that a new one cannot forget it:
- deny by default: get_queryset() is the model's `visible_to(user)`, shaped by scope(); a
  subclass that defines get_queryset() is refused when the class is made;
- audited reads: list() and retrieve() record one access-log event per row shown, under
  the care relationship it was read on (access.audit_reads);
- the ETag of the row's version on every answer that shows one row (record_response), and
  locked(): the row locked for the caller's transaction once the user may change it (403
  first) and If-Match names its current version (428, 412).

A list is written from the serializer's columns without model instances when the class
names `lean_computed` (common.api.lean.LeanList): the admissions and early notices, whose
lists are long.
"""

from collections.abc import Callable
from operator import attrgetter

from django.db import models
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from common.api.concurrency import locked_for_update, version_etag
from common.api.fields import UuidLookupMixin
from common.api.lean import LeanList
from registry.models import AuditObjectType

from .. import access

# What a lean page reads besides its fields: the row's key, its patient and the grounds of
# the read for the audit (access.with_grounds), and the position of the sync cursor.
LEAN_AUDIT_COLUMNS = ("uuid", "grounds_organization_id", "grounds_user_id", "updated_at")


class PatientRecordViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    model: type[models.Model]  # its manager's queryset has visible_to(user)
    audit_object_type: AuditObjectType  # what the access log calls a row
    patient_path: str | None = "patient"  # from a row to its patient; None: it is the patient
    version_field: str | None = "version"  # the row's version for ETag and If-Match
    # A lean list: {field: (columns, function)} for the fields that are no column (LeanList).
    lean_computed: dict[str, tuple[tuple[str, ...], Callable]] | None = None
    # Relations whose columns a lean list reads after the page, by key (LeanList's `apart`):
    # scope() must then not join them for the list.
    lean_apart: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: shape the visible rows in scope(); "
                            "get_queryset() is the care relationships' (visible_to).")
        missing = [name for name in ("model", "audit_object_type") if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"{cls.__name__} names no {' and no '.join(missing)}.")

    def get_queryset(self):
        # Deny by default: the user's care relationships decide, and anything else is a 404.
        user = self.request.user
        if not (user and user.is_authenticated):  # the schema's generator, or no login
            return self.model.objects.none()
        return self.scope(self.model.objects.visible_to(user))

    def scope(self, queryset):
        """The visible rows as this resource reads them (joins, prefetches, order, and any
        narrower rule of its own)."""
        return queryset

    def present(self, record):
        """The row as the detail serializer reads it (what scope() cannot join)."""
        return record

    def patient_of(self, record):
        if self.patient_path is None:
            return record
        return attrgetter(self.patient_path.replace("__", "."))(record)

    # -- Reads --------------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if self.lean_computed is not None:
            return self._lean_list(request, queryset)
        page = self.paginate_queryset(queryset)
        if page is None:
            page = list(queryset)
        self.audit_reads(page, detail="api list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _lean_list(self, request, queryset):
        # The serializer's JSON from the columns it shows, without model instances (a third
        # of the request: make bench, profile); the audit's columns in the same query.
        path = self.patient_path
        queryset = access.with_grounds(queryset, request.user, patient_field=path)
        lean = LeanList(self.get_serializer(), queryset, computed=self.lean_computed,
                        also=(*LEAN_AUDIT_COLUMNS, path, f"{path}__uuid"),
                        apart=self.lean_apart)
        page = lean.page(self)
        key, uuid_of = attrgetter(path), attrgetter(f"{path}__uuid")
        access.audit_reads(request.user, page, object_type=self.audit_object_type,
                           patient_of=lambda row: access.PatientKey(key(row), uuid_of(row)),
                           detail="api list")
        return self.get_paginated_response(lean.represent(page))

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        self.audit_reads([record])
        return self.record_response(record, read_again=False)

    def audit_reads(self, records, **kwargs) -> None:
        """One access-log event per record shown (audit_reads' keywords: action, detail)."""
        access.audit_reads(self.request.user, records, object_type=self.audit_object_type,
                           patient_of=self.patient_of, **{"detail": "api", **kwargs})

    def record_response(self, record, status_code=status.HTTP_200_OK, *, read_again=True,
                        **headers):
        """One row as the serializer shows it, with the ETag of its version. A row that a
        service returns is read again through scope() for what the serializer joins (if the
        change took the writer's access away, what was written is shown)."""
        if read_again:
            record = self.get_queryset().filter(pk=record.pk).first() or record
        record = self.present(record)
        if self.version_field is not None:
            headers = {"ETag": version_etag(getattr(record, self.version_field)), **headers}
        return Response(self.get_serializer(record).data, status=status_code, headers=headers)

    # -- Writes -------------------------------------------------------------------------------

    def locked(self, request, may: Callable[[object, object], None] | None = None, *,
               record=None, **kwargs):
        """The row (`record`, else the URL's), locked for the caller's transaction, once
        `may(user, row)` lets the user change it (403 first) and If-Match names its current
        version (428, 412); locked_for_update's keywords (conflict) pass through."""
        record = record if record is not None else self.get_object()
        if may is not None:
            may(request.user, record)
        return locked_for_update(record, request, version_field=self.version_field, **kwargs)
