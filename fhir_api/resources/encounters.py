"""Encounter: the admissions the user may see; created by POST (fhir_api.create)."""

from pathways.models import Admission
from registry.models import AuditObjectType

from .. import mapping as m
from .base import Handler


class EncounterHandler(Handler):
    type, family, audit_type = "Encounter", "pathways", AuditObjectType.ADMISSION
    status_map = m.ENCOUNTER_STATUS
    create = True

    def base(self, user):
        return (Admission.objects.visible_to(user)
                .select_related("patient", "hospital", "ward", "discharge_level"))

    def to_fhir(self, obj):
        return m.encounter(obj)
