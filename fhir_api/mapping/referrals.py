"""The referral and its assessment (issue 15): ServiceRequest (what is asked of whom), Task
(the receiving unit's assessment and its deadlines: 10 working days from receipt, and the
date necessary care must start), and the needs assessment's scores as an Observation with a
component per score."""

from referrals.models import (
    AssessmentStatus,
    Difficulty,
    NeedsAssessment,
    Referral,
    ReferralStatus,
    RehabilitationPotential,
    WithdrawalReason,
)

from ._common import compact, day, instant, meta, org_ref, patient_ref, ref
from .systems import (
    DATA_ABSENT_REASON_SYSTEM,
    DIFFICULTY_SYSTEM,
    FUNCTION_DOMAIN_SYSTEM,
    LOINC_SYSTEM,
    NEEDS_ASSESSMENT_SYSTEM,
    OBSERVATION_CATEGORY_SYSTEM,
    REFERRAL_STATUS_SYSTEM,
    REHABILITATION_POTENTIAL_SYSTEM,
    SERVICE_LEVEL_SYSTEM,
    TASK_CODE_SYSTEM,
    TASK_PARAMETER_SYSTEM,
)

REFERRAL_TASK = "referral"

# Open while the receiving unit assesses it or the patient waits; done once the stay
# started; ended without it otherwise (forwarded: `replaces` on the new ServiceRequest).
SERVICE_REQUEST_STATUS = {
    ReferralStatus.RECEIVED: "active",
    ReferralStatus.INFORMATION_REQUESTED: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.STARTED: "completed",
    ReferralStatus.FORWARDED: "revoked",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.WITHDRAWN: "revoked",
}
# The displays of the portal's own codes, in English as FHIR's are.
REFERRAL_STATUS_DISPLAY = {
    ReferralStatus.RECEIVED: "Received, awaiting assessment",
    ReferralStatus.INFORMATION_REQUESTED: "More information requested",
    ReferralStatus.ACCEPTED: "Accepted, waiting",
    ReferralStatus.STARTED: "Started",
    ReferralStatus.FORWARDED: "Forwarded to another service",
    ReferralStatus.DECLINED: "Declined",
    ReferralStatus.WITHDRAWN: "Withdrawn",
}
WITHDRAWAL_DISPLAY = {
    WithdrawalReason.PATIENT_DECLINED: "The patient declined",
    WithdrawalReason.PATIENT_DIED: "The patient died",
    WithdrawalReason.REFERRER_WITHDREW: "The referrer withdrew the referral",
    WithdrawalReason.STARTED_ELSEWHERE: "Started at another service",
}
OBSERVATION_STATUS = {AssessmentStatus.DRAFT: "preliminary",
                      AssessmentStatus.COMPLETED: "final"}
DIFFICULTY_DISPLAY = {
    Difficulty.NONE: "No difficulty", Difficulty.MILD: "Mild difficulty",
    Difficulty.MODERATE: "Moderate difficulty", Difficulty.SEVERE: "Severe difficulty",
    Difficulty.COMPLETE: "Complete difficulty",
}
POTENTIAL_DISPLAY = {
    RehabilitationPotential.GOOD: "Good", RehabilitationPotential.MODERATE: "Moderate",
    RehabilitationPotential.LIMITED: "Limited",
    RehabilitationPotential.UNCLEAR: "Unclear, to be assessed further",
}
# LOINC: 96761-2 "Total score Barthel Index", 75859-9 "Modified Rankin Scale" (as HL7's own
# examples and implementation guides use them); beside each, the portal's own code.
BARTHEL_LOINC, RANKIN_LOINC = "96761-2", "75859-9"


# -- ServiceRequest ---------------------------------------------------------------------------

def _note(author: str, moment, text: str) -> dict | None:
    if not text:
        return None
    return compact({"authorString": author, "time": instant(moment), "text": text})


def service_request(referral: Referral) -> dict:
    service = referral.service
    performers = [org_ref(referral.receiver)]
    allocated = referral.allocated_service
    if allocated is not None and allocated.provider_id != referral.receiver_id:
        performers.append(org_ref(allocated.provider))  # the institution it allocated
    notes = [_note(referral.receiver.name, referral.information_requested_at,
                   referral.information_request),
             _note(referral.referrer.name, referral.information_received_at,
                   referral.information_reply),
             _note(referral.receiver.name, referral.decided_at or referral.withdrawn_at,
                   referral.decision_reason)]
    assessment = referral.needs_assessment
    return compact({
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "meta": meta(referral.updated_at, referral.version),
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "basedOn": [ref("CarePlan", referral.individual_plan)]
        if referral.individual_plan_id else [],
        "replaces": [ref("ServiceRequest", referral.forwarded_from)]
        if referral.forwarded_from_id else [],
        "code": {"coding": [{"system": SERVICE_LEVEL_SYSTEM, "code": service.level.code,
                             "display": service.level.name_en or service.level.name}],
                 "text": service.name},
        "subject": patient_ref(referral.patient),
        "encounter": ref("Encounter", referral.admission) if referral.admission_id else None,
        "occurrenceDateTime": day(referral.started_on or referral.expected_start),
        "authoredOn": instant(referral.received_at),
        "requester": org_ref(referral.referrer),
        "performer": performers,
        "reasonCode": [{"text": referral.reason}],
        "supportingInfo": [ref("Observation", assessment, "Needs assessment")]
        if assessment is not None else [],
        "note": [note for note in notes if note],
    })


# -- Task: the assessment and its deadlines ------------------------------------------------------

def referral_task_id(referral: Referral) -> str:
    return f"{REFERRAL_TASK}-{referral.uuid}"


def referral_task_status(referral: Referral) -> str:
    """received (the unit assesses it), on-hold (more information asked for: the deadline
    stands), completed (decided), cancelled (withdrawn before a decision)."""
    if referral.status == ReferralStatus.RECEIVED:
        return "received"
    if referral.status == ReferralStatus.INFORMATION_REQUESTED:
        return "on-hold"
    if referral.status == ReferralStatus.WITHDRAWN and referral.decided_at is None:
        return "cancelled"
    return "completed"


def _parameter(code: str, display: str, **value) -> dict:
    return {"type": {"coding": [{"system": TASK_PARAMETER_SYSTEM, "code": code,
                                 "display": display}]}, **value}


def referral_task(referral: Referral) -> dict:
    display = REFERRAL_STATUS_DISPLAY[referral.status]
    reason = referral.decision_reason
    if referral.status == ReferralStatus.WITHDRAWN:
        reason = WITHDRAWAL_DISPLAY.get(referral.withdrawal_reason, "") + (
            f": {reason}" if reason else "")
    inputs = []
    if referral.care_start_deadline is not None:
        inputs.append(_parameter(
            "care-start-deadline", "Care to start at the latest (frist for nødvendig helsehjelp)",
            valueDate=day(referral.care_start_deadline)))
    outputs = []
    if referral.has_right is not None:
        outputs.append(_parameter("right-to-necessary-care",
                                  "Right to necessary specialised care",
                                  valueBoolean=referral.has_right))
    if referral.expected_start is not None:
        outputs.append(_parameter("expected-start", "Expected start",
                                  valueDate=day(referral.expected_start)))
    if referral.started_on is not None:
        outputs.append(_parameter("started-on", "Started on",
                                  valueDate=day(referral.started_on)))
    return compact({
        "resourceType": "Task",
        "id": referral_task_id(referral),
        "meta": meta(referral.updated_at, referral.version),
        "basedOn": [ref("ServiceRequest", referral)],
        "status": referral_task_status(referral),
        "statusReason": {"text": reason} if reason else None,
        "businessStatus": {"coding": [{"system": REFERRAL_STATUS_SYSTEM,
                                       "code": referral.status, "display": display}],
                           "text": display},
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "assess-referral",
                             "display": "Assess the referral"}]},
        "focus": ref("ServiceRequest", referral),
        "for": patient_ref(referral.patient),
        "encounter": ref("Encounter", referral.admission) if referral.admission_id else None,
        "executionPeriod": compact({"start": instant(referral.received_at),
                                    "end": instant(referral.decided_at
                                                   or referral.withdrawn_at)}),
        "authoredOn": instant(referral.received_at),
        "lastModified": instant(referral.updated_at),
        "requester": org_ref(referral.referrer),
        "owner": org_ref(referral.receiver),
        # To be assessed by the end of this day (10 working days after receipt).
        "restriction": {"period": {"end": day(referral.assessment_due)}},
        "input": inputs,
        "output": outputs,
    })


# -- Observation: the needs assessment's scores ----------------------------------------------------

def _coded(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _components(assessment: NeedsAssessment) -> list[dict]:
    components = []
    if assessment.barthel_index is not None:
        components.append({"code": {"coding": [
            {"system": LOINC_SYSTEM, "code": BARTHEL_LOINC},
            {"system": NEEDS_ASSESSMENT_SYSTEM, "code": "barthel-index",
             "display": "Barthel index (0-100)"}], "text": "Barthel index"},
            "valueInteger": assessment.barthel_index})
    if assessment.modified_rankin is not None:
        components.append({"code": {"coding": [
            {"system": LOINC_SYSTEM, "code": RANKIN_LOINC},
            {"system": NEEDS_ASSESSMENT_SYSTEM, "code": "modified-rankin",
             "display": "Modified Rankin Scale (0-6)"}], "text": "Modified Rankin Scale"},
            "valueInteger": assessment.modified_rankin})
    for score in assessment.domain_scores.all():
        if score.difficulty is None:
            continue
        domain = score.domain
        components.append({
            "code": _coded(FUNCTION_DOMAIN_SYSTEM, domain.code, domain.name_en or domain.name),
            "valueCodeableConcept": _coded(DIFFICULTY_SYSTEM, str(score.difficulty),
                                           DIFFICULTY_DISPLAY[score.difficulty])})
    if assessment.rehabilitation_potential:
        components.append({
            "code": _coded(NEEDS_ASSESSMENT_SYSTEM, "rehabilitation-potential",
                           "Rehabilitation potential"),
            "valueCodeableConcept": _coded(
                REHABILITATION_POTENTIAL_SYSTEM, assessment.rehabilitation_potential,
                POTENTIAL_DISPLAY[assessment.rehabilitation_potential])})
    return components


def observation(assessment: NeedsAssessment) -> dict:
    components = _components(assessment)
    return compact({
        "resourceType": "Observation",
        "id": str(assessment.uuid),
        "meta": meta(assessment.updated_at, assessment.version),
        "basedOn": [ref("CarePlan", assessment.individual_plan)]
        if assessment.individual_plan_id else [],
        "status": OBSERVATION_STATUS[assessment.status],
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY_SYSTEM, "code": "survey",
                                  "display": "Survey"}]}],
        "code": _coded(NEEDS_ASSESSMENT_SYSTEM, "needs-assessment",
                       "Needs assessment (kartlegging av rehabiliteringsbehov)"),
        "subject": patient_ref(assessment.patient),
        "encounter": ref("Encounter", assessment.admission)
        if assessment.admission_id else None,
        "effectiveDateTime": instant(assessment.completed_at or assessment.updated_at),
        "issued": instant(assessment.completed_at),
        "performer": [org_ref(assessment.organization)],
        # Nothing scored yet (a fresh draft): say so rather than leave it unexplained.
        "dataAbsentReason": None if components else {"coding": [{
            "system": DATA_ABSENT_REASON_SYSTEM, "code": "not-performed",
            "display": "Not Performed"}]},
        "note": [{"text": assessment.potential_note}] if assessment.potential_note else [],
        "derivedFrom": [ref("Observation", assessment.previous, "The version it revises")]
        if assessment.previous_id else [],
        "component": components,
    })
