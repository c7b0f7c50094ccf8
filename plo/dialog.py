"""Dialogmelding 1.1 (HIS 80603:2017) between the hospital and the municipality: a question on
the pathway and its answer, in and out, and the municipality's answer to a ready-for-
discharge declaration out. Each inside the MsgHead 1.2 envelope (plo.outgoing.envelope),
valid against the published schemas (tests/plo/test_dialog.py).

How the standard is used (HIS 1152:2006 Forespørsel og svar, HISD 80903:2009):
- A question (DIALOG_FORESPORSEL) is one Foresporsel: its type from code list 9152
  ("Standardiserte spørsmål vedr. pasientsamhandling"), 99 "Annen henvendelse" with the
  question in Sporsmal as free text, which 99 requires; its DokIdForesp is the question's
  UUID, so that the answer, which carries the question back, names it.
- An answer (DIALOG_SVAR) is a Notat with theme 5 "Svar på forespørsel" (code list 9069), the
  answer in TekstNotatInnhold, the date it was written, and the question it answers
  (HISD 80903: "Når dette er et svar på en forespørsel skal forespørselen alltid følge
  med"). If the question came by PLO, the envelope's ConversationRef names its MsgId.
- The municipality's answer to "melding om utskrivningsklar pasient" (LOG_UTSKRIVNINGSKLAR)
  has no message of its own in PLO 1.6 (HIS 1149 has none from the municipality). It is not
  an answer to a forespørsel either: DIALOG_SVAR must carry the Foresporsel it answers, and
  there is none. It is information to the hospital that needs no answer, which is what the
  standard's Notat is for (HIS 80603:2017 3.1: "Notat kan blant annet benyttes for å sende
  opplysninger relatert til en pasientbehandling hvor det ikke forventes at det skal sendes
  noe svar tilbake fra mottaker"): a DIALOG_NOTAT, theme 1 "Notat om pasient" (code list
  7321), saying in plain Norwegian whether and from when the municipality can receive the
  patient, with its comment. If the declaration came by PLO, the ConversationRef names that
  message, as an avviksmelding names what it is about.
- The author of each (RollerRelatertNotat, role 1 "Forfatter" of code list 9057) is the
  person who wrote it, with their HPR number when the portal has it; never an EPJ system's
  service account.

In: a forespørsel becomes a question on the patient's open stay between the sender and the
receiver (pathways.services.ask_question), a svar the answer to the question it names
(answer_question). Dialogmelding 1.0 (HIS 80603:2006, namespace 2006-10-11), which many
municipal EPJ systems still send, is read as 1.1 is: the elements read here have the same
names and places in both (1.1 adds EmneSporsmal, and XHTML in Sporsmal). Out, the portal
writes 1.1."""

import datetime
import uuid
import zoneinfo

from lxml import etree

from pathways import services as pathways
from pathways.models import (
    Admission,
    MunicipalAnswer,
    MunicipalAnswerKind,
    PathwayQuestion,
)
from pathways.models.admissions import OPEN_STATUSES
from registry.models import OrganizationKind

from . import codes, xml
from .envelope import FK1, MSGHEAD, Envelope
from .models import Direction, PloEndpoint, PloMessage
from .outgoing import IDENTITY_LIST, _el, envelope
from .steps import Unmapped, patient_number, same_patient, step

DIALOG = "http://www.kith.no/xmlstds/dialog/2013-01-23"
DIALOG_1_0 = "http://www.kith.no/xmlstds/dialog/2006-10-11"
# The versions read in (plo/standards/schema-set.xsd has both); the first is written out.
VERSIONS = {DIALOG: "1.1", DIALOG_1_0: "1.0"}
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# The code lists a Dialogmelding uses (plo/standards/codelists.json).
QUESTION_TYPE, ANSWER_THEME, NOTE_THEME, NOTE_ROLE = "9152", "9069", "7321", "9057"
OTHER_QUESTION, ANSWER, PATIENT_NOTE, AUTHOR = "99", "5", "1", "1"
FORESPORSEL, SVAR, NOTAT = "DIALOG_FORESPORSEL", "DIALOG_SVAR", "DIALOG_NOTAT"
# What the PloMessage of a question names as its subject (plo.services._map).
QUESTION_SUBJECT = PathwayQuestion.__name__.lower()


# ---------------------------------------------------------------------------------------
# Out


def _cv(parent, tag: str, code_list: str, value: str):
    code = codes.code(code_list, value)
    return _el(parent, DIALOG, tag, V=code.value, DN=code.text, S=code.oid)


def _ns(node) -> dict:
    """The prefixes for reading `node`'s Dialogmelding, in its own version (VERSIONS)."""
    return {"dia": etree.QName(node).namespace, "fk1": FK1}


def _dialog() -> etree._Element:
    return etree.Element(f"{{{DIALOG}}}Dialogmelding", nsmap={None: DIALOG, "fk1": FK1})


def _author(parent, user, name: str = "") -> None:
    """The person who wrote it: the name the step recorded, else the user's own (with their
    HPR number); nothing for an EPJ system's service account that names nobody."""
    own = user is not None and not user.is_service_account and not name.strip()
    if own:
        given, family = user.first_name.strip(), user.last_name.strip()
    else:
        given, _space, family = name.strip().rpartition(" ")
    if not (given or family):
        return
    role = _el(parent, DIALOG, "RollerRelatertNotat")
    _cv(role, "RolleNotat", NOTE_ROLE, AUTHOR)
    person = _el(role, DIALOG, "HealthcareProfessional")
    if family:
        _el(person, DIALOG, "FamilyName", family[:100])
    if given:
        _el(person, DIALOG, "GivenName", given[:100])
    if own and user.hpr_number:
        ident = _el(person, DIALOG, "Ident")
        _el(ident, FK1, "Id", user.hpr_number)
        _el(ident, FK1, "TypeId", V="HPR", DN="HPR-nummer", S=IDENTITY_LIST)


def _local_date(moment: datetime.datetime) -> str:
    return moment.astimezone(OSLO).date().isoformat()


def _received(subject_uuid, msg_type: str) -> PloMessage | None:
    """The message the portal received that became `subject_uuid` (a question, a
    declaration), to refer to in the answer; None if it came another way."""
    return (PloMessage.objects.filter(direction=Direction.IN, subject_uuid=subject_uuid,
                                      msg_type=msg_type).exclude(msg_id="")
            .order_by("received_at").first())


def _reference(message: PloMessage | None) -> dict:
    if message is None:
        return {}
    try:
        conversation = (xml.parse(bytes(message.document)).findtext(
            f"{{{MSGHEAD}}}MsgInfo/{{{MSGHEAD}}}ConversationRef/{{{MSGHEAD}}}RefToConversation")
            or "").strip()
    except xml.Refused:  # it was read once; if not now, the message's own id
        conversation = ""
    return {"parent_id": message.msg_id, "conversation_id": conversation or message.msg_id}


def _foresporsel(parent, question: PathwayQuestion, received=None):
    """The question as a Foresporsel: the one it came as (its type and its own id), else
    the portal's free-text kind with the question's UUID."""
    node = _el(parent, DIALOG, "Foresporsel")
    kind = doc_id = None
    if received is not None:
        try:
            root = xml.parse(bytes(received.document))
        except xml.Refused:
            root = etree.Element("unreadable")
        found = next((node for version in VERSIONS
                      for node in root.iter(f"{{{version}}}Foresporsel")), None)
        if found is not None:
            ns = _ns(found)
            kind = found.find("dia:TypeForesp", ns)
            doc_id = (found.findtext("dia:DokIdForesp", default="", namespaces=ns)
                      or "").strip()
    if kind is not None:
        _el(node, DIALOG, "TypeForesp", **{k: v for k, v in kind.attrib.items()
                                           if k in {"V", "S", "DN", "OT"}})
    else:
        _cv(node, "TypeForesp", QUESTION_TYPE, OTHER_QUESTION)
    _el(node, DIALOG, "Sporsmal", question.text)
    _el(node, DIALOG, "DokIdForesp", doc_id or str(question.uuid))
    return node


def question(q: PathwayQuestion, *, now: datetime.datetime) -> bytes:
    """DIALOG_FORESPORSEL from the asking organisation to the asked, about the stay's
    patient."""
    document = _dialog()
    node = _foresporsel(document, q)
    _author(node, q.asked_by if q.asked_by_id else None, q.asked_by_name)
    return envelope(FORESPORSEL, sender=q.asked_by_organization, receiver=q.to_organization,
                    patient=q.admission.patient, document=document, now=now)


def answer(q: PathwayQuestion, *, now: datetime.datetime) -> bytes:
    """DIALOG_SVAR from the asked organisation to the asking: the answer, with the question
    it answers; referring to the question's message if it came by PLO."""
    if not q.answered_at:
        raise ValueError("The question is not answered yet.")
    received = _received(q.uuid, FORESPORSEL)
    document = _dialog()
    note = _el(document, DIALOG, "Notat")
    _cv(note, "TemaKodet", ANSWER_THEME, ANSWER)
    _el(note, DIALOG, "TekstNotatInnhold", q.answer)
    _el(note, DIALOG, "DatoNotat", _local_date(q.answered_at))
    _foresporsel(note, q, received)
    _author(note, q.answered_by if q.answered_by_id else None, q.answered_by_name)
    return envelope(SVAR, sender=q.to_organization, receiver=q.asked_by_organization,
                    patient=q.admission.patient, document=document, now=now,
                    **_reference(received))


def _day(value: datetime.date) -> str:
    return value.strftime("%d.%m.%Y")


def municipal_answer_text(a: MunicipalAnswer) -> str:
    """What the municipality answered, as the hospital reads it (Norwegian, always: it goes
    to another system)."""
    declaration = a.declaration
    admission = declaration.admission
    lines = []
    if a.kind == MunicipalAnswerKind.CAN_RECEIVE:
        lines.append(f"{admission.municipality.name} kan ta imot pasienten fra "
                     f"{_day(a.receive_on)}.")
    elif a.expected_date:
        lines.append(f"{admission.municipality.name} kan ikke ta imot pasienten ennå. "
                     f"Forventet dato: {_day(a.expected_date)}.")
    else:
        lines.append(f"{admission.municipality.name} kan ikke ta imot pasienten ennå. "
                     "Forventet dato er ikke kjent.")
    declared = declaration.declared_at.astimezone(OSLO)
    lines.append(f"Svar på melding om utskrivningsklar pasient {_day(declared.date())} kl. "
                 f"{declared:%H:%M}, {admission.hospital.name}.")
    if a.comment.strip():
        lines.append(f"Kommentar: {a.comment.strip()}")
    return "\n".join(lines)


def municipal_answer(answer: MunicipalAnswer, *, now: datetime.datetime) -> bytes:
    """DIALOG_NOTAT from the municipality to the hospital: whether, and from when, it can
    receive the patient declared ready for discharge (see the module's docstring)."""
    declaration = answer.declaration
    admission = declaration.admission
    document = _dialog()
    note = _el(document, DIALOG, "Notat")
    _cv(note, "TemaKodet", NOTE_THEME, PATIENT_NOTE)
    _el(note, DIALOG, "Tema", "Svar på melding om utskrivningsklar pasient")
    _el(note, DIALOG, "TekstNotatInnhold", municipal_answer_text(answer))
    _el(note, DIALOG, "DatoNotat", _local_date(answer.answered_at))
    _author(note, answer.answered_by)
    return envelope(NOTAT, sender=admission.municipality, receiver=admission.hospital,
                    patient=admission.patient, document=document, now=now,
                    **_reference(_received(declaration.uuid, "LOG_UTSKRIVNINGSKLAR")))


# ---------------------------------------------------------------------------------------
# In


def _words(node) -> str:
    """The text of an element that may hold XHTML (anyType), as plain text."""
    if node is None:
        return ""
    return " ".join(" ".join(node.itertext()).split()) if len(node) else (
        node.text or "").strip()


def _dialogmelding(envelope: Envelope):
    document = envelope.document
    if document is None or document.tag not in {f"{{{version}}}Dialogmelding"
                                                 for version in VERSIONS}:
        raise Unmapped("T10", f"A {envelope.msg_type} carries a Dialogmelding 1.1 ({DIALOG}) "
                              f"or 1.0 ({DIALOG_1_0}).")
    return document


def _written_by(node) -> str:
    """The professional the Dialogmelding names (RollerRelatertNotat), as one name."""
    ns = _ns(node)
    for person in node.iterfind("dia:RollerRelatertNotat/dia:HealthcareProfessional", ns):
        names = (person.findtext(f"dia:{part}", default="", namespaces=ns).strip()
                 for part in ("GivenName", "MiddleName", "FamilyName"))
        named = " ".join(name for name in names if name)
        if named:
            return named[:200]
    return ""


def _question_text(node) -> str:
    ns = _ns(node)  # EmneSporsmal is 1.1's only
    subject = (node.findtext("dia:EmneSporsmal", default="", namespaces=ns) or "").strip()
    text = _words(node.find("dia:Sporsmal", ns))
    if not text:
        kind = node.find("dia:TypeForesp", ns)
        text = (kind.get("DN") or kind.get("OT") or "") if kind is not None else ""
    return f"{subject}: {text}" if subject and text else subject or text


def _parties(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """(hospital, municipality) of a dialogue between the two sides of a stay."""
    sender = endpoint.organization
    kinds = (sender.kind, receiver.kind)
    if kinds == (OrganizationKind.HOSPITAL, OrganizationKind.MUNICIPALITY):
        return sender, receiver
    if kinds == (OrganizationKind.MUNICIPALITY, OrganizationKind.HOSPITAL):
        return receiver, sender
    if sender.kind not in (OrganizationKind.HOSPITAL, OrganizationKind.MUNICIPALITY):
        raise Unmapped("X99", f"{sender.name} is neither a hospital nor a "
                              "municipality: Rehab Portal carries the dialogue "
                              "between the two about a stay.")
    raise Unmapped("E21", f"{receiver.name} is not the other side of a stay for "
                          f"{sender.name}: a question goes between the hospital "
                          "and the municipality.")


def _open_stay(envelope: Envelope, hospital, municipality) -> Admission:
    """The patient's open stay at the hospital for the municipality, the names checked."""
    number = patient_number(envelope)
    admission = (Admission.objects.filter(
        patient__identity_number=number, hospital=hospital, municipality=municipality,
        status__in=OPEN_STATUSES).select_related("patient", "hospital", "municipality")
        .order_by("-admitted_at").first())
    if admission is None:
        raise Unmapped("E35", f"The patient has no open stay at {hospital.name} for "
                              f"{municipality.name} in Rehab Portal.")
    same_patient(admission.patient, envelope)
    return admission


def received_question(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """DIALOG_FORESPORSEL: a question on the patient's open stay between the sender and the
    receiver, from the sender (several Foresporsel in one message are one question)."""
    document = _dialogmelding(envelope)
    asked = document.findall("dia:Foresporsel", _ns(document))
    if not asked:
        raise Unmapped("X99", "The forespørsel holds no Foresporsel.")
    hospital, municipality = _parties(envelope, endpoint, receiver)
    admission = _open_stay(envelope, hospital, municipality)
    text = "\n\n".join(filter(None, map(_question_text, asked)))
    return step(lambda: pathways.ask_question(
        admission, by=endpoint.client.user, to_organization=receiver, text=text,
        asked_by_name=_written_by(asked[0])))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError):
        return False
    return True


def _named_question(envelope: Envelope, document, questions):
    """The question the svar names: the message it refers to (ConversationRef), else the id
    the portal gave the question it carries back (DokIdForesp); None if it names none."""
    references = [ref for ref in (envelope.parent_id, envelope.conversation_id) if ref]
    if references:
        sent = (PloMessage.objects.filter(direction=Direction.OUT, msg_id__in=references,
                                          subject_type=QUESTION_SUBJECT)
                .exclude(subject_uuid=None).values_list("subject_uuid", flat=True).first())
        if sent is not None:
            return questions.filter(uuid=sent).first() or False
    ids = [value for value in (
        (node.text or "").strip() for node in document.iterfind(
            "dia:Notat/dia:Foresporsel/dia:DokIdForesp", _ns(document))) if _is_uuid(value)]
    if ids:
        found = questions.filter(uuid__in=ids).first()
        if found is not None:
            return found
    return False if references or ids else None


def received_answer(envelope: Envelope, endpoint: PloEndpoint, receiver):
    """DIALOG_SVAR: the answer to the receiver's question to the sender that it names (by
    the ConversationRef, or the id the question carries back), else to the latest one still
    open on the patient's open stay; none: refused, nothing written."""
    document = _dialogmelding(envelope)
    ns = _ns(document)
    notes = document.findall("dia:Notat", ns)
    if not notes:
        raise Unmapped("X99", "The svar holds no Notat with the answer.")
    hospital, municipality = _parties(envelope, endpoint, receiver)
    number = patient_number(envelope)
    sender = endpoint.organization
    questions = PathwayQuestion.objects.filter(
        admission__patient__identity_number=number, admission__hospital=hospital,
        admission__municipality=municipality, asked_by_organization=receiver,
        to_organization=sender).select_related("admission__patient")
    question = _named_question(envelope, document, questions)
    if question is False:
        raise Unmapped("X99", f"The svar refers to a question {receiver.name} did not "
                              f"ask {sender.name} about this patient in Rehab Portal.")
    if question is None:
        question = questions.filter(answered_at__isnull=True,
                                    admission__status__in=OPEN_STATUSES).order_by(
            "-asked_at", "-pk").first()
        if question is None:
            raise Unmapped("X99", f"{receiver.name} has no open question to "
                                  f"{sender.name} about this patient in Rehab Portal.")
    same_patient(question.admission.patient, envelope)
    parts = []
    for note in notes:
        text = _words(note.find("dia:TekstNotatInnhold", ns))
        if not text:
            theme = note.find("dia:TemaKodet", ns)
            text = (theme.get("DN") or theme.get("OT") or "") if theme is not None else ""
        parts.append(text)
    return step(lambda: pathways.answer_question(
        question, by=endpoint.client.user, answer="\n\n".join(filter(None, parts)),
        answered_by_name=_written_by(notes[0])))


# (message type, dispatch status) → what it becomes. A Dialogmelding has no dispatch status
# (plo.envelope reads ""); a dispatch status means the content is a PLO document, not a
# Dialogmelding, which the handler refuses with T10 rather than leave it unanswered.
HANDLERS = {(kind, status): handler
            for kind, handler in ((FORESPORSEL, received_question), (SVAR, received_answer))
            for status in ("", *codes.values(codes.DISPATCH_STATUS))}
