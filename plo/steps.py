"""What every received message's mapping shares, whether a PLO message (plo.mapping) or a
Dialogmelding (plo.dialog): the refusal that becomes the AppRec's error (Unmapped), the
patient's identity number checked as the receipt's codes have it (patient_number), and a
pathway step whose refusal becomes the receipt's (step), and the names checked against the
patient found (same_patient).

Both modules import this one and nothing of each other's but plo.dialog.HANDLERS, which
plo.mapping takes in with its own."""

from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import StateConflict
from pathways.identity import parse_identity_number
from pathways.services.patients import check_names

from .envelope import Envelope


class Unmapped(Exception):
    """The message cannot become a step: refused with this AppRec error code (code list
    8221) and text, and nothing written."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code, self.text = code, text


def patient_number(envelope: Envelope) -> str:
    """The patient's fødselsnummer or D-number, the message naming both names (E30 none,
    E31 invalid, E32 no names)."""
    patient = envelope.patient
    if patient is None or not patient.identity_number:
        raise Unmapped("E30", "The message names no fødselsnummer or D-number.")
    try:
        parse_identity_number(patient.identity_number)
    except ValidationError as exc:
        raise Unmapped("E31", " ".join(exc.messages)) from None
    if not (patient.given_name and patient.family_name):
        raise Unmapped("E32", "The message does not name the patient.")
    return patient.identity_number


def same_patient(patient, envelope: Envelope) -> None:
    """The message names the patient the portal found by the number: both names must match
    (E36 otherwise, with the check's words)."""
    try:
        check_names(patient, given_name=envelope.patient.given_name,
                    family_name=envelope.patient.family_name, required=True)
    except ValidationError as exc:
        raise Unmapped("E36", " ".join(exc.messages)) from None


def step(call):
    """A step's refusals as the receipt's: a closed stay, a declaration that is not there,
    a time that cannot be, a sender not acting for the hospital."""
    try:
        return call()
    except ValidationError as exc:
        raise Unmapped("X99", " ".join(exc.messages)) from None
    except (StateConflict, PermissionDenied) as exc:
        raise Unmapped("X99", str(exc)) from None
