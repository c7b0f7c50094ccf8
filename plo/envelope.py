"""What the MsgHead envelope says about a message, read from a validated document: its type
(code list 8279), id, time, the conversation it belongs to (the message it changes or
cancels), sender and receiver (organisations by HER-id, with the department), the patient
as the sender names them, and the business document in its content with its dispatch status
(code list 7309: new, change, addition, cancel; a Dialogmelding has none)."""

import datetime
from dataclasses import dataclass

from lxml import etree

MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
FK1 = "http://www.kith.no/xmlstds/felleskomponent1"
PO = "http://www.kith.no/xmlstds/po/poKomponent/2012-04-01"
NS = {"mh": MSGHEAD, "fk1": FK1, "po": PO}
HER = "HER"
# Patient identifiers (code list 8116): fødselsnummer and D-number.
IDENTITY_TYPES = {"FNR", "DNR"}


@dataclass(frozen=True)
class Party:
    """An organisation by its HER-id, and the department (its own HER-id) when named."""

    her_id: str
    name: str
    unit_her_id: str = ""
    unit_name: str = ""


@dataclass(frozen=True)
class NamedPatient:
    identity_number: str
    given_name: str
    family_name: str
    birth_date: datetime.date | None


@dataclass(frozen=True)
class Envelope:
    msg_type: str
    msg_id: str
    generated_at: str
    parent_id: str  # the message this one answers, changes or cancels ("" for a new one)
    conversation_id: str
    sender: Party
    receiver: Party
    patient: NamedPatient | None
    document: etree._Element | None  # the business document (its root), if any
    # N new, M change, A addition, C cancel (PLO); "" for a Dialogmelding and other kinds
    dispatch_status: str


def _text(node, path: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _her_id(organisation) -> str:
    for ident in organisation.findall("mh:Ident", NS):
        type_id = ident.find("mh:TypeId", NS)
        if type_id is not None and type_id.get("V") == HER:
            return _text(ident, "mh:Id")
    return ""


def _party(node) -> Party:
    organisation = node.find("mh:Organisation", NS)
    unit = organisation.find("mh:Organisation", NS)
    return Party(
        her_id=_her_id(organisation), name=_text(organisation, "mh:OrganisationName"),
        unit_her_id=_her_id(unit) if unit is not None else "",
        unit_name=_text(unit, "mh:OrganisationName") if unit is not None else "")


def _patient(info) -> NamedPatient | None:
    patient = info.find("mh:Patient", NS)
    if patient is None:
        return None
    number = ""
    for ident in patient.findall("mh:Ident", NS):
        type_id = ident.find("mh:TypeId", NS)
        if type_id is not None and type_id.get("V") in IDENTITY_TYPES:
            number = _text(ident, "mh:Id")
    born = _text(patient, "mh:DateOfBirth")
    try:
        birth_date = datetime.date.fromisoformat(born) if born else None
    except ValueError:
        birth_date = None
    return NamedPatient(identity_number=number, given_name=_text(patient, "mh:GivenName"),
                        family_name=_text(patient, "mh:FamilyName"), birth_date=birth_date)


def read_envelope(root: etree._Element) -> Envelope:
    """The envelope of a document that validated against the schemas (plo.xml.read)."""
    info = root.find("mh:MsgInfo", NS)
    document = next(iter(root.findall("mh:Document/mh:RefDoc/mh:Content/*", NS)), None)
    return Envelope(
        msg_type=info.find("mh:Type", NS).get("V", ""), msg_id=_text(info, "mh:MsgId"),
        generated_at=_text(info, "mh:GenDate"),
        parent_id=_text(info, "mh:ConversationRef/mh:RefToParent"),
        conversation_id=_text(info, "mh:ConversationRef/mh:RefToConversation"),
        sender=_party(info.find("mh:Sender", NS)), receiver=_party(info.find("mh:Receiver", NS)),
        patient=_patient(info), document=document, dispatch_status=dispatch_status(document))


def dispatch_status(document) -> str:
    """The PLO document's dispatch status (code list 7309), where every PLO 1.6 document
    has it: InformasjonOmForsendelsen, a child of its root. A document without one (a
    Dialogmelding, which has no dispatch status) has "", and so does one that only carries
    such an element deeper down, in free text (a Dialogmelding's notat is anyType): a
    message is not made a cancellation by what its text holds."""
    if document is None:
        return ""
    found = document.find("po:InformasjonOmForsendelsen/po:Forsendelsesstatus", NS)
    return found.get("V", "") if found is not None else ""
