"""Patient: the patients the user may see, found by identity number (fødselsnummer or
D-number) as the REST API finds them."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from pathways.identity import parse_identity_number
from pathways.models import Patient
from registry.models import AuditObjectType

from .. import mapping as m
from ..outcome import invalid
from .base import NONE, Handler


class PatientHandler(Handler):
    type, family, audit_type = "Patient", "patients", AuditObjectType.PATIENT
    patient_path = None
    status_param = None
    identifier_doc = ("system|value: fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) or D-number "
                      "(urn:oid:2.16.578.1.12.4.1.4.2). Send it with POST Patient/_search "
                      "(form-encoded) so that the number stays out of URLs and access logs.")

    def base(self, user):
        return Patient.objects.visible_to(user).select_related("municipality")

    def identifier_condition(self, system, value):
        # As the REST API's search: a number that cannot be one (a mistyped check digit) is a
        # 400 saying what is wrong, not an empty result the client takes for "not here".
        try:
            number = parse_identity_number(value).number
        except ValidationError as exc:
            raise invalid(f"identifier: {' '.join(exc.messages)}", "identifier") from exc
        kind = "dnr" if int(number[:2]) > 40 else "fnr"
        if system and system != m.PATIENT_SYSTEMS[kind]:
            return NONE
        return Q(identity_number=number)

    def to_fhir(self, obj):
        return m.patient(obj)

    def patient_of(self, obj):
        return obj
