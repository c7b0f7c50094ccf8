"""Organization: the registry, public to every signed-in user and client, found by
organisation number, HER-id or municipality number."""

from functools import reduce
from operator import or_

from django.db.models import Q

from registry.models import Organization

from .. import mapping as m
from .base import NONE, Handler


class OrganizationHandler(Handler):
    type, family = "Organization", "registry"
    patient_path = None
    status_param = None
    identifier_doc = (f"system|value: organisation number ({m.ORGNR_SYSTEM}), HER-id "
                      f"({m.HER_SYSTEM}) or municipality number ({m.MUNICIPALITY_SYSTEM}).")
    FIELDS = {m.ORGNR_SYSTEM: "orgnr", m.HER_SYSTEM: "her_id",
              m.MUNICIPALITY_SYSTEM: "municipality_number"}

    def base(self, user):
        # The registry is public to every signed-in user and client, as in the REST API.
        return Organization.objects.select_related("parent")

    def identifier_condition(self, system, value):
        if system:
            field = self.FIELDS.get(system)
            if field is None:
                return NONE
            return Q(**{field: value}) if value else ~Q(**{field: ""})
        if not value:
            return NONE
        return reduce(or_, (Q(**{f: value}) for f in self.FIELDS.values()))

    def to_fhir(self, obj):
        return m.organization(obj)
