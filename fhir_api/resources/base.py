"""What every resource type's handler shares: reading one row by its id, the common search
parameters (_id, _lastUpdated, patient, status, identifier, references) as filters, paging
and auditing reads."""

import uuid
from functools import reduce
from operator import and_, attrgetter, or_

from django.db.models import Q
from django.utils.translation import gettext as _

from pathways import access
from pathways.models import Patient
from registry import audit
from registry.models import AuditAction

from .. import paging
from ..outcome import invalid, not_found
from ..search import SearchParam, alternatives, date_filter, reference_uuids, token

NONE = Q(pk__in=[])

ID = SearchParam("_id", "token", "The logical id.")
LAST_UPDATED = SearchParam("_lastUpdated", "date", "When the resource last changed "
                           "(eq, ne, gt, ge, lt, le; a date is that day in Europe/Oslo).")
PATIENT = SearchParam("patient", "reference", "Patient/<id> or <id>; comma-separated for any "
                      "of several.")


def unknown_parameter(name: str, resource_type: str):
    return invalid(_("Unknown search parameter %(name)r for %(type)s.") % {
        "name": name, "type": resource_type}, name)


def uuids(value: str) -> list[uuid.UUID]:
    """The comma-separated values that are UUIDs (an _id that is none matches nothing)."""
    found = []
    for part in alternatives(value):
        try:
            found.append(uuid.UUID(part))
        except ValueError:
            continue
    return found


def referring(path: str, value: str, resource_type: str, name: str) -> Q:
    """The rows whose `path` leads to one of the resources a reference parameter names."""
    return Q(**{f"{path}__uuid__in": reference_uuids(value, resource_type, name)})


def by_uuid(queryset, text: str):
    """The row with that uuid, or a 404 alike for a malformed id and one out of scope."""
    try:
        key = uuid.UUID(text)
    except ValueError as exc:
        raise not_found() from exc
    obj = queryset.filter(uuid=key).first()
    if obj is None:
        raise not_found()
    return obj


class Handler:
    """A resource type over one model."""

    type = ""
    family = ""  # the API client scope family
    audit_type: str | None = None  # None: not patient data, reads are not audited
    last_updated = "updated_at"
    # The searchset's order, descending: the last-updated time, then a unique tie-breaker
    # (an index on these columns serves it; see fhir_api/paging.py).
    order: tuple[str, ...] = ("updated_at", "uuid")
    patient_path: str | None = "patient"
    status_param: str | None = "status"
    status_map: dict | None = None
    status_doc = ""
    identifier_doc = ""
    # Search parameters naming the resource a row belongs to: {name: (its type, the path to
    # its row, what the parameter finds)}.
    references: dict[str, tuple[str, str, str]] = {}
    create = False

    def base(self, user):
        raise NotImplementedError

    def to_fhir(self, obj) -> dict:
        raise NotImplementedError

    def patient_of(self, obj) -> Patient:
        """The resource's patient, along patient_path (the patient search's)."""
        return attrgetter(self.patient_path.replace("__", "."))(obj)

    def id_of(self, obj) -> str:
        return str(obj.uuid)

    # -- reading --------------------------------------------------------------------------

    def get(self, user, resource_id: str):
        return by_uuid(self.base(user), resource_id)

    # -- searching ------------------------------------------------------------------------

    def search_params(self) -> list[SearchParam]:
        params = [ID, LAST_UPDATED]
        if self.patient_path:
            params.append(PATIENT)
        if self.status_param:
            codes = ", ".join(sorted(set(self.status_map.values())))
            params.append(SearchParam(self.status_param, "token",
                                      self.status_doc or f"The status: {codes}."))
        if self.identifier_doc:
            params.append(SearchParam("identifier", "token", self.identifier_doc))
        params += [SearchParam(name, "reference", doc)
                   for name, (_type, _path, doc) in self.references.items()]
        return params + self.extra_params()

    def extra_params(self) -> list[SearchParam]:
        return []

    def status_values(self, value: str) -> list:
        reverse: dict[str, list] = {}
        for model_value, code in self.status_map.items():
            reverse.setdefault(code, []).append(model_value)
        values = []
        for code in alternatives(value):
            if code not in reverse:
                raise invalid(_("%(name)s: unknown code %(code)r; use one of %(codes)s.") % {
                    "name": self.status_param, "code": code,
                    "codes": ", ".join(sorted(reverse))}, self.status_param)
            values.extend(reverse[code])
        return values

    def condition(self, name: str, value: str) -> Q:
        """The filter for one occurrence of a parameter (occurrences are ANDed)."""
        if name == "_id":
            return Q(uuid__in=uuids(value))
        if name == "_lastUpdated":
            return date_filter(self.last_updated, value, name)
        if name == "patient" and self.patient_path:
            return referring(self.patient_path, value, "Patient", name)
        if name in self.references:
            resource_type, path, _doc = self.references[name]
            return referring(path, value, resource_type, name)
        if name == self.status_param and self.status_param:
            return self.status_condition(self.status_values(value))
        if name == "identifier" and self.identifier_doc:
            return reduce(or_, (self.identifier_condition(*token(v))
                                for v in alternatives(value)))
        raise unknown_parameter(name, self.type)

    def status_condition(self, values: list) -> Q:
        return Q(status__in=values)

    def identifier_condition(self, system: str | None, value: str) -> Q:
        return NONE

    def filtered(self, user, params: list[tuple[str, str]]):
        conditions = [self.condition(name, value) for name, value in params]
        queryset = self.base(user)
        if conditions:
            queryset = queryset.filter(reduce(and_, conditions))
        return queryset

    def page(self, user, params, page: paging.Paging) -> paging.Page:
        return paging.fetch(self.filtered(user, params), self.order, page)

    def key_of(self, obj) -> tuple:
        """The entry's place in the order, for the cursor of the links."""
        return paging.key_of(obj, self.order)

    def audit(self, user, objects: list, detail: str) -> None:
        """Every read of patient data: one event per resource, as in every channel
        (access.audit_reads), named by its FHIR id."""
        if self.audit_type and objects:
            access.audit_reads(user, objects, object_type=self.audit_type,
                               patient_of=self.patient_of, detail=detail,
                               object_id_of=self.id_of)

    def audit_search(self, user, detail: str) -> None:
        """A search of patient data that returned nothing: logged all the same, without the
        values searched for (they can be identity numbers)."""
        if self.audit_type:
            audit.record(user, AuditAction.SEARCH, self.audit_type, detail=detail)
