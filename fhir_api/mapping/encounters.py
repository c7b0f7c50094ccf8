"""Encounter: an admission, its status, and where the patient went on discharge (HL7's
discharge disposition, the portal's destination and the pyramid level)."""

from pathways.models import Admission, AdmissionStatus, DischargeDestination

from ._common import compact, instant, meta, org_ref, patient_ref
from .systems import (
    ACT_CODE_SYSTEM,
    DISCHARGE_DESTINATION_SYSTEM,
    DISPOSITION_SYSTEM,
    SERVICE_LEVEL_SYSTEM,
    WARD_CODE_SYSTEM,
)

ENCOUNTER_STATUS = {
    AdmissionStatus.ADMITTED: "in-progress",
    AdmissionStatus.READY_FOR_DISCHARGE: "in-progress",
    AdmissionStatus.DISCHARGED: "finished",
    AdmissionStatus.TRANSFERRED: "finished",
    AdmissionStatus.DECEASED: "finished",
    # The stay never was (a PLO cancel, or the ward's correction): FHIR's own status for it.
    AdmissionStatus.ENTERED_IN_ERROR: "entered-in-error",
}
DISPOSITION = {
    DischargeDestination.HOME: ("home", "Home"),
    DischargeDestination.HOME_WITH_SERVICES: ("home", "Home"),
    DischargeDestination.MUNICIPAL_REHABILITATION: ("rehab", "Rehabilitation"),
    DischargeDestination.PRIVATE_INSTITUTION: ("rehab", "Rehabilitation"),
    DischargeDestination.OTHER_HOSPITAL: ("other-hcf", "Other healthcare facility"),
    DischargeDestination.NURSING_HOME: ("snf", "Skilled nursing facility"),
    DischargeDestination.DECEASED: ("exp", "Expired"),
    DischargeDestination.OTHER: ("oth", "Other"),
}


def _disposition(admission: Admission) -> dict | None:
    destination = admission.discharge_destination
    if not destination:
        if admission.status == AdmissionStatus.TRANSFERRED:
            return {"coding": [{"system": DISPOSITION_SYSTEM, "code": "other-hcf",
                                "display": "Other healthcare facility"}],
                    "text": str(AdmissionStatus.TRANSFERRED.label)}
        if admission.status == AdmissionStatus.DECEASED:
            destination = DischargeDestination.DECEASED
        else:
            return None
    code, display = DISPOSITION[destination]
    coding = [{"system": DISPOSITION_SYSTEM, "code": code, "display": display},
              {"system": DISCHARGE_DESTINATION_SYSTEM, "code": destination,
               "display": str(DischargeDestination(destination).label)}]
    text = str(DischargeDestination(destination).label)
    if admission.discharge_level_id:
        level = admission.discharge_level
        coding.append({"system": SERVICE_LEVEL_SYSTEM, "code": level.code,
                       "display": level.name_en or level.name})
        text = f"{text}; pyramid level {level.code}"
    return {"coding": coding, "text": text}


def encounter(admission: Admission) -> dict:
    resource = {
        "resourceType": "Encounter",
        "id": str(admission.uuid),
        "meta": meta(admission.updated_at, admission.version),
        "status": ENCOUNTER_STATUS[admission.status],
        "class": {"system": ACT_CODE_SYSTEM, "code": "IMP", "display": "inpatient encounter"},
        "subject": patient_ref(admission.patient),
        "period": compact({"start": instant(admission.admitted_at),
                           "end": instant(admission.discharged_at)}),
        "reasonCode": [{"text": admission.reason}] if admission.reason else [],
        "location": [{"location": {
            "identifier": {"system": WARD_CODE_SYSTEM, "value": admission.ward.code},
            "display": admission.ward.name}}],
        "serviceProvider": org_ref(admission.hospital),
    }
    disposition = _disposition(admission)
    if disposition:
        resource["hospitalization"] = {"dischargeDisposition": disposition}
    return compact(resource)
