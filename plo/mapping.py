"""What an accepted message becomes on the pathway: the same service calls the ward board,
the KE's pages and the REST API make, acting as the sending organisation's PLO service
account (PloEndpoint.client), so that every rule holds for a message too: the identity and
name check, deadlines, access, audit, webhooks.

apply() answers the record the message created or changed; Unmapped (with the AppRec
error code) when the message cannot become a step, which is then refused and writes
nothing; None for a kind or dispatch status not mapped yet (issue 16 is in progress: the
message stays RECEIVED and unanswered, for the operator, rather than be receipted OK and
ignored)."""

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import StateConflict
from pathways import services as pathways
from pathways.identity import parse_identity_number
from pathways.models import Admission, DischargeDestination, MessageStatus
from pathways.models.admissions import OPEN_STATUSES
from pathways.services.patients import check_names
from registry.models import OrganizationKind, Ward

from . import outgoing
from .envelope import NS, Envelope
from .models import PloEndpoint

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# Events of code list 9121 (hendelseskode for logistikkopplysninger).
ADMITTED, DISCHARGED, READY, WITHDRAWN = "1", "2", "3", "4"
# Where the patient was discharged to (UtTil, code list 8408 Sted), as the portal records
# it; a code not listed here is recorded as "other" (its text is in the stored message).
DESTINATIONS = {"1": DischargeDestination.HOME}  # Bosted/arbeidssted


class Unmapped(Exception):
    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code, self.text = code, text


def _moment(value: str) -> datetime.datetime:
    """A PLO time (kith:TS, local Norwegian time unless it says otherwise)."""
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment


def _happening(envelope: Envelope, event: str):
    """The message's timed event of this code (TidsfestetHendelse, code list 9121), or None."""
    for happening in envelope.document.iterfind(".//po:TidsfestetHendelse", NS):
        code = happening.find("po:Hendelsekode", NS)
        if code is not None and code.get("V") == event:
            return happening
    return None


def _event_time(envelope: Envelope, event: str) -> datetime.datetime:
    happening = _happening(envelope, event)
    when = happening.find("po:TidspunktForHendelse", NS) if happening is not None else None
    try:
        return _moment(when.get("V", ""))
    except (AttributeError, ValueError):
        raise Unmapped("T99", f"The message gives no time for event {event} (code list "
                              "9121).") from None


def _unit_code(envelope: Envelope) -> str:
    """The hospital's local id of the unit (TilknyttetEnhet/Kontaktenhet, type LAV)."""
    for ident in envelope.document.iterfind(".//po:TilknyttetEnhet//fk1:Ident", NS):
        type_id = ident.find("fk1:TypeId", NS)
        if type_id is not None and type_id.get("V") == "LAV":
            return (ident.findtext("fk1:Id", default="", namespaces=NS) or "").strip()
    return ""


def _ward(envelope: Envelope, endpoint: PloEndpoint, hospital) -> Ward:
    code = _unit_code(envelope)
    ward = Ward.objects.filter(hospital=hospital, code=code, active=True).first() if code \
        else None
    ward = ward or endpoint.default_ward
    if ward is None:
        raise Unmapped("X99", f"No ward of {hospital.name} has the unit's code {code!r}, and "
                              "the hospital's PLO connection names no ward for admissions.")
    return ward


def _patient_number(envelope: Envelope) -> str:
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


def admitted(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_INNLAGT, new: the admission (and with it the early notification's deadline) at
    the sending hospital, for the receiving municipality; a patient the portal does not know
    yet is registered from the message, one it knows only if both names are theirs."""
    hospital = endpoint.organization
    if hospital.kind != OrganizationKind.HOSPITAL:
        raise Unmapped("X99", f"{hospital.name} is not a hospital: only a hospital reports an "
                              "admission.")
    if receiver.kind != OrganizationKind.MUNICIPALITY:
        raise Unmapped("E21", f"{receiver.name} is not a municipality: an admission is "
                              "reported to the patient's municipality.")
    number = _patient_number(envelope)
    patient = envelope.patient
    registration = {"given_name": patient.given_name, "family_name": patient.family_name}
    if patient.birth_date:
        registration["birth_date"] = patient.birth_date
    try:
        return pathways.admit_by_identity_number(
            by=endpoint.client.user, identity_number=number, hospital=hospital,
            ward=_ward(envelope, endpoint, hospital),
            admitted_at=_event_time(envelope, ADMITTED), municipality=receiver,
            registration=registration)
    except ValidationError as exc:
        fields = set(getattr(exc, "error_dict", {}))
        code = "E36" if fields & {"given_name", "family_name"} else "X99"
        raise Unmapped(code, " ".join(exc.messages)) from None
    except (StateConflict, PermissionDenied) as exc:
        raise Unmapped("X99", str(exc)) from None


def _steps(call):
    """A step's refusals as the receipt's: a closed stay, a declaration that is not there,
    a time that cannot be, a sender not acting for the hospital."""
    try:
        return call()
    except ValidationError as exc:
        raise Unmapped("X99", " ".join(exc.messages)) from None
    except (StateConflict, PermissionDenied) as exc:
        raise Unmapped("X99", str(exc)) from None


def _open_admission(envelope: Envelope, endpoint: PloEndpoint, hospital=None) -> Admission:
    """The patient's open stay at the hospital (the sender's, unless named), the names
    checked against the patient's (a number that is someone else's changes nothing)."""
    number = _patient_number(envelope)
    hospital = hospital or endpoint.organization
    admission = (Admission.objects.filter(
        patient__identity_number=number, hospital=hospital,
        status__in=OPEN_STATUSES).select_related("patient", "municipality")
        .order_by("-admitted_at").first())
    if admission is None:
        raise Unmapped("E35", f"The patient has no open stay at {hospital.name} in Rehab "
                              "Portal: the admission (LOG_INNLAGT) comes first.")
    try:
        check_names(admission.patient, given_name=envelope.patient.given_name,
                    family_name=envelope.patient.family_name, required=True)
    except ValidationError as exc:
        raise Unmapped("E36", " ".join(exc.messages)) from None
    return admission


def _responsible(envelope: Envelope) -> str:
    """The health professional the report names as responsible (AnsvarligRapport)."""
    person = envelope.document.find(".//po:AnsvarForRapport/po:AnsvarligRapport", NS)
    if person is None:
        return ""
    names = (person.findtext(f"fk1:{part}", default="", namespaces=NS).strip()
             for part in ("GivenName", "MiddleName", "FamilyName"))
    return " ".join(name for name in names if name)


def _remark(envelope: Envelope, event: str) -> str:
    happening = _happening(envelope, event)
    if happening is None:
        return ""
    return " ".join(filter(None, (
        happening.findtext("po:BeskrivelseAvHendelse", default="", namespaces=NS),
        happening.findtext("po:Merknad", default="", namespaces=NS)))).strip()


def _declared_by(envelope: Envelope) -> str:
    """Who declared the patient ready: the professional responsible for the report
    (AnsvarForRapport), else the readiness event's remark (where the portal's own messages
    name the physician, plo.outgoing)."""
    named = _responsible(envelope)
    if named:
        return named
    remark = _remark(envelope, READY)
    return remark.removeprefix(outgoing.DECLARED_BY).strip()[:200]


def ready(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKRIVNINGSKLAR: the physician's declaration; the payment days follow."""
    admission = _open_admission(envelope, endpoint)
    physician = _declared_by(envelope)
    if not physician:
        raise Unmapped("X99", "The message does not name who declared the patient ready "
                              "(AnsvarForRapport, or the event's remark).")
    return _steps(lambda: pathways.declare_ready_for_discharge(
        admission, by=endpoint.client.user, physician=physician,
        declared_at=_event_time(envelope, READY)))


def withdrawn(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_AVMELDING: the patient is no longer ready; the payment period ends."""
    admission = _open_admission(envelope, endpoint)
    return _steps(lambda: pathways.withdraw_ready_for_discharge(
        admission, by=endpoint.client.user, reason=_remark(envelope, WITHDRAWN),
        at=_event_time(envelope, WITHDRAWN)))


def discharged(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKREVET: the discharge, to where the message says (code list 8408)."""
    admission = _open_admission(envelope, endpoint)
    to = envelope.document.find(".//po:UtskrevetTil/po:UtTil", NS)
    destination = DESTINATIONS.get(to.get("V") if to is not None else "",
                                   DischargeDestination.OTHER)
    return _steps(lambda: pathways.discharge_patient(
        admission, by=endpoint.client.user, destination=destination,
        discharged_at=_event_time(envelope, DISCHARGED)))


# The PLO dispatch status (code list 7309) as the notice's message status.
NOTICE_STATUS = {"N": MessageStatus.NEW, "M": MessageStatus.CHANGE,
                 "A": MessageStatus.ADDITION, "C": MessageStatus.CANCEL}
EPJ2 = "{http://www.kith.no/xmlstds/epj/epj2/2008-02-20}"


def _journal_text(envelope: Envelope) -> str:
    """The medical information's journal texts, each under its heading (code list 9145:
    "Pasientens status", "Antatt forløp" ...), as the notice's expected course."""
    parts = []
    for text in envelope.document.iter(f"{EPJ2}Journaltekst"):
        heading = text.find(f"{EPJ2}Overskriftskode")
        note = (text.findtext(f"{EPJ2}Notat") or "").strip()
        if note:
            parts.append(f"{heading.get('DN')}: {note}" if heading is not None else note)
    return "\n\n".join(parts)


def _estimated_discharge(envelope: Envelope) -> datetime.date | None:
    try:
        return _event_time(envelope, READY).date()
    except Unmapped:
        return None


def health_information(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """HELSEOPPL_SOKNAD: the early notification (helseopplysninger, varsel om innlagt
    pasient) and its later versions: a change, an addition or a cancellation, as the
    dispatch status says; its text and estimated discharge date from the message."""
    admission = _open_admission(envelope, endpoint)
    return _steps(lambda: pathways.send_early_notification(
        admission, by=endpoint.client.user,
        message_status=NOTICE_STATUS[envelope.dispatch_status],
        expected_course=_journal_text(envelope),
        estimated_discharge_date=_estimated_discharge(envelope)))


EPJ3 = "{http://www.kith.no/xmlstds/epj/epj3/2008-02-20}"
EPJ1 = "{http://www.kith.no/xmlstds/epj/epj1/2008-02-20}"


def _report_text(envelope: Envelope) -> str:
    """The admission report as the hospital reads it: its journal texts under their
    headings, the diagnoses, allergies (cave), medicines and next of kin, as written."""
    document = envelope.document
    parts = [_journal_text(envelope)]
    diagnoses = [f"{code.get('DN')} ({code.get('V')})"
                 for code in document.iterfind(".//po:Diagnosekode", NS)]
    if diagnoses:
        parts.append("Diagnoser: " + "; ".join(diagnoses))
    cave = [(word.text or "").strip() for word in document.iter(f"{EPJ1}CaveStikkord")]
    if any(cave):
        parts.append("Cave: " + "; ".join(filter(None, cave)))
    medicines = []
    for item in document.iter(f"{EPJ3}Forskrivningsinfo"):
        strength = item.find(f"{EPJ3}Styrke")
        dose = (item.findtext(f"{EPJ3}DosVeiledEnkel") or "").strip()
        medicines.append(" ".join(filter(None, (
            (item.findtext(f"{EPJ3}Navn") or "").strip(),
            f"{strength.get('V')} {strength.get('U')}" if strength is not None else "",
            f"({dose})" if dose else ""))))
    if medicines:
        parts.append("Legemidler: " + "; ".join(medicines))
    kin = []
    for person in document.iterfind(".//po:ParorendeForesatt", NS):
        relation = person.find("po:Slektskap", NS)
        names = " ".join(filter(None, (
            person.findtext(".//fk1:GivenName", default="", namespaces=NS).strip(),
            person.findtext(".//fk1:FamilyName", default="", namespaces=NS).strip())))
        remark = person.findtext("po:Merknad", default="", namespaces=NS).strip()
        kin.append(", ".join(filter(None, (
            names, relation.get("DN") if relation is not None else "", remark))))
    if kin:
        parts.append("Pårørende: " + "; ".join(kin))
    return "\n\n".join(part for part in parts if part)


def admission_report(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """INNLEGGELSESRAPPORT: the municipality's report on a patient it serves, attached to
    the patient's open stay at the receiving hospital, version by version."""
    if receiver.kind != OrganizationKind.HOSPITAL:
        raise Unmapped("E21", f"{receiver.name} is not a hospital: an admission report goes "
                              "to the hospital the patient is admitted to.")
    admission = _open_admission(envelope, endpoint, hospital=receiver)
    approved = envelope.document.findtext(".//po:AnsvarForRapport/po:GodkjentDato",
                                          default="", namespaces=NS)
    try:
        reported_at = _moment(approved or envelope.generated_at)
    except ValueError:
        raise Unmapped("T99", "The report gives no time it was written or approved.") from None
    return _steps(lambda: pathways.record_admission_report(
        admission, by=endpoint.client.user,
        message_status=NOTICE_STATUS[envelope.dispatch_status], summary=_report_text(envelope),
        reported_at=reported_at, responsible=_responsible(envelope)))


# (message type, dispatch status) → what it becomes.
HANDLERS = {("LOG_INNLAGT", "N"): admitted, ("LOG_UTSKRIVNINGSKLAR", "N"): ready,
            ("LOG_AVMELDING", "N"): withdrawn, ("LOG_UTSKREVET", "N"): discharged,
            **{("HELSEOPPL_SOKNAD", status): health_information for status in NOTICE_STATUS},
            **{("INNLEGGELSESRAPPORT", status): admission_report for status in NOTICE_STATUS}}


# Kinds between the municipality and the GP: the portal is not the GP's system, and says so
# (T10, "Støtter ikke meldingsformatet") rather than receipt them OK and do nothing.
NOT_SUPPORTED = {"HELSEOPPLYSNINGER_LEGE", "MEDISINSKE_OPPLYSNINGER",
                 "ORIENTERING_TJENESTETILBUD"}


def apply(envelope: Envelope, sender, receiver):
    """The record the message created or changed; None if its kind is not mapped yet."""
    if envelope.msg_type in NOT_SUPPORTED:
        raise Unmapped("T10", f"Rehab Portal does not take {envelope.msg_type} messages: they "
                              "go between the municipality and the GP.")
    handler = HANDLERS.get((envelope.msg_type, envelope.dispatch_status))
    if handler is None:
        return None
    endpoint = PloEndpoint.objects.select_related("client__user", "organization",
                                                  "default_ward").filter(
        organization=sender, active=True).first()
    if endpoint is None:
        raise Unmapped("X99", f"{sender.name} has no PLO connection to Rehab Portal.")
    return handler(envelope, endpoint, receiver)


# Dialogmelding forespørsel and svar: a question on the pathway and its answer (plo.dialog).
from . import dialog  # noqa: E402

HANDLERS.update(dialog.HANDLERS)
