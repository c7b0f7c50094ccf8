"""Communication: an early notification (tidligmelding), one payload per section of the
form, named by the notice-section extension."""

import datetime

from pathways.models import EarlyNotification, NoticeState

from ._common import compact, instant, meta, org_ref, patient_ref, ref
from .systems import (
    COMMUNICATION_CATEGORY_SYSTEM,
    MESSAGE_STATUS_EXTENSION,
    NOTICE_SECTION_EXTENSION,
)

COMMUNICATION_STATUS = {NoticeState.DRAFT: "preparation", NoticeState.SENT: "completed"}
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
    return compact({
        "resourceType": "Communication",
        "id": str(notice.uuid),
        "meta": meta(notice.updated_at),
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
