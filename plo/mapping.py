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
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways import services as pathways
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeDestination,
    MessageStatus,
    Patient,
    ReadyForDischarge,
)
from pathways.models.admissions import OPEN_STATUSES
from pathways.services import admissions as stays
from pathways.services import readiness
from registry.models import OrganizationKind, Ward

from . import dialog, outgoing
from .envelope import NS, Envelope
from .models import PloEndpoint
from .steps import Unmapped, patient_number, same_patient, step  # plo.services: mapping.Unmapped

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# Events of code list 9121 (hendelseskode for logistikkopplysninger).
ADMITTED, DISCHARGED, READY, WITHDRAWN, DEATH = "1", "2", "3", "4", "13"
# Where the patient was discharged to (UtTil, code list 8408 Sted), as the portal records
# it; a code not listed here is recorded as "other" (its text is in the stored message).
DESTINATIONS = {"1": DischargeDestination.HOME}  # Bosted/arbeidssted


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
    number = patient_number(envelope)
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


def _open_admission(envelope: Envelope, endpoint: PloEndpoint, hospital=None) -> Admission:
    """The patient's open stay at the hospital (the sender's, unless named), the names
    checked against the patient's (a number that is someone else's changes nothing)."""
    number = patient_number(envelope)
    hospital = hospital or endpoint.organization
    admission = (Admission.objects.filter(
        patient__identity_number=number, hospital=hospital,
        status__in=OPEN_STATUSES).select_related("patient", "municipality")
        .order_by("-admitted_at").first())
    if admission is None:
        raise Unmapped("E35", f"The patient has no open stay at {hospital.name} in Rehab "
                              "Portal: the admission (LOG_INNLAGT) comes first.")
    same_patient(admission.patient, envelope)
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
    return step(lambda: pathways.declare_ready_for_discharge(
        admission, by=endpoint.client.user, physician=physician,
        declared_at=_event_time(envelope, READY)))


def withdrawn(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_AVMELDING: the patient is no longer ready; the payment period ends."""
    admission = _open_admission(envelope, endpoint)
    return step(lambda: pathways.withdraw_ready_for_discharge(
        admission, by=endpoint.client.user, reason=_remark(envelope, WITHDRAWN),
        at=_event_time(envelope, WITHDRAWN)))


def discharged(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKREVET: the discharge, to where the message says (code list 8408)."""
    admission = _open_admission(envelope, endpoint)
    # Discharged dead (Uttilstand 2, code list 8431; HIS 1149 § 3.5): the stay's death.
    destination = DischargeDestination.DECEASED if _discharged_dead(envelope) else \
        _destination(envelope)
    return step(lambda: pathways.discharge_patient(
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
    return step(lambda: pathways.send_early_notification(
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
    return step(lambda: pathways.record_admission_report(
        admission, by=endpoint.client.user,
        message_status=NOTICE_STATUS[envelope.dispatch_status], summary=_report_text(envelope),
        reported_at=reported_at, responsible=_responsible(envelope)))


# -- The discharge report (UTSKRIVNINGSRAPPORT, tverrfaglig epikrise) -------------------------


def _local(value: str) -> str:
    """A PLO time as the report's reader reads it (30.01.2018 14:00); as written if odd."""
    try:
        moment = _moment(value)
    except ValueError:
        return value
    return moment.strftime("%d.%m.%Y %H:%M").removesuffix(" 00:00")


def _texts(node, path: str) -> list[str]:
    return [text.strip() for text in (e.text for e in node.iterfind(path, NS)) if text
            and text.strip()]


def _epicrisis_notes(document) -> list[str]:
    """The report's journal texts in document order, each under its heading (code lists
    9141/9142: "Forløp og behandling", "Status ved utskrivning" ...), with its remark; an
    allergy's note goes with the allergy (_allergies)."""
    parts = []
    for text in document.iter(f"{EPJ2}Journaltekst"):
        if text.getparent().tag == f"{EPJ1}Allerginotat":
            continue
        heading = text.find(f"{EPJ2}Overskriftskode")
        note = (text.findtext(f"{EPJ2}Notat") or "").strip()
        remark = (text.findtext(f"{EPJ2}Merknad") or "").strip()
        if remark:
            note = f"{note} ({remark})" if note else remark
        if note:
            parts.append(f"{heading.get('DN')}: {note}" if heading is not None else note)
    return parts


def _allergies(document) -> list[str]:
    found = []
    for note in document.iter(f"{EPJ1}Allerginotat"):
        remark = (note.findtext(f"{EPJ2}Journaltekst/{EPJ2}Merknad") or "").strip()
        for allergy in note.iter(f"{EPJ1}Allergi"):
            what = (allergy.findtext(f"{EPJ1}AllergiskMot") or "").strip()
            if what:
                found.append(f"{what} ({remark})" if remark else what)
    return found


def _medicine(item) -> str:
    strength = item.find(f"{EPJ3}Styrke")
    dose = (item.findtext(f"{EPJ3}DosVeiledEnkel") or "").strip()
    return " ".join(filter(None, (
        (item.findtext(f"{EPJ3}Navn") or "").strip(),
        f"{strength.get('V')} {strength.get('U')}" if strength is not None else "",
        f"({dose})" if dose else "")))


def _medicines(document) -> tuple[list[str], list[str]]:
    """The medicine list at discharge (fixed, a course, as needed; a stopped one says so)
    and what was given on the day of transfer."""
    listed = []
    for info in document.iterfind(f"{EPJ3}Legemiddelinfo"):
        for prescription in info.iter(f"{EPJ3}ForenkletForskrivning"):
            item = prescription.find(f"{EPJ3}Forskrivningsinfo")
            if item is None:
                continue
            use = item.find(f"{EPJ3}Bruk")
            stopped = prescription.find(f"{EPJ3}StatusTilForskrivningen")
            note = "seponert" if stopped is not None and stopped.get("V") == "2" else (
                use.get("DN", "").lower() if use is not None else "")
            listed.append(f"{_medicine(item)}, {note}" if note else _medicine(item))
    given = [_medicine(item) for transfer in document.iter(
        f"{EPJ3}LegemidlerAdministrertVedOverforing") for item in transfer.iter(
        f"{EPJ3}Forskrivningsinfo")]
    return listed, given


def _kin(document) -> list[str]:
    kin = []
    for person in document.iterfind("po:ParorendeForesatt", NS):
        relation = person.find("po:Slektskap", NS)
        names = " ".join(filter(None, (
            person.findtext(".//fk1:GivenName", default="", namespaces=NS).strip(),
            person.findtext(".//fk1:FamilyName", default="", namespaces=NS).strip())))
        remark = person.findtext("po:Merknad", default="", namespaces=NS).strip()
        kin.append(", ".join(filter(None, (
            names, relation.get("DN") if relation is not None else "", remark))))
    return kin


def _discharge_text(envelope: Envelope) -> str:
    """The discharge report as the municipality reads it: what a change says it changes,
    the stay's dates, the journal texts under their headings (the physicians' and the
    nurses'), the diagnoses, cave and allergies, the medicines, the change in function, the
    follow-up appointment, the aids and the interpreter, as written."""
    document = envelope.document
    parts = _texts(document, "po:TypeInnholdIMelding/po:Merknad")
    stay = []
    for happening in document.iterfind("po:OpplysningOpphold/po:TidsfestetHendelse", NS):
        what = happening.findtext("po:BeskrivelseAvHendelse", default="",
                                  namespaces=NS).strip()
        when = happening.find("po:TidspunktForHendelse", NS)
        if what and what.endswith(("dato", "tidspunkt")) and when is not None:
            stay.append(f"{what}: {_local(when.get('V', ''))}")
        elif what:
            stay.append(what)
    if stay:
        parts.append("; ".join(stay))
    parts += _epicrisis_notes(document)
    diagnoses = []
    for diagnosis in document.iterfind(".//po:MedisinskDiagnose", NS):
        code = diagnosis.find("po:Diagnosekode", NS)
        described = diagnosis.findtext("po:DiagnoseBeskrivelse", default="",
                                       namespaces=NS).strip()
        named = f"{code.get('DN')} ({code.get('V')})" if code is not None else ""
        diagnoses.append(", ".join(filter(None, (named, described))))
    if any(diagnoses):
        parts.append("Diagnoser: " + "; ".join(filter(None, diagnoses)))
    cave = [(word.text or "").strip() for word in document.iter(f"{EPJ1}CaveStikkord")]
    if any(cave):
        parts.append("Cave: " + "; ".join(filter(None, cave)))
    allergies = _allergies(document)
    if allergies:
        parts.append("Allergier: " + "; ".join(allergies))
    listed, given = _medicines(document)
    if listed:
        parts.append("Legemidler: " + "; ".join(listed))
    if given:
        parts.append("Gitt på utskrivningsdagen: " + "; ".join(given))
    follow_up = document.find(".//po:OpplysningerRelevantOppfolging", NS)
    if follow_up is not None:
        change = _texts(follow_up, "po:EndringFunksjonsnivaa")
        if change:
            parts.append("Endring i funksjonsnivå: " + " ".join(change))
        if follow_up.findtext("po:HjelpLegemiddeladm", namespaces=NS) == "true":
            parts.append("Trenger hjelp med legemidlene.")
    for appointment in document.iterfind("po:InfoKontrolltime/po:InformasjonOmTime", NS):
        when = appointment.findtext("po:TidspunktTime", default="", namespaces=NS).strip()
        where = appointment.findtext("po:StedTime", default="", namespaces=NS).strip()
        if when or where:
            parts.append("Kontrolltime: " + ", ".join(filter(None, (
                _local(when) if when else "", where))))
    aids = _texts(document, ".//po:BetegnelseHjelpemiddel") + _texts(
        document, "po:OpplysningerOmHjelpemidler/po:FasteHjelpemidler/po:Merknad")
    if aids:
        parts.append("Hjelpemidler: " + "; ".join(aids))
    interpreter = [language.get("DN") or language.get("V") for language in document.iterfind(
        "po:InfoAssistertKommunikasjon/po:AssistertKommunikasjon/po:BehovTolkSprak", NS)]
    if any(interpreter):
        parts.append("Behov for tolk: " + "; ".join(filter(None, interpreter)))
    kin = _kin(document)
    if kin:
        parts.append("Pårørende: " + "; ".join(kin))
    return "\n\n".join(part for part in parts if part)


def _discharge_responsible(envelope: Envelope) -> str:
    """Who answers for the report: the professional responsible for it (AnsvarForRapport),
    else the contact the hospital names (KontaktpersonHelsepersonell), with their role."""
    named = _responsible(envelope)
    if named:
        return named
    person = envelope.document.find("po:KontaktpersonHelsepersonell/po:Kontaktperson", NS)
    if person is None:
        return ""
    names = " ".join(filter(None, (
        person.findtext(f"fk1:{part}", default="", namespaces=NS).strip()
        for part in ("GivenName", "MiddleName", "FamilyName"))))
    role = person.find("fk1:RoleToPatient", NS)
    if role is None:
        role = person.find("fk1:TypeHealthcareProfessional", NS)
    return f"{names} ({role.get('DN')})" if names and role is not None and role.get("DN") \
        else names


def _reported_stay(envelope: Envelope, endpoint: PloEndpoint) -> Admission:
    """The patient's latest stay at the sending hospital that a discharge report can be on:
    open, or discharged (record_discharge_report refuses one discharged too long ago). A
    stay entered in error, transferred or ended in death is none; the names are checked."""
    number = patient_number(envelope)
    hospital = endpoint.organization
    admission = (Admission.objects.filter(
        patient__identity_number=number, hospital=hospital,
        status__in=(*OPEN_STATUSES, AdmissionStatus.DISCHARGED))
        .select_related("patient", "municipality").order_by("-admitted_at").first())
    if admission is None:
        raise Unmapped("E35", f"The patient has no open or discharged stay at {hospital.name} "
                              "in Rehab Portal: the admission (LOG_INNLAGT) comes first.")
    same_patient(admission.patient, envelope)
    return admission


def discharge_report(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """UTSKRIVNINGSRAPPORT: the hospital's discharge report (tverrfaglig epikrise) on the
    patient's stay, for the municipality responsible for it, version by version (N, then
    M, A or C; each of those needs an earlier version: X99 otherwise)."""
    if receiver.kind != OrganizationKind.MUNICIPALITY:
        raise Unmapped("E21", f"{receiver.name} is not a municipality: a discharge report goes "
                              "to the patient's municipality.")
    admission = _reported_stay(envelope, endpoint)
    if admission.municipality_id != receiver.pk:
        raise Unmapped("E21", f"The stay is followed by {admission.municipality.name}, not "
                              f"{receiver.name}: the discharge report goes to the stay's "
                              "municipality.")
    approved = envelope.document.findtext("po:AnsvarForRapport/po:GodkjentDato",
                                          default="", namespaces=NS)
    try:
        reported_at = _moment(approved or envelope.generated_at)
    except ValueError:
        raise Unmapped("T99", "The report gives no time it was written or approved.") from None
    return step(lambda: pathways.record_discharge_report(
        admission, by=endpoint.client.user,
        message_status=NOTICE_STATUS[envelope.dispatch_status],
        summary=_discharge_text(envelope), reported_at=reported_at,
        responsible=_discharge_responsible(envelope)))


# -- Change and cancel of the logistics messages, and the death --------------------------------
# A change (M) or cancel (C) names the message it corrects in RefToParent; it acts on what
# that message created (PloMessage.subject_*), following a chain of changes to the original.
DECEASED_STATE = "2"  # Uttilstand (code list 8431): discharged dead


def _original(envelope: Envelope, model):
    """The record the message's original created: the received message its RefToParent
    names, from the same sender, processed (a change of a change leads to the same record).
    A change or cancel of a message the portal never got, or refused, changes nothing: E10,
    the reference is not to a message the portal holds."""
    from .models import Direction, MessageStatus, PloMessage

    if not envelope.parent_id:
        raise Unmapped("E10", f"A {envelope.msg_type} change or cancel must name the message "
                              "it corrects (ConversationRef/RefToParent).")
    parent = PloMessage.objects.filter(
        direction=Direction.IN, sender_her_id=envelope.sender.her_id,
        msg_id=envelope.parent_id).first()
    if parent is None:
        raise Unmapped("E10", f"Rehab Portal never received the message {envelope.parent_id} "
                              f"from HER-id {envelope.sender.her_id} that this one changes or "
                              "cancels.")
    if parent.status != MessageStatus.PROCESSED or parent.subject_uuid is None:
        raise Unmapped("E10", f"The message {envelope.parent_id} that this one changes or "
                              "cancels was refused or never processed, so there is nothing to "
                              "change.")
    if parent.msg_type != envelope.msg_type:
        raise Unmapped("E10", f"The message {envelope.parent_id} is a {parent.msg_type}, not "
                              f"a {envelope.msg_type}: a change or cancel names a message of "
                              "its own kind.")
    found = model.objects.filter(uuid=parent.subject_uuid).first()
    if found is None:
        raise Unmapped("X99", f"What the message {envelope.parent_id} recorded is not a "
                              f"{model.__name__} in Rehab Portal.")
    patient = found if isinstance(found, Patient) else found.patient if isinstance(
        found, Admission) else found.admission.patient
    if patient_number(envelope) != patient.identity_number:
        raise Unmapped("E36", "The message names another patient than the message it "
                              "changes or cancels.")
    same_patient(patient, envelope)
    return found


def _why(envelope: Envelope, event: str) -> str:
    """The cancel's reason: the event's description or remark, else that the sender
    cancelled its message."""
    return _remark(envelope, event) or _("Cancelled by %(sender)s's PLO message.") % {
        "sender": envelope.sender.name or envelope.sender.her_id}


def admitted_changed(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_INNLAGT, change: the time of admission and the ward corrected."""
    admission = _original(envelope, Admission)
    ward = _ward(envelope, endpoint, admission.hospital) if _unit_code(envelope) else None
    return step(lambda: stays.correct_admission(
        admission, by=endpoint.client.user, admitted_at=_event_time(envelope, ADMITTED),
        ward=ward))


def admitted_cancelled(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_INNLAGT, cancel: the stay never was (sent for the wrong patient, say)."""
    admission = _original(envelope, Admission)
    return step(lambda: stays.enter_admission_in_error(
        admission, by=endpoint.client.user, reason=_why(envelope, ADMITTED)))


def ready_changed(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKRIVNINGSKLAR, change: when the patient was declared ready, and by whom."""
    declaration = _original(envelope, ReadyForDischarge)
    return step(lambda: readiness.correct_declaration(
        declaration, by=endpoint.client.user, declared_at=_event_time(envelope, READY),
        physician=_declared_by(envelope) or None))


def ready_cancelled(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKRIVNINGSKLAR, cancel: never declared; no payment day follows from it."""
    declaration = _original(envelope, ReadyForDischarge)
    return step(lambda: readiness.enter_declaration_in_error(
        declaration, by=endpoint.client.user, reason=_why(envelope, READY)))


def withdrawn_changed(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_AVMELDING, change: when, or why, the declaration was withdrawn."""
    declaration = _original(envelope, ReadyForDischarge)
    return step(lambda: readiness.correct_withdrawal(
        declaration, by=endpoint.client.user, at=_event_time(envelope, WITHDRAWN),
        reason=_remark(envelope, WITHDRAWN) or None))


def withdrawn_cancelled(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_AVMELDING, cancel: the patient is ready again, the payment period runs on."""
    declaration = _original(envelope, ReadyForDischarge)
    return step(lambda: readiness.cancel_withdrawal(
        declaration, by=endpoint.client.user, reason=_why(envelope, WITHDRAWN)))


def _destination(envelope: Envelope) -> str:
    to = envelope.document.find(".//po:UtskrevetTil/po:UtTil", NS)
    return DESTINATIONS.get(to.get("V") if to is not None else "", DischargeDestination.OTHER)


def _discharged_dead(envelope: Envelope) -> bool:
    state = envelope.document.find(".//po:UtskrevetTil/po:Uttilstand", NS)
    return state is not None and state.get("V") == DECEASED_STATE


def discharged_changed(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKREVET, change: the time and destination of the discharge corrected."""
    admission = _original(envelope, Admission)
    if _discharged_dead(envelope) or admission.status == AdmissionStatus.DECEASED:
        raise Unmapped("X99", "A death is not recorded or undone by changing a discharge: the "
                              "ward records the death in Rehab Portal.")
    return step(lambda: stays.correct_discharge(
        admission, by=endpoint.client.user, discharged_at=_event_time(envelope, DISCHARGED),
        destination=_destination(envelope)))


def discharged_cancelled(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_UTSKREVET, cancel: the patient is still in hospital; the stay is open again."""
    admission = _original(envelope, Admission)
    if admission.status == AdmissionStatus.DECEASED:
        raise Unmapped("X99", "The discharge recorded the patient's death, which a cancel of "
                              "the discharge message does not undo: the ward corrects it in "
                              "Rehab Portal.")
    return step(lambda: stays.reopen_admission(
        admission, by=endpoint.client.user, reason=_why(envelope, DISCHARGED)))


def _known_patient(envelope: Envelope, endpoint: PloEndpoint) -> Patient:
    """The patient the message names, as the sender may see them, both names checked."""
    number = patient_number(envelope)
    patient = Patient.objects.visible_to(endpoint.client.user).filter(
        identity_number=number).first()
    if patient is None:
        raise Unmapped("E35", f"{endpoint.organization.name} has no patient with this "
                              "identity number in Rehab Portal.")
    same_patient(patient, envelope)
    return patient


def died(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_DOD (orientering om dødsfall, event 13; between the municipality and the GP, HIS
    1149 § 3.6): the death. In hospital when the sender has the patient in an open stay
    (the stay's death); else outside hospital: Patient.died_at, the referrals end, the
    municipality's KE is told."""
    patient = _known_patient(envelope, endpoint)
    died_at = _event_time(envelope, DEATH)
    stay = Admission.objects.filter(patient=patient, hospital=endpoint.organization,
                                    status__in=OPEN_STATUSES).first()
    if stay is not None:
        return step(lambda: pathways.record_death(stay, by=endpoint.client.user,
                                                  died_at=died_at))
    return step(lambda: stays.record_death_outside_hospital(
        patient, by=endpoint.client.user, died_at=died_at))


def died_cancelled(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """LOG_DOD, cancel: the death outside hospital was recorded in error. A death in
    hospital is the stay's, which the ward corrects."""
    from .models import Direction, PloMessage

    parent = PloMessage.objects.filter(direction=Direction.IN,
                                       sender_her_id=envelope.sender.her_id,
                                       msg_id=envelope.parent_id).first()
    if parent is not None and parent.subject_type == "admission":
        raise Unmapped("X99", "The patient died in hospital: the ward corrects that in Rehab "
                              "Portal, not a cancel of the death message.")
    patient = _original(envelope, Patient)
    return step(lambda: stays.enter_death_in_error(
        patient, by=endpoint.client.user, reason=_why(envelope, DEATH)))


# (message type, dispatch status) → what it becomes.
HANDLERS = {("LOG_INNLAGT", "N"): admitted, ("LOG_UTSKRIVNINGSKLAR", "N"): ready,
            ("LOG_AVMELDING", "N"): withdrawn, ("LOG_UTSKREVET", "N"): discharged,
            **{("HELSEOPPL_SOKNAD", status): health_information for status in NOTICE_STATUS},
            **{("INNLEGGELSESRAPPORT", status): admission_report for status in NOTICE_STATUS},
            **{("UTSKRIVNINGSRAPPORT", status): discharge_report for status in NOTICE_STATUS},
            ("LOG_INNLAGT", "M"): admitted_changed, ("LOG_INNLAGT", "C"): admitted_cancelled,
            ("LOG_UTSKRIVNINGSKLAR", "M"): ready_changed,
            ("LOG_UTSKRIVNINGSKLAR", "C"): ready_cancelled,
            ("LOG_AVMELDING", "M"): withdrawn_changed,
            ("LOG_AVMELDING", "C"): withdrawn_cancelled,
            ("LOG_UTSKREVET", "M"): discharged_changed,
            ("LOG_UTSKREVET", "C"): discharged_cancelled,
            ("LOG_DOD", "N"): died, ("LOG_DOD", "C"): died_cancelled,
            # Dialogmelding forespørsel and svar: a question on the pathway and its answer.
            **dialog.HANDLERS}


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

