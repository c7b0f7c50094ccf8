"""The URIs a client matches on: identifier systems, code systems and extensions (the
Norwegian ones from no-basis, the portal's own, HL7's)."""

from pathways.identity import DNR_SYSTEM, FNR_SYSTEM, IdentityKind

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
WARD_CODE_SYSTEM = LOCAL + "ward-code"  # a ward's short code, unique within its hospital
NOTICE_SECTION_EXTENSION = LOCAL + "notice-section"
MESSAGE_STATUS_EXTENSION = LOCAL + "message-status"

DISPOSITION_SYSTEM = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GOAL_ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"

# Referrals and needs assessments (issue 15).
LOINC_SYSTEM = "http://loinc.org"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
REFERRAL_STATUS_SYSTEM = LOCAL + "referral-status"  # a referral's status, as the portal has it
NEEDS_ASSESSMENT_SYSTEM = LOCAL + "needs-assessment"  # the assessment and its scores
FUNCTION_DOMAIN_SYSTEM = LOCAL + "function-domain"  # the domains (FunctionDomain.code)
DIFFICULTY_SYSTEM = LOCAL + "difficulty"  # ICF's generic qualifier, 0-4
REHABILITATION_POTENTIAL_SYSTEM = LOCAL + "rehabilitation-potential"
TASK_PARAMETER_SYSTEM = LOCAL + "task-parameter"  # a Task's input and output types
