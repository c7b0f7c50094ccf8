"""Organization: a hospital, health trust, municipality or other provider of the registry,
named by its organisation number, HER-id and municipality number."""

from registry.models import Organization

from ._common import compact, meta, org_ref, telecom
from .systems import HER_SYSTEM, MUNICIPALITY_SYSTEM, ORGANIZATION_KIND_SYSTEM, ORGNR_SYSTEM


def organization(org: Organization) -> dict:
    identifiers = [{"use": "official", "system": ORGNR_SYSTEM, "value": org.orgnr}]
    if org.her_id:
        identifiers.append({"system": HER_SYSTEM, "value": org.her_id})
    if org.municipality_number:
        identifiers.append({"system": MUNICIPALITY_SYSTEM, "value": org.municipality_number})
    return compact({
        "resourceType": "Organization",
        "id": str(org.uuid),
        "meta": meta(org.updated_at),
        "identifier": identifiers,
        "active": True,
        "type": [{"coding": [{"system": ORGANIZATION_KIND_SYSTEM, "code": org.kind,
                              "display": str(org.get_kind_display())}]}],
        "name": org.name,
        "telecom": telecom(org),
        "address": [{"text": org.address}] if org.address else [],
        "partOf": org_ref(org.parent) if org.parent_id else None,
    })
