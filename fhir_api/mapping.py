"""Model rows → FHIR R4 resources (plain dicts). The table in fhir_api/README.md lists
which element comes from which field."""

import datetime

from django.utils import timezone

from coordination.models import (
    AchievementStatus,
    Goal,
    IndividualPlan,
    Measure,
    MeasureStatus,
    PlanParticipantKind,
    PlanStatus,
)
from pathways.identity import DNR_SYSTEM, FNR_SYSTEM, IdentityKind
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeDestination,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    NoticeState,
    ParticipantKind,
    ParticipantStatus,
    Patient,
    ReadyForDischarge,
)
from registry.models import Organization

# Norwegian identifier systems (DOMAIN.md; no-basis).
ORGNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
HER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.2"
MUNICIPALITY_SYSTEM = "urn:oid:2.16.578.1.12.4.1.1.3402"
PATIENT_SYSTEMS = {IdentityKind.FNR: FNR_SYSTEM, IdentityKind.DNR: DNR_SYSTEM}
MUNICIPALITY_EXTENSION = "http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode"
INTERPRETER_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"

# The portal's own code systems and extensions. A URN until the portal registers an OID.
LOCAL = "urn:rehab-portal:"
ORGANIZATION_KIND_SYSTEM = LOCAL + "organization-kind"
SERVICE_LEVEL_SYSTEM = LOCAL + "service-level"
DISCHARGE_DESTINATION_SYSTEM = LOCAL + "discharge-destination"
COMMUNICATION_CATEGORY_SYSTEM = LOCAL + "communication-category"
TASK_CODE_SYSTEM = LOCAL + "task"
NOTICE_SECTION_EXTENSION = LOCAL + "notice-section"
MESSAGE_STATUS_EXTENSION = LOCAL + "message-status"

DISPOSITION_SYSTEM = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GOAL_ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"

ENCOUNTER_STATUS = {
    AdmissionStatus.ADMITTED: "in-progress",
    AdmissionStatus.READY_FOR_DISCHARGE: "in-progress",
    AdmissionStatus.DISCHARGED: "finished",
    AdmissionStatus.TRANSFERRED: "finished",
    AdmissionStatus.DECEASED: "finished",
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
COMMUNICATION_STATUS = {NoticeState.DRAFT: "preparation", NoticeState.SENT: "completed"}
CAREPLAN_STATUS = {
    PlanStatus.REQUESTED: "draft",
    PlanStatus.IN_PREPARATION: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.UNDER_EVALUATION: "active",
    PlanStatus.CLOSED: "completed",
    PlanStatus.DECLINED: "revoked",
}
CARETEAM_STATUS = {
    PlanStatus.REQUESTED: "proposed",
    PlanStatus.IN_PREPARATION: "proposed",
    PlanStatus.ACTIVE: "active",
    PlanStatus.UNDER_EVALUATION: "active",
    PlanStatus.CLOSED: "inactive",
    PlanStatus.DECLINED: "inactive",
}
ACTIVITY_STATUS = {
    MeasureStatus.PLANNED: "scheduled",
    MeasureStatus.ONGOING: "in-progress",
    MeasureStatus.COMPLETED: "completed",
    MeasureStatus.STOPPED: "stopped",
}
# achievement → (lifecycleStatus, achievementStatus code or None)
GOAL_STATUS = {
    AchievementStatus.NOT_STARTED: ("accepted", None),
    AchievementStatus.IN_PROGRESS: ("active", "in-progress"),
    AchievementStatus.ACHIEVED: ("completed", "achieved"),
    AchievementStatus.NOT_ACHIEVED: ("completed", "not-achieved"),
    AchievementStatus.DROPPED: ("cancelled", None),
}
GOAL_LIFECYCLE = {status: lifecycle for status, (lifecycle, _a) in GOAL_STATUS.items()}
APPOINTMENT_STATUS = {
    MeetingStatus.SCHEDULED: "booked",
    MeetingStatus.HELD: "fulfilled",
    MeetingStatus.CANCELLED: "cancelled",
}
PARTICIPATION_STATUS = {
    ParticipantStatus.INVITED: "needs-action",
    ParticipantStatus.ACCEPTED: "accepted",
    ParticipantStatus.DECLINED: "declined",
    ParticipantStatus.ATTENDED: "accepted",
}
# The early notification's sections, in the order the form shows them.
NOTICE_SECTIONS = {
    "expected_course": "Expected course",
    "estimated_discharge_date": "Estimated discharge date",
    "municipal_services_assessment": "Preliminary assessment of need for municipal services",
    "functional_level": "Functional level",
    "barthel_index": "Barthel index (0–100)",
    "modified_rankin": "Modified Rankin Scale (0–6)",
    "rehabilitation_need": "Rehabilitation need",
    "proposed_level": "Proposed pyramid level",
    "information_given_to_patient": "Information given to the patient",
    "next_of_kin_informed": "Next of kin informed",
    "requests_individual_plan": "The patient may need an individual plan or a coordinator",
}


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


def _meta(last_updated: datetime.datetime, version: int | None = None) -> dict:
    meta = {"lastUpdated": instant(last_updated)}
    if version is not None:
        meta["versionId"] = str(version)
    return meta


def _compact(resource: dict) -> dict:
    """Drop empty elements: FHIR forbids empty strings, lists and objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


# -- registry --------------------------------------------------------------------------------

def organization(org: Organization) -> dict:
    identifiers = [{"use": "official", "system": ORGNR_SYSTEM, "value": org.orgnr}]
    if org.her_id:
        identifiers.append({"system": HER_SYSTEM, "value": org.her_id})
    if org.municipality_number:
        identifiers.append({"system": MUNICIPALITY_SYSTEM, "value": org.municipality_number})
    telecom = []
    if org.phone:
        telecom.append({"system": "phone", "value": org.phone})
    if org.email:
        telecom.append({"system": "email", "value": org.email})
    return _compact({
        "resourceType": "Organization",
        "id": str(org.uuid),
        "meta": _meta(org.updated_at),
        "identifier": identifiers,
        "active": True,
        "type": [{"coding": [{"system": ORGANIZATION_KIND_SYSTEM, "code": org.kind,
                              "display": str(org.get_kind_display())}]}],
        "name": org.name,
        "telecom": telecom,
        "address": [{"text": org.address}] if org.address else [],
        "partOf": org_ref(org.parent) if org.parent_id else None,
    })


# -- pathways --------------------------------------------------------------------------------

def patient(p: Patient) -> dict:
    municipality = p.municipality
    address = {"use": "home", "district": municipality.name, "extension": [{
        "url": MUNICIPALITY_EXTENSION,
        "valueCoding": {"system": MUNICIPALITY_SYSTEM, "code": municipality.municipality_number,
                        "display": municipality.name},
    }]}
    if p.address:
        address["text"] = p.address
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    resource = {
        "resourceType": "Patient",
        "id": str(p.uuid),
        "meta": _meta(p.updated_at, p.version),
        "identifier": [{"use": "official", "system": PATIENT_SYSTEMS[p.identity_kind],
                        "value": p.identity_number}],
        "name": [{"use": "official", "text": p.full_name, "family": p.family_name,
                  "given": p.given_name.split()}],
        "telecom": telecom,
        "birthDate": day(p.birth_date),
        "address": [address],
    }
    if p.needs_interpreter:
        resource["extension"] = [{"url": INTERPRETER_EXTENSION, "valueBoolean": True}]
        resource["communication"] = [{"language": {"text": p.interpreter_language},
                                      "preferred": True}]
    return _compact(resource)


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
        "meta": _meta(admission.updated_at, admission.version),
        "status": ENCOUNTER_STATUS[admission.status],
        "class": {"system": ACT_CODE_SYSTEM, "code": "IMP", "display": "inpatient encounter"},
        "subject": patient_ref(admission.patient),
        "period": _compact({"start": instant(admission.admitted_at),
                            "end": instant(admission.discharged_at)}),
        "reasonCode": [{"text": admission.reason}] if admission.reason else [],
        "location": [{"location": {"display": admission.ward}}] if admission.ward else [],
        "serviceProvider": org_ref(admission.hospital),
    }
    disposition = _disposition(admission)
    if disposition:
        resource["hospitalization"] = {"dischargeDisposition": disposition}
    return _compact(resource)


def notice_value(notice: EarlyNotification, field: str) -> str:
    value = getattr(notice, field)
    if value is None or value == "":
        return ""
    if field == "proposed_level":
        return value.code
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def communication(notice: EarlyNotification) -> dict:
    admission = notice.admission
    payload = []
    for field in NOTICE_SECTIONS:
        value = notice_value(notice, field)
        if value:
            payload.append({
                "extension": [{"url": NOTICE_SECTION_EXTENSION, "valueCode": field}],
                "contentString": value,
            })
    return _compact({
        "resourceType": "Communication",
        "id": str(notice.uuid),
        "meta": _meta(notice.updated_at),
        "extension": [{"url": MESSAGE_STATUS_EXTENSION, "valueCode": notice.message_status}],
        "status": COMMUNICATION_STATUS[notice.state],
        "category": [{"coding": [{"system": COMMUNICATION_CATEGORY_SYSTEM,
                                  "code": "early-notification",
                                  "display": "Early notification (tidligmelding)"}]}],
        "subject": patient_ref(admission.patient),
        "encounter": ref("Encounter", admission),
        "sent": instant(notice.sent_at),
        "received": instant(notice.acknowledged_at),
        "recipient": [org_ref(admission.municipality)],
        "sender": org_ref(admission.hospital),
        "payload": payload,
    })


# -- Tasks: the deadlines the sweeps watch -----------------------------------------------------

NOTICE_TASK = "notice"
ANSWER_TASK = "answer"


def notice_task_id(admission: Admission) -> str:
    return f"{NOTICE_TASK}-{admission.uuid}"


def answer_task_id(declaration: ReadyForDischarge) -> str:
    return f"{ANSWER_TASK}-{declaration.uuid}"


def notice_task_status(admission: Admission) -> tuple[str, str]:
    """(status, businessStatus) of the duty to send the early notification in time."""
    sent = admission.first_notification_sent_at
    if sent is not None:
        return "completed", "late" if sent > admission.notification_deadline else "on time"
    if admission.status not in (AdmissionStatus.ADMITTED, AdmissionStatus.READY_FOR_DISCHARGE):
        return "failed", "never sent"
    return "requested", "overdue" if timezone.now() > admission.notification_deadline else "due"


def notice_task(admission: Admission) -> dict:
    task_status, business = notice_task_status(admission)
    return _compact({
        "resourceType": "Task",
        "id": notice_task_id(admission),
        "meta": _meta(admission.updated_at),
        "status": task_status,
        "businessStatus": {"text": business},
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "send-early-notification",
                             "display": "Send the early notification"}]},
        "focus": ref("Encounter", admission),
        "for": patient_ref(admission.patient),
        "encounter": ref("Encounter", admission),
        "authoredOn": instant(admission.admitted_at),
        "lastModified": instant(admission.updated_at),
        "owner": org_ref(admission.hospital),
        "restriction": {"period": {"end": instant(admission.notification_deadline)}},
    })


def answer_task_status(declaration: ReadyForDischarge) -> str:
    if declaration.withdrawn_at is not None:
        return "cancelled"
    return "completed" if declaration.last_answered_at else "requested"


def answer_task(declaration: ReadyForDischarge) -> dict:
    admission = declaration.admission
    return _compact({
        "resourceType": "Task",
        "id": answer_task_id(declaration),
        "meta": _meta(declaration.fhir_last_updated),
        "status": answer_task_status(declaration),
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "answer-ready-for-discharge",
                             "display": "Answer the ready-for-discharge declaration"}]},
        "description": f"Declared ready for discharge by {declaration.physician}"
                       if declaration.physician else "",
        "focus": ref("Encounter", admission),
        "for": patient_ref(admission.patient),
        "encounter": ref("Encounter", admission),
        "authoredOn": instant(declaration.declared_at),
        "lastModified": instant(declaration.fhir_last_updated),
        "requester": org_ref(admission.hospital),
        "owner": org_ref(admission.municipality),
        "executionPeriod": _compact({"start": instant(declaration.declared_at),
                                     "end": instant(declaration.withdrawn_at
                                                    or declaration.last_answered_at)}),
    })


# -- Discharge meetings ---------------------------------------------------------------------

def _participant_actor(participant: MeetingParticipant, patient: Patient) -> dict:
    if participant.kind == ParticipantKind.PATIENT:
        return patient_ref(patient)
    if participant.organization_id:
        return {**org_ref(participant.organization), "display":
                f"{participant.name} ({participant.organization.name})"}
    return {"display": participant.name or str(participant.get_kind_display())}


def meeting_end(meeting: DischargeMeeting) -> datetime.datetime:
    return meeting.scheduled_at + datetime.timedelta(minutes=meeting.duration_minutes)


def appointment(meeting: DischargeMeeting) -> dict:
    patient = meeting.admission.patient
    participants = [{
        "type": [{"text": str(p.get_kind_display())}],
        "actor": _participant_actor(p, patient),
        "required": "required",
        "status": PARTICIPATION_STATUS[p.status],
    } for p in meeting.participants.all()]
    participants.insert(0, {"type": [{"text": "Organiser"}],
                            "actor": {"display": meeting.organizer.display_name()},
                            "required": "required", "status": "accepted"})
    where = ", ".join(part for part in (meeting.location, meeting.video_link) if part)
    return _compact({
        "resourceType": "Appointment",
        "id": str(meeting.uuid),
        "meta": _meta(meeting.updated_at, meeting.sequence),
        "status": APPOINTMENT_STATUS[meeting.status],
        "appointmentType": {"text": "Discharge meeting"},
        "description": "Interdisciplinary discharge meeting",
        "supportingInformation": [ref("Encounter", meeting.admission)],
        "start": instant(meeting.scheduled_at),
        "end": instant(meeting_end(meeting)),
        "minutesDuration": meeting.duration_minutes,
        "created": day(timezone.localtime(meeting.created_at).date()),
        "comment": where,
        "participant": participants,
    })


def appointment_response(participant: MeetingParticipant) -> dict:
    meeting = participant.meeting
    return _compact({
        "resourceType": "AppointmentResponse",
        "id": str(participant.uuid),
        "meta": _meta(meeting.updated_at),
        "appointment": ref("Appointment", meeting),
        "start": instant(meeting.scheduled_at),
        "end": instant(meeting_end(meeting)),
        "participantType": [{"text": str(participant.get_kind_display())}],
        "actor": _participant_actor(participant, meeting.admission.patient),
        "participantStatus": PARTICIPATION_STATUS[participant.status],
    })


# -- coordination ------------------------------------------------------------------------------

def _period(start, end) -> dict:
    return _compact({"start": day(start), "end": day(end)})


def _activity(measure: Measure) -> dict:
    description = measure.description or (measure.service.name if measure.service_id else "")
    if measure.extent:
        description = f"{description} ({measure.extent})" if description else measure.extent
    detail = {
        "status": ACTIVITY_STATUS[measure.status],
        "description": description,
        "scheduledPeriod": _period(measure.starts_on, measure.ends_on),
        "goal": [ref("Goal", measure.goal)] if measure.goal_id else [],
    }
    performers = []
    if measure.responsible_organization_id:
        performers.append(org_ref(measure.responsible_organization))
    if measure.responsible_person:
        performers.append({"display": measure.responsible_person})
    detail["performer"] = performers
    if measure.service_id:
        detail["code"] = {"coding": [{"system": SERVICE_LEVEL_SYSTEM,
                                      "code": measure.service.level.code}],
                          "text": measure.service.name}
    return {"detail": _compact(detail)}


def care_plan(plan: IndividualPlan) -> dict:
    return _compact({
        "resourceType": "CarePlan",
        "id": str(plan.uuid),
        "meta": _meta(plan.updated_at, plan.version),
        "status": CAREPLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [{"text": "Individual plan (individuell plan)"}],
        "title": "Individual plan",
        "description": plan.what_matters,
        "subject": patient_ref(plan.patient),
        "period": _period(plan.period_start, plan.period_end),
        "created": instant(plan.created_at),
        "author": org_ref(plan.municipality),
        "careTeam": [{"reference": f"CareTeam/{plan.uuid}"}],
        "goal": [ref("Goal", goal) for goal in plan.goals.all()],
        "activity": [_activity(measure) for measure in plan.measures.all()],
        "note": [{"text": text} for text in (plan.resources, plan.service_needs) if text],
    })


def goal(g: Goal) -> dict:
    plan = g.plan
    lifecycle, achievement = GOAL_STATUS[g.status]
    resource = {
        "resourceType": "Goal",
        "id": str(g.uuid),
        "meta": _meta(plan.updated_at),
        "lifecycleStatus": lifecycle,
        "description": {"text": g.text},
        "subject": patient_ref(plan.patient),
        "target": [{"dueDate": day(g.target_date)}] if g.target_date else [],
        "expressedBy": patient_ref(plan.patient) if g.expressed_by_patient else None,
    }
    if achievement:
        resource["achievementStatus"] = {"coding": [{"system": GOAL_ACHIEVEMENT_SYSTEM,
                                                     "code": achievement}]}
    return _compact(resource)


def care_team(plan: IndividualPlan) -> dict:
    participants = []
    if plan.coordinator_id:
        participants.append({"role": [{"text": "Coordinator"}],
                             "member": {"display": plan.coordinator.user.display_name()},
                             "onBehalfOf": org_ref(plan.coordinator.organization)})
    for p in plan.participants.all():
        if p.kind == PlanParticipantKind.PATIENT:
            member = patient_ref(plan.patient)
        elif p.organization_id and not p.name:
            member = org_ref(p.organization)
        else:
            member = {"display": p.name}
        participants.append(_compact({
            "role": [{"text": str(p.get_kind_display())}],
            "member": member,
            "onBehalfOf": org_ref(p.organization) if p.organization_id else None,
        }))
    return _compact({
        "resourceType": "CareTeam",
        "id": str(plan.uuid),
        "meta": _meta(plan.updated_at, plan.version),
        "status": CARETEAM_STATUS[plan.status],
        "name": "Responsible group (ansvarsgruppe)",
        "subject": patient_ref(plan.patient),
        "period": _period(plan.period_start, plan.period_end),
        "participant": participants,
        "managingOrganization": [org_ref(plan.municipality)],
    })
