"""Patient: the identity number (fødselsnummer or D-number), name, contact points, the home
municipality as no-basis' municipality code, and the need for an interpreter."""

from pathways.models import Patient

from ._common import compact, day, meta, telecom
from .systems import (
    INTERPRETER_EXTENSION,
    MUNICIPALITY_EXTENSION,
    MUNICIPALITY_SYSTEM,
    PATIENT_SYSTEMS,
)


def patient(p: Patient) -> dict:
    municipality = p.municipality
    address = {"use": "home", "district": municipality.name, "extension": [{
        "url": MUNICIPALITY_EXTENSION,
        "valueCoding": {"system": MUNICIPALITY_SYSTEM, "code": municipality.municipality_number,
                        "display": municipality.name},
    }]}
    if p.address:
        address["text"] = p.address
    resource = {
        "resourceType": "Patient",
        "id": str(p.uuid),
        "meta": meta(p.updated_at, p.version),
        "identifier": [{"use": "official", "system": PATIENT_SYSTEMS[p.identity_kind],
                        "value": p.identity_number}],
        "name": [{"use": "official", "text": p.full_name, "family": p.family_name,
                  "given": p.given_name.split()}],
        "telecom": telecom(p),
        "birthDate": day(p.birth_date),
        "address": [address],
    }
    if p.needs_interpreter:
        resource["extension"] = [{"url": INTERPRETER_EXTENSION, "valueBoolean": True}]
        resource["communication"] = [{"language": {"text": p.interpreter_language},
                                      "preferred": True}]
    return compact(resource)
