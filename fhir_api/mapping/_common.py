"""What every resource's mapping shares: FHIR's date formats, references, meta, contact
points, and dropping the empty elements FHIR forbids."""

import datetime

from pathways.models import Patient
from registry.models import Organization


def instant(moment: datetime.datetime | None) -> str | None:
    """FHIR instant/dateTime: seconds precision with offset, in UTC."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def ref(resource_type: str, obj, display: str | None = None) -> dict:
    reference = {"reference": f"{resource_type}/{obj.uuid}"}
    if display:
        reference["display"] = display
    return reference


def patient_ref(patient: Patient) -> dict:
    return ref("Patient", patient, patient.full_name)


def org_ref(organization: Organization | None) -> dict | None:
    return ref("Organization", organization, organization.name) if organization else None


def meta(last_updated: datetime.datetime, version: int | None = None) -> dict:
    resource_meta = {"lastUpdated": instant(last_updated)}
    if version is not None:
        resource_meta["versionId"] = str(version)
    return resource_meta


def telecom(holder: Patient | Organization) -> list[dict]:
    """The phone number, then the e-mail address, of a patient or an organisation."""
    points = []
    if holder.phone:
        points.append({"system": "phone", "value": holder.phone})
    if holder.email:
        points.append({"system": "email", "value": holder.email})
    return points


def compact(resource: dict) -> dict:
    """Drop empty elements: FHIR forbids empty strings, lists and objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}
