"""Task: the deadlines the sweeps watch, the hospital's early notification due after
admission (`notice-<Encounter id>`) and the municipality's answer to a ready-for-discharge
declaration (`answer-<declaration id>`)."""

from django.utils import timezone

from pathways.models import Admission, AdmissionStatus, ReadyForDischarge

from ._common import compact, instant, meta, org_ref, patient_ref, ref
from .systems import TASK_CODE_SYSTEM

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
    return compact({
        "resourceType": "Task",
        "id": notice_task_id(admission),
        "meta": meta(admission.updated_at),
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
    return compact({
        "resourceType": "Task",
        "id": answer_task_id(declaration),
        "meta": meta(declaration.fhir_last_updated),
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
        "executionPeriod": compact({"start": instant(declaration.declared_at),
                                    "end": instant(declaration.withdrawn_at
                                                   or declaration.last_answered_at)}),
    })
