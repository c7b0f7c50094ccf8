"""The PLO messages the portal writes for a step taken in it, for a receiving organisation
that wants PLO: the MsgHead 1.2 envelope around the business document, built with lxml from
the portal's records and valid against the published schemas (tests/plo/test_outgoing.py).

The logistics messages (Pasientlogistikk: admitted, ready for discharge, its withdrawal,
discharged); the Dialogmelding ones are plo.dialog's. plo.outbox writes them for a step and
sends them."""

import datetime
import uuid
import zoneinfo

from django.utils import translation
from lxml import etree

from pathways.models import Admission, DischargeDestination, Patient, ReadyForDischarge
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


def _logistics(kind: str, admission: Admission, *, status: str = "N",
               responsible=None) -> tuple:
    """The Pasientlogistikk document and its message element (MeldingInnlagtPasient ...),
    naming the ward by its code as the hospital's local unit id (type LAV), which the
    receiving side maps back to the ward."""
    root = etree.Element(f"{{{P1}}}Pasientlogistikk", nsmap={"p1": P1, None: PO, "fk1": FK1})
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
