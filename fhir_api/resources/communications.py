"""Communication: the early notifications the user may see, by their admission's Encounter;
created by POST (fhir_api.create)."""

from django.db.models import Q

from pathways.models import EarlyNotification
from registry.models import AuditObjectType

from .. import mapping as m
from .base import Handler


class CommunicationHandler(Handler):
    type, family, audit_type = "Communication", "pathways", AuditObjectType.EARLY_NOTIFICATION
    status_map = m.COMMUNICATION_STATUS
    patient_path = "admission__patient"
    create = True
    references = {"encounter": ("Encounter", "admission",
                                "Encounter/<id>: the admission's notices.")}

    def base(self, user):
        return (EarlyNotification.objects.visible_to(user)
                .select_related("admission__patient", "admission__hospital",
                                "admission__municipality", "proposed_level"))

    def status_condition(self, values):
        return Q(state__in=values)

    def to_fhir(self, obj):
        return m.communication(obj)
