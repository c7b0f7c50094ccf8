"""Dialogmelding between the hospital and the municipality: the portal's questions, answers
and the municipality's answer to a declaration go out valid against the published schemas
and say what the records say; a forespørsel received becomes a question the KE answers on
the pathway page, a svar the answer to the question it names, in Dialogmelding 1.1 or 1.0
(as older EPJ systems send it); what names no such question, no open stay or is not a
Dialogmelding is refused with its AppRec and writes nothing."""

import datetime
import uuid
import zoneinfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from pathways import services as pathways
from pathways.models import MunicipalAnswerKind, PathwayQuestion
from plo import apprec, dialog, services, xml
from plo.envelope import MSGHEAD, read_envelope
from plo.models import Direction, MessageStatus, PloMessage
from registry.models import Organization, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
DIA = {"dia": dialog.DIALOG, "mh": MSGHEAD}
AR = {"ar": apprec.APPREC}


@pytest.fixture
def channel(cast):
    """UNN (HER-id 4301) and Tromsø (4302), both connected by PLO, and the shared patient's
    open stay at UNN for Tromsø."""
    Organization.objects.filter(pk=cast.unn.pk).update(her_id="4301")
    Organization.objects.filter(pk=cast.tromso.pk).update(her_id="4302")
    cast.unn.refresh_from_db()
    cast.tromso.refresh_from_db()
    hospital, municipality = services.connect(cast.unn), services.connect(cast.tromso)
    stay = factories.admit(cast)
    return stay, hospital, municipality


def valid(data: bytes):
    """The message's envelope; it validates against the schema set (or Refused)."""
    return read_envelope(xml.read(data)), xml.read(data)


def receipt(message) -> tuple[str, list[str]]:
    root = xml.read(bytes(message.apprec))
    return (root.find("ar:Status", AR).get("V"),
            [error.get("V") for error in root.findall("ar:Error", AR)])


def unsaved_question(stay, *, asking, asked, text, by=None, name="") -> PathwayQuestion:
    """A question as another system would ask it: only its message is made."""
    return PathwayQuestion(admission=stay, asked_by_organization=asking, to_organization=asked,
                           asked_by=by, asked_by_name=name, asked_at=timezone.now(),
                           text=text)


def forespørsel(stay, cast, text="Hvilke tjenester har pasienten i dag?", *, asking=None,
                asked=None, name="Lege Lise Lund") -> bytes:
    return dialog.question(unsaved_question(
        stay, asking=asking or cast.unn, asked=asked or cast.tromso, text=text,
        name=name), now=timezone.now())


def svar(question: PathwayQuestion, text: str, *, name="Lege Lise Lund", doc_id=None,
         parent=None) -> bytes:
    """The hospital's EPJ answering `question` (its uuid carried back as DokIdForesp)."""
    question.answer, question.answered_at = text, timezone.now()
    question.answered_by, question.answered_by_name = None, name
    data = dialog.answer(question, now=timezone.now())
    if doc_id is not None or parent is not None:
        root = etree.fromstring(data)
        if doc_id is not None:
            root.find(".//dia:DokIdForesp", DIA).text = doc_id
        if parent is not None:
            info = root.find("mh:MsgInfo", DIA)
            ref = etree.Element(f"{{{MSGHEAD}}}ConversationRef")
            etree.SubElement(ref, f"{{{MSGHEAD}}}RefToParent").text = parent
            etree.SubElement(ref, f"{{{MSGHEAD}}}RefToConversation").text = parent
            info.find("mh:MsgId", DIA).addnext(ref)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    question.refresh_from_db()
    return data


# ---------------------------------------------------------------------------------------
# Out


def test_the_portals_question_goes_out_valid_from_the_asking_to_the_asked(cast, channel):
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.planner, to_organization=cast.tromso,
                                     text="Har pasienten trygghetsalarm?")
    envelope, root = valid(dialog.question(question, now=NOW))
    assert (envelope.msg_type, envelope.dispatch_status) == ("DIALOG_FORESPORSEL", "")
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("4301", "4302")
    assert envelope.patient.identity_number == cast.shared.identity_number
    asked = root.find(".//dia:Foresporsel", DIA)
    assert asked.find("dia:TypeForesp", DIA).attrib == {
        "V": "99", "DN": "Annen henvendelse", "S": "2.16.578.1.12.4.1.1.9152"}
    assert asked.findtext("dia:Sporsmal", namespaces=DIA) == "Har pasienten trygghetsalarm?"
    assert asked.findtext("dia:DokIdForesp", namespaces=DIA) == str(question.uuid)
    person = asked.find("dia:RollerRelatertNotat/dia:HealthcareProfessional", DIA)
    assert (person.findtext("dia:GivenName", namespaces=DIA),
            person.findtext("dia:FamilyName", namespaces=DIA)) == ("Pia", "Planlegger")


def test_the_answer_goes_out_valid_with_its_question_and_the_municipal_answer_as_a_note(
        cast, channel):
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.planner, to_organization=cast.tromso,
                                     text="Har pasienten trygghetsalarm?")
    pathways.answer_question(question, by=cast.ke_tromso, answer="Ja, siden 2024.")
    question.refresh_from_db()
    envelope, root = valid(dialog.answer(question, now=NOW))
    assert (envelope.msg_type, envelope.sender.her_id, envelope.receiver.her_id) == (
        "DIALOG_SVAR", "4302", "4301")
    assert envelope.parent_id == ""  # asked in the portal: no message to refer to
    note = root.find(".//dia:Notat", DIA)
    assert note.find("dia:TemaKodet", DIA).get("V") == "5"
    assert note.findtext("dia:TekstNotatInnhold", namespaces=DIA) == "Ja, siden 2024."
    assert note.findtext("dia:Foresporsel/dia:Sporsmal", namespaces=DIA) == \
        "Har pasienten trygghetsalarm?"
    # The municipality's answer to a declaration: a note in plain Norwegian.
    declaration = factories.ready_for_discharge(cast, stay)
    for kind, fields, says in (
            (MunicipalAnswerKind.CANNOT_YET, {"expected_date": timezone.localdate()
                                              + datetime.timedelta(days=5)},
             "kan ikke ta imot pasienten ennå. Forventet dato: "),
            (MunicipalAnswerKind.CAN_RECEIVE, {"receive_on": timezone.localdate()
                                               + datetime.timedelta(days=2)},
             "kan ta imot pasienten fra ")):
        answer = pathways.answer_ready_for_discharge(declaration, by=cast.ke_tromso, kind=kind,
                                                     comment="Korttidsplass på Kroken",
                                                     **fields)
        envelope, root = valid(dialog.municipal_answer(answer, now=NOW))
        assert (envelope.msg_type, envelope.sender.her_id, envelope.receiver.her_id) == (
            "DIALOG_NOTAT", "4302", "4301")
        text = root.findtext(".//dia:Notat/dia:TekstNotatInnhold", namespaces=DIA)
        day = (fields.get("expected_date") or fields.get("receive_on")).strftime("%d.%m.%Y")
        assert f"Tromsø {says}{day}." in text
        assert "Kommentar: Korttidsplass på Kroken" in text


def test_a_forespørsel_becomes_a_question_the_ke_answers_on_the_page_and_the_svar_refers_to_it(
        client, cast, channel):
    stay, hospital, _m = channel
    data = forespørsel(stay, cast)
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    assert receipt(message) == ("1", [])
    question = PathwayQuestion.objects.get(uuid=message.subject_uuid)
    assert message.subject_type == "pathwayquestion" and message.patient == cast.shared
    assert (question.admission, question.asked_by_organization, question.to_organization,
            question.asked_by, question.asked_by_name, question.text) == (
        stay, cast.unn, cast.tromso, hospital.client.user, "Lege Lise Lund",
        "Hvilke tjenester har pasienten i dag?")
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    page = client.get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    assert "Hvilke tjenester har pasienten i dag?" in page.content.decode()
    answer_url = reverse("pathways:answer_question", args=[question.uuid])
    assert answer_url in page.content.decode()
    done = client.post(answer_url, {"answer": "Hjemmesykepleie morgen og kveld."},
                       HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    question.refresh_from_db()
    envelope, root = valid(dialog.answer(question, now=NOW))
    assert (envelope.parent_id, envelope.conversation_id) == (message.msg_id, message.msg_id)
    assert root.findtext(".//dia:Notat/dia:Foresporsel/dia:Sporsmal", namespaces=DIA) == \
        "Hvilke tjenester har pasienten i dag?"


def test_a_svar_fills_in_the_answer_of_the_question_it_carries_back(cast, channel):
    stay, hospital, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Når blir pasienten utskrivningsklar?")
    message = services.receive(svar(question, "Trolig fredag."), transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    assert receipt(message) == ("1", [])
    question.refresh_from_db()
    assert (question.answer, question.answered_by, question.answered_by_name) == (
        "Trolig fredag.", hospital.client.user, "Lege Lise Lund")
    assert message.subject_uuid == question.uuid


def test_a_svar_to_the_portals_sent_question_is_found_by_its_msgid(cast, channel):
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Trenger pasienten hjelpemidler?")
    sent = PloMessage.objects.create(
        direction=Direction.OUT, document=b"<x/>", transport="folder", received_at=NOW,
        msg_id=str(uuid.uuid4()), msg_type="DIALOG_FORESPORSEL", sender_her_id="4302",
        receiver_her_id="4301", status=MessageStatus.SENT, subject_type="pathwayquestion",
        subject_uuid=question.uuid)
    data = svar(question, "Rullator.", doc_id="ikke-en-uuid", parent=sent.msg_id)
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    question.refresh_from_db()
    assert question.answer == "Rullator."


def test_without_a_reference_the_latest_open_question_is_answered(cast, channel):
    stay, _h, _m = channel
    first = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                  text="Første?")
    latest = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                   text="Andre?")
    data = svar(first, "Svar på det siste.", doc_id="")
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    first.refresh_from_db()
    latest.refresh_from_db()
    assert (first.answered_at, latest.answer) == (None, "Svar på det siste.")


# ---------------------------------------------------------------------------------------
# Refused, and nothing written


def refused(data: bytes) -> tuple[str, str]:
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.REJECTED, message.status
    status, codes = receipt(message)
    assert status == "2"
    return codes[0], message.error_text


def test_a_forespørsel_about_a_patient_with_no_open_stay_is_refused_with_e35(cast, channel):
    stay, _h, _m = channel
    pathways.discharge_patient(stay, by=cast.planner, destination="home")
    assert refused(forespørsel(stay, cast))[0] == "E35"
    assert not PathwayQuestion.objects.exists()


def test_a_forespørsel_from_a_municipality_that_is_not_the_stays_is_refused(cast, channel):
    stay, _h, _m = channel
    Organization.objects.filter(pk=cast.bodo.pk).update(her_id="4303")
    cast.bodo.refresh_from_db()
    services.connect(cast.bodo)
    factories.user("ke_bodo_2", cast.bodo, Role.KE_STAFF)
    code, _text = refused(forespørsel(stay, cast, asking=cast.bodo, asked=cast.unn))
    assert code == "E35"
    # Between two municipalities there is no stay to ask about.
    code, _text = refused(forespørsel(stay, cast, asking=cast.bodo, asked=cast.tromso))
    assert code == "E21"
    assert not PathwayQuestion.objects.exists()


def test_a_forespørsel_with_another_persons_names_is_refused_with_e36(cast, channel):
    stay, _h, _m = channel
    data = forespørsel(stay, cast).replace(b"<FamilyName>Aune</FamilyName>",
                                           b"<FamilyName>Andersen</FamilyName>")
    assert refused(data)[0] == "E36"
    assert not PathwayQuestion.objects.exists()


def test_a_svar_naming_an_unknown_question_or_another_patients_is_refused(cast, channel):
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Spørsmål?")
    code, text = refused(svar(question, "Svar.", doc_id=str(uuid.uuid4())))
    assert code == "X99" and "did not ask" in text
    code, _text = refused(svar(question, "Svar.", doc_id="",
                               parent=str(uuid.uuid4())))
    assert code == "X99"
    # Another patient's question, named by its id, under this patient's envelope.
    other = factories.patient(cast.planner, "Olga", "Olsen", municipality=cast.tromso)
    other_stay = factories.admit(cast, other)
    theirs = pathways.ask_question(other_stay, by=cast.ke_tromso, to_organization=cast.unn,
                                   text="Deres spørsmål?")
    code, _text = refused(svar(question, "Svar.", doc_id=str(theirs.uuid)))
    assert code == "X99"
    question.refresh_from_db()
    theirs.refresh_from_db()
    assert (question.answered_at, theirs.answered_at) == (None, None)


def test_a_second_svar_and_a_svar_with_no_open_question_are_refused(cast, channel):
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Spørsmål?")
    assert services.receive(svar(question, "Første svar."), transport="folder").status == \
        MessageStatus.PROCESSED
    code, text = refused(svar(question, "Andre svar."))
    assert code == "X99" and "allerede besvart" in text
    question.refresh_from_db()
    assert question.answer == "Første svar."
    code, _text = refused(svar(question, "Til ingen.", doc_id=""))
    assert code == "X99"


def test_a_dialog_type_around_something_else_is_refused_with_t10(cast, channel):
    stay, _h, _m = channel
    from plo import outgoing

    data = outgoing.admitted(stay, now=NOW).replace(
        b'V="LOG_INNLAGT" DN="Melding om innlagt pasient"',
        b'V="DIALOG_FORESPORSEL" DN="Foresp\xc3\xb8rsel"')
    assert refused(data)[0] == "T10"
    assert not PathwayQuestion.objects.exists()


def test_a_dispatch_status_hidden_in_a_notes_text_changes_nothing(cast, channel):
    """A Dialogmelding has no dispatch status; one smuggled into the free text is not read
    as one (the message is mapped as what it is)."""
    stay, _h, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Spørsmål?")
    data = svar(question, "PLACEHOLDER").replace(
        b"PLACEHOLDER",
        b'Svar.<InformasjonOmForsendelsen xmlns="http://www.kith.no/xmlstds/po/poKomponent/'
        b'2012-04-01"><Forsendelsesstatus V="C" DN="Kansellering"/></InformasjonOmForsendelsen>')
    envelope, _root = valid(data)
    assert envelope.dispatch_status == ""
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    question.refresh_from_db()
    assert question.answer == "Svar."


def version_1_0(data: bytes, *, latin1=False) -> bytes:
    """The same Dialogmelding as a 1.0 one (namespace 2006-10-11, the same element names),
    as an older municipal EPJ system writes it: ISO-8859-1 if `latin1`."""
    data = data.replace(dialog.DIALOG.encode(), dialog.DIALOG_1_0.encode())
    if latin1:
        data = etree.tostring(etree.fromstring(data), xml_declaration=True,
                              encoding="ISO-8859-1")
    return data


def test_a_dialogmelding_1_0_forespørsel_becomes_a_question_and_its_answer_names_it(
        cast, channel):
    stay, hospital, _m = channel
    root = etree.fromstring(forespørsel(stay, cast, "Går pasienten i trapp?"))
    root.find(".//dia:DokIdForesp", DIA).text = "EPJ-4711"
    data = version_1_0(etree.tostring(root), latin1=True)
    assert b"2006-10-11" in data and "Går".encode("latin-1") in data
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    assert receipt(message) == ("1", [])
    question = PathwayQuestion.objects.get(uuid=message.subject_uuid)
    assert (question.admission, question.asked_by, question.asked_by_name, question.text) == (
        stay, hospital.client.user, "Lege Lise Lund", "Går pasienten i trapp?")
    question = pathways.answer_question(question, by=cast.ke_tromso, answer="Ja, med støtte.")
    envelope, root = valid(dialog.answer(question, now=NOW))  # out: 1.1, naming the 1.0 one
    assert envelope.parent_id == message.msg_id
    asked = root.find(".//dia:Notat/dia:Foresporsel", DIA)
    assert (asked.findtext("dia:DokIdForesp", namespaces=DIA),
            asked.find("dia:TypeForesp", DIA).get("V")) == ("EPJ-4711", "99")


def test_a_dialogmelding_1_0_svar_answers_the_question_it_carries_back(cast, channel):
    stay, hospital, _m = channel
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Trenger pasienten hjelpemidler?")
    message = services.receive(version_1_0(svar(question, "Rullator.")), transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    question.refresh_from_db()
    assert (question.answer, question.answered_by, question.answered_by_name) == (
        "Rullator.", hospital.client.user, "Lege Lise Lund")


def test_a_dialogmelding_1_0_is_held_to_the_1_0_schema(cast, channel):
    """What only 1.1 has (EmneSporsmal) is refused in a 1.0 message, as is a namespace of
    neither."""
    stay, _h, _m = channel
    root = etree.fromstring(forespørsel(stay, cast))
    kind = root.find(".//dia:TypeForesp", DIA)
    etree.SubElement(root.find(".//dia:Foresporsel", DIA), f"{{{dialog.DIALOG}}}EmneSporsmal")
    subject = root.find(".//dia:EmneSporsmal", DIA)
    subject.text = "Tema"
    kind.addnext(subject)  # its place in 1.1: right after TypeForesp
    with_subject = etree.tostring(root)
    valid(with_subject)
    assert refused(version_1_0(with_subject))[0] == "T02"
    other = forespørsel(stay, cast).replace(dialog.DIALOG.encode(),
                                            b"http://www.kith.no/xmlstds/dialog/2099-01-01")
    assert refused(other)[0] == "T02"
    assert not PathwayQuestion.objects.exists()


def test_a_forespørsel_from_a_hospital_to_its_own_kind_names_the_receiver_wrong(cast, channel):
    stay, _h, _m = channel
    other = factories.organization(OrganizationKind.HOSPITAL, "Annet sykehus", her_id="4309",
                                   parent=cast.unn_hf)
    assert refused(forespørsel(stay, cast, asked=other))[0] == "E21"
    assert not PathwayQuestion.objects.exists()


def test_the_outbox_sends_the_question_and_the_epjs_svar_to_its_msgid_answers_it(cast, channel):
    """The hospital chose PLO for questions: the KE's question goes out through the outbox;
    the hospital's EPJ answers it naming its MsgId, and the KE reads the answer."""
    from registry.models import ChannelChoice, ChannelStep, StepChannel

    stay, _h, _m = channel
    ChannelChoice.objects.create(organization=cast.unn, step=ChannelStep.QUESTION,
                                 channel=StepChannel.PLO)
    question = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Kan pasienten gå i trapp?")
    [sent] = PloMessage.objects.filter(direction=Direction.OUT)
    envelope, root = valid(bytes(sent.document))
    assert (sent.msg_type, sent.subject_uuid) == ("DIALOG_FORESPORSEL", question.uuid)
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("4302", "4301")
    later = pathways.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                  text="Et senere spørsmål?")
    # The EPJ's svar names the sent message (not the question's id, nor the latest one).
    data = svar(question, "Ja, med støtte.", doc_id="", parent=sent.msg_id)
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    question.refresh_from_db()
    later.refresh_from_db()
    assert (question.answer, later.answered_at) == ("Ja, med støtte.", None)
