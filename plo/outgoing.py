"""The PLO messages the portal writes for a step taken in it, for a receiving organisation
that wants PLO: the MsgHead 1.2 envelope around the business document, built with lxml from
the portal's records and valid against the published schemas (tests/plo/test_outgoing.py).

The logistics messages (Pasientlogistikk: admitted, ready for discharge, its withdrawal,
discharged) and the early notification (HELSEOPPL_SOKNAD, every version); the Dialogmelding
ones are plo.dialog's. plo.outbox writes them for a step and
sends them."""

import datetime
import uuid
import zoneinfo

from django.utils import translation
from lxml import etree

from pathways.models import (
    Admission,
    DischargeDestination,
    EarlyNotification,
    MessageStatus,
    NoticeState,
    Patient,
    ReadyForDischarge,
)
from registry.models import Organization

from . import codes
from .envelope import FK1, MSGHEAD, PO

P1 = "http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01"
MIG_VERSION = "v1.2 2006-05-24"
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# How the remark of a readiness event names the declaring physician (plo.mapping reads it).
DECLARED_BY = "Erklært utskrivningsklar av: "
# The identifier types of code list 8116 (fødselsnummer, D-number) and 9051 (HER-id).
IDENTITY_LIST, HER_LIST = "2.16.578.1.12.4.1.1.8116", "2.16.578.1.12.4.1.1.9051"


def _el(parent, namespace: str, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _local(moment: datetime.datetime) -> str:
    """A time as PLO writes it: Norwegian local time, to the second."""
    return moment.astimezone(OSLO).replace(tzinfo=None).isoformat(timespec="seconds")


local_time = _local  # the public name, for plo.outbox's changes and cancels


def _organisation(parent, organization: Organization) -> None:
    node = _el(parent, MSGHEAD, "Organisation")
    _el(node, MSGHEAD, "OrganisationName", organization.name)
    ident = _el(node, MSGHEAD, "Ident")
    _el(ident, MSGHEAD, "Id", organization.her_id)
    _el(ident, MSGHEAD, "TypeId", V="HER", DN="HER-id", S=HER_LIST)


def _patient(parent, patient: Patient) -> None:
    node = _el(parent, MSGHEAD, "Patient")
    _el(node, MSGHEAD, "FamilyName", patient.family_name)
    _el(node, MSGHEAD, "GivenName", patient.given_name)
    if patient.birth_date:
        _el(node, MSGHEAD, "DateOfBirth", patient.birth_date.isoformat())
    ident = _el(node, MSGHEAD, "Ident")
    _el(ident, MSGHEAD, "Id", patient.identity_number)
    kind = "DNR" if int(patient.identity_number[0]) >= 4 else "FNR"
    _el(ident, MSGHEAD, "TypeId", V=kind,
        DN="D-nummer" if kind == "DNR" else "Fødselsnummer", S=IDENTITY_LIST)


def envelope(msg_type: str, *, sender: Organization, receiver: Organization, patient: Patient,
             document: etree._Element, now: datetime.datetime, msg_id: str | None = None,
             parent_id: str = "", conversation_id: str = "") -> bytes:
    """The MsgHead around one business document."""
    root = etree.Element(f"{{{MSGHEAD}}}MsgHead", nsmap={None: MSGHEAD})
    info = _el(root, MSGHEAD, "MsgInfo")
    kind = codes.code(codes.MESSAGE_TYPE, msg_type)
    _el(info, MSGHEAD, "Type", V=kind.value, DN=kind.text)
    _el(info, MSGHEAD, "MIGversion", MIG_VERSION)
    _el(info, MSGHEAD, "GenDate", _local(now))
    msg_id = msg_id or str(uuid.uuid4())
    _el(info, MSGHEAD, "MsgId", msg_id)
    if parent_id:
        reference = _el(info, MSGHEAD, "ConversationRef")
        _el(reference, MSGHEAD, "RefToParent", parent_id)
        _el(reference, MSGHEAD, "RefToConversation", conversation_id or parent_id)
    _organisation(_el(info, MSGHEAD, "Sender"), sender)
    _organisation(_el(info, MSGHEAD, "Receiver"), receiver)
    _patient(info, patient)
    reference = _el(_el(root, MSGHEAD, "Document"), MSGHEAD, "RefDoc")
    _el(reference, MSGHEAD, "IssueDate", V=_local(now))
    _el(reference, MSGHEAD, "MsgType", V="XML", DN="XML-instans")
    _el(reference, MSGHEAD, "Content").append(document)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _event(parent, event: str, at: datetime.datetime | datetime.date, *, estimated=False,
           remark: str = ""):
    happening = _el(parent, PO, "TidsfestetHendelse")
    code = codes.code(codes.LOGISTICS_EVENT, event)
    _el(happening, PO, "Hendelsekode", V=code.value, DN=code.text, S=code.oid)
    when = at.isoformat() if not isinstance(at, datetime.datetime) else _local(at)
    _el(happening, PO, "TidspunktForHendelse", V=when)
    _el(happening, PO, "Anslag", "true" if estimated else "false")
    if remark:
        _el(happening, PO, "Merknad", remark[:1000])
    return happening


def _head(root, admission: Admission, *, status: str, responsible=None) -> None:
    """What a PO document starts with: the dispatch status; the ward by its code as the
    hospital's local unit id (type LAV), which the receiving side maps back to the ward;
    the professional responsible for the report."""
    dispatch = codes.code(codes.DISPATCH_STATUS, status)
    _el(_el(root, PO, "InformasjonOmForsendelsen"), PO, "Forsendelsesstatus",
        V=dispatch.value, DN=dispatch.text)
    if admission.ward_id:
        unit = _el(_el(root, PO, "TilknyttetEnhet"), PO, "Kontaktenhet")
        _el(unit, FK1, "OrganisationName", admission.ward.name)
        ident = _el(unit, FK1, "Ident")
        _el(ident, FK1, "Id", admission.ward.code)
        _el(ident, FK1, "TypeId", V="LAV", DN="Lokal identifikator for avdelinger", S=HER_LIST)
    if responsible is not None and responsible.hpr_number:
        # The professional responsible for the report, who the schema requires to be
        # identified: the user who recorded it, by their HPR number; never made up.
        person = _el(_el(root, PO, "AnsvarForRapport"), PO, "AnsvarligRapport")
        _el(person, FK1, "FamilyName", responsible.last_name)
        _el(person, FK1, "GivenName", responsible.first_name)
        ident = _el(person, FK1, "Ident")
        _el(ident, FK1, "Id", responsible.hpr_number)
        _el(ident, FK1, "TypeId", V="HPR", DN="HPR-nummer", S=IDENTITY_LIST)


def _logistics(kind: str, admission: Admission, *, status: str = "N",
               responsible=None) -> tuple:
    """The Pasientlogistikk document and its message element (MeldingInnlagtPasient ...)."""
    root = etree.Element(f"{{{P1}}}Pasientlogistikk", nsmap={"p1": P1, None: PO, "fk1": FK1})
    _head(root, admission, status=status, responsible=responsible)
    return root, _el(root, P1, kind)


def _wrap(msg_type: str, admission: Admission, document, now, msg_id=None) -> bytes:
    return envelope(msg_type, sender=admission.hospital, receiver=admission.municipality,
                    patient=admission.patient, document=document, now=now, msg_id=msg_id)


def admitted(admission: Admission, *, now: datetime.datetime,
             msg_id: str | None = None) -> bytes:
    """LOG_INNLAGT: the patient was admitted (event 1, final)."""
    document, message = _logistics("MeldingInnlagtPasient", admission)
    _event(message, "1", admission.admitted_at)
    return _wrap("LOG_INNLAGT", admission, document, now, msg_id)


def ready(declaration: ReadyForDischarge, *, now: datetime.datetime) -> bytes:
    """LOG_UTSKRIVNINGSKLAR: declared ready (event 3), the declaring physician named in its
    remark (the portal records the name only); the admission (event 1) with it, as the
    standard's example has."""
    admission = declaration.admission
    document, message = _logistics("MeldingUtskrivningsklarPasient", admission,
                                   responsible=declaration.created_by)
    _event(message, "1", admission.admitted_at)
    _event(message, "3", declaration.declared_at,
           remark=f"{DECLARED_BY}{declaration.physician}")
    return _wrap("LOG_UTSKRIVNINGSKLAR", admission, document, now)


def withdrawn(declaration: ReadyForDischarge, *, now: datetime.datetime) -> bytes:
    """LOG_AVMELDING: no longer ready (event 4), with the reason as the remark."""
    document, message = _logistics("AvmeldingUtskrivningsklarPasient", declaration.admission)
    _event(message, "4", declaration.withdrawn_at, remark=declaration.withdrawal_reason)
    return _wrap("LOG_AVMELDING", declaration.admission, document, now)


# Code list 8408 (utskrevet til): the one value the published examples show. The portal's
# other destinations go as the code list's original text (OT, no code), which the schema
# allows, until the whole code list is at hand (docs/plo.md).
DISCHARGED_TO = "2.16.578.1.12.4.1.1.8408"
HOME_DESTINATIONS = (DischargeDestination.HOME, DischargeDestination.HOME_WITH_SERVICES)


def discharged(admission: Admission, *, now: datetime.datetime) -> bytes:
    """LOG_UTSKREVET: discharged (event 2), alive, to where (UtskrevetTil)."""
    document, message = _logistics("MeldingOmUtskrevetPasient", admission)
    to = _el(message, PO, "UtskrevetTil")
    _el(to, PO, "Uttilstand", V="1", DN="Som levende", S="2.16.578.1.12.4.1.1.8431")
    if admission.discharge_destination in HOME_DESTINATIONS:
        _el(to, PO, "UtTil", V="1", DN="Bosted/arbeidssted", S=DISCHARGED_TO)
    else:
        with translation.override("nb"):
            _el(to, PO, "UtTil", S=DISCHARGED_TO,
                OT=str(admission.get_discharge_destination_display()))
    _event(message, "2", admission.discharged_at)
    return _wrap("LOG_UTSKREVET", admission, document, now)


# -- The early notification (HELSEOPPL_SOKNAD, "varsel om innlagt pasient") -------------------
P5 = "http://www.kith.no/xmlstds/po/HelseopplysningerVedSoknad/2012-04-01"
EPJ2 = "http://www.kith.no/xmlstds/epj/epj2/2008-02-20"
META = "http://www.kith.no/xmlstds/epj/meta/2008-02-20"
# The notice's message status as PLO's dispatch status (code list 7309). PLO has no
# "replaces": a replacing version carries the whole notice, which is what a change (M) is.
DISPATCH = {MessageStatus.NEW: "N", MessageStatus.CHANGE: "M", MessageStatus.ADDITION: "A",
            MessageStatus.CANCEL: "C", MessageStatus.REPLACES: "M"}
# Code list 9140 (type innhold i melding): the first notice, then updated information.
CONTENT_TYPE = "2.16.578.1.12.4.1.1.9140"
FIRST_NOTICE, UPDATED = ("1", "Varsel om innlagt pasient"), ("2", "Oppdaterte opplysninger")
# Code list 9145 (overskrift, helseopplysninger): the two headings the official examples
# show. The notice's other parts have no code known here (the list is not in
# plo/standards/codelists.json): each goes as a journal text of its own that starts with
# its Norwegian heading, which a receiving EPJ shows as written and plo.mapping reads back
# the same way ("heading: note"). No code is made up.
HEADINGS = "2.16.578.1.12.4.1.1.9145"
PATIENT_STATUS, EXPECTED_COURSE = ("1", "Pasientens status"), ("2", "Antatt forløp")


def _yes_no(value: bool) -> str:
    return "Ja" if value else "Nei"


def _course(text: str) -> list[tuple[tuple[str, str] | None, str]]:
    """The expected course as journal texts. Written in the portal, it is one text under
    "Antatt forløp". A notice that came by PLO holds its message's journal texts as
    plo.mapping folds them ("heading: note", a blank line between); passed on, they go under
    their own headings again, not nested under another, so an EPJ reads what the hospital
    wrote, and the text read back is the same."""
    known = {f"{name}: ": (code, name) for code, name in (PATIENT_STATUS, EXPECTED_COURSE)}
    if not any(text.startswith(prefix) for prefix in known):
        return [(EXPECTED_COURSE, text)]
    texts = []
    for paragraph in text.split("\n\n"):
        prefix = next((prefix for prefix in known if paragraph.startswith(prefix)), None)
        texts.append((known[prefix], paragraph.removeprefix(prefix)) if prefix
                     else (None, paragraph))
    return texts


def notice_texts(notice: EarlyNotification) -> list[tuple[tuple[str, str] | None, str]]:
    """The notice's content as journal texts, in the form's order: (the 9145 heading, or
    None, the note). Empty parts are left out; the texts are as written."""
    status = "\n".join(line for line in (
        f"Funksjonsnivå: {notice.functional_level.strip()}"
        if notice.functional_level.strip() else "",
        f"Barthel-indeks: {notice.barthel_index} av 100"
        if notice.barthel_index is not None else "",
        f"Modifisert Rankin-skala (mRS): {notice.modified_rankin} av 6"
        if notice.modified_rankin is not None else "") if line)
    texts = [*_course(notice.expected_course.strip()), (PATIENT_STATUS, status)]
    for heading, value in (
            ("Rehabiliteringsbehov", notice.rehabilitation_need.strip()),
            ("Foreslått nivå i rehabiliteringspyramiden",
             notice.proposed_level.name if notice.proposed_level_id else ""),
            ("Foreløpig vurdering av behov for kommunale tjenester",
             notice.municipal_services_assessment.strip()),
            ("Informasjon gitt til pasienten", notice.information_given_to_patient.strip()),
            ("Pårørende informert", _yes_no(notice.next_of_kin_informed)
             if notice.next_of_kin_informed is not None else ""),
            ("Individuell plan eller koordinator",
             "Pasienten kan ha behov for individuell plan eller koordinator"
             if notice.requests_individual_plan else "")):
        if value:
            texts.append((None, f"{heading}: {value}"))
    return [(heading, note) for heading, note in texts if note]


def notice_text(notice: EarlyNotification) -> str:
    """The notice as a receiver that reads the journal texts under their headings sees it
    (plo.mapping: "heading: note", a blank line between)."""
    return "\n\n".join(f"{heading[1]}: {note}" if heading else note
                       for heading, note in notice_texts(notice))


def _previous_message(notice: EarlyNotification):
    """The PLO message that carried the notice's previous version, or None (it went only
    through the portal). Sent or received: first the one the portal sent to this
    municipality (its EPJ knows that MsgId; a received version passed on has both), else the
    latest; never one the receiver refused, which it does not hold."""
    from .models import Direction, PloMessage
    from .models import MessageStatus as Status

    previous = (EarlyNotification.objects.filter(
        admission_id=notice.admission_id, state=NoticeState.SENT,
        sequence__lt=notice.sequence).order_by("-sequence").only("uuid").first())
    if previous is None:
        return None
    carried = list(PloMessage.objects.filter(
        subject_uuid=previous.uuid, msg_type="HELSEOPPL_SOKNAD").exclude(msg_id="")
        .exclude(status=Status.REFUSED).only("msg_id", "direction", "receiver_id", "document")
        .order_by("-received_at", "-id"))
    municipality = notice.admission.municipality_id
    return next((message for message in carried if message.direction == Direction.OUT
                 and message.receiver_id == municipality), carried[0] if carried else None)


def _conversation(message) -> dict:
    """The envelope's ConversationRef for a version after `message`: its MsgId as the
    parent, and the conversation it belongs to (its own RefToConversation, else itself)."""
    if message is None:
        return {}
    from . import xml

    try:
        conversation = (xml.parse(bytes(message.document)).findtext(
            f"{{{MSGHEAD}}}MsgInfo/{{{MSGHEAD}}}ConversationRef/{{{MSGHEAD}}}RefToConversation")
            or "").strip()
    except xml.Refused:
        conversation = ""
    return {"parent_id": message.msg_id, "conversation_id": conversation or message.msg_id}


def health_information(notice: EarlyNotification, *, now: datetime.datetime,
                       msg_id: str | None = None) -> bytes:
    """HELSEOPPL_SOKNAD: one version of the early notification, from the hospital to the
    stay's municipality, as the official examples write it: the dispatch status (N for the
    first version, M/A/C after), the ward, the type of content (9140), the estimated
    discharge date as event 3 (an estimate), else the admission (event 1, the one stay fact
    the schema's required OpplysningOpphold can hold), and the notice's journal texts. The
    user who sent it is the responsible professional when they have an HPR number. A later
    version refers to the message that carried the previous one, if one did."""
    admission = notice.admission
    root = etree.Element(f"{{{P5}}}HelseopplysningerVedSoknad",
                         nsmap={"p5": P5, None: PO, "fk1": FK1, "epj2": EPJ2, "m1": META})
    first = notice.message_status == MessageStatus.NEW
    _head(root, admission, status=DISPATCH[notice.message_status],
          responsible=notice.sent_by)
    kind, text = FIRST_NOTICE if first else UPDATED
    _el(_el(root, PO, "TypeInnholdIMelding"), PO, "TypeInnhold", V=kind, DN=text,
        S=CONTENT_TYPE)
    stay = _el(root, PO, "OpplysningOpphold")
    if notice.estimated_discharge_date:
        _event(stay, "3", notice.estimated_discharge_date, estimated=True)
    else:
        _event(stay, "1", admission.admitted_at)
    texts = notice_texts(notice)
    if texts:
        notes = _el(_el(root, PO, "MedisinskfagligeOpplysninger"), EPJ2,
                    "GenereltJournalnotat", komponentID=str(notice.uuid))
        notes.set(f"{{{META}}}informasjonskategori", "Andre notater")
        notes.set(f"{{{META}}}komponenttype", "2.16.578.1.12.4.1.6.13.11009.0")
        notes.set(f"{{{META}}}basiskomponenttype", "EPJ dokument")
        for heading, note in texts:
            journal = _el(notes, EPJ2, "Journaltekst")
            if heading:
                _el(journal, EPJ2, "Overskriftskode", V=heading[0], DN=heading[1], S=HEADINGS)
            _el(journal, EPJ2, "Notat", note)
    reference = {} if first else _conversation(_previous_message(notice))
    return envelope("HELSEOPPL_SOKNAD", sender=admission.hospital,
                    receiver=admission.municipality, patient=admission.patient,
                    document=root, now=now, msg_id=msg_id, **reference)
