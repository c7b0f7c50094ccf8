"""The early notification the hospital sends in the portal reaches a municipality that reads
its own EPJ as the PLO message it knows, HELSEOPPL_SOKNAD ("varsel om innlagt pasient"): valid
against the published schemas in every version, saying what the notice says (a round trip
through receive() makes the same notice again), a later version naming the message that
carried the one before it."""

import datetime

import pytest
from django.utils import timezone

from pathways import services as pathways
from pathways.models import DischargeDestination, EarlyNotification
from plo import outbox, outgoing, services, xml
from plo.envelope import NS, read_envelope
from plo.models import Direction, MessageStatus, PloMessage
from registry.models import ChannelStep, OrganizationKind, ServiceLevel
from tests import factories
from tests.plo.test_mapping import EXAMPLES, admission_message_for

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
EPJ2 = "{http://www.kith.no/xmlstds/epj/epj2/2008-02-20}"


@pytest.fixture
def her_ids(cast):
    """UNN and Tromsø on the health network: HER-ids, and UNN's PLO connection (its
    messages, received, act as UNN's PLO service account)."""
    cast.unn.her_id, cast.tromso.her_id = "4301", "4302"
    cast.unn.save(update_fields=["her_id"])
    cast.tromso.save(update_fields=["her_id"])
    services.connect(cast.unn)
    return cast


def _content(days_ahead=6):
    return {
        "expected_course": "Hjerneinfarkt venstre side. Bedring i armen siste døgn.",
        "estimated_discharge_date": timezone.localdate() + datetime.timedelta(days=days_ahead),
        "functional_level": "Går med rullator, trenger hjelp til påkledning.",
        "barthel_index": 55, "modified_rankin": 3,
        "rehabilitation_need": "Fysioterapi og ergoterapi daglig.",
        "proposed_level": ServiceLevel.objects.get(code="3"),
        "municipal_services_assessment": "Trolig korttidsopphold, deretter hjemmetjenester.",
        "information_given_to_patient": "Informert om forløpet og om tidligmeldingen.",
        "next_of_kin_informed": True, "requests_individual_plan": True,
    }


def _notes(data: bytes) -> list[tuple[str | None, str, str]]:
    """The message's journal texts: (the heading's code, its text, the note)."""
    found = []
    for text in xml.read(data).iter(f"{EPJ2}Journaltekst"):
        heading = text.find(f"{EPJ2}Overskriftskode")
        found.append((heading.get("V") if heading is not None else None,
                      heading.get("DN") if heading is not None else None,
                      text.findtext(f"{EPJ2}Notat")))
    return found


@pytest.mark.parametrize(("status", "dispatch"), [
    (None, "M"), ("addition", "A"), ("cancel", "C"), ("replaces", "M")])
def test_every_version_of_the_notice_is_a_valid_message(her_ids, status, dispatch):
    """The first notice is N with content type 1 (varsel om innlagt pasient); a later one is
    M, A or C (a replacement goes as M, PLO has no other) with type 2 (oppdaterte
    opplysninger); each passes the checks a received message passes."""
    cast = her_ids
    first = factories.early_notification(cast, **_content())
    data = outgoing.health_information(first, now=NOW)
    envelope = read_envelope(xml.read(data))
    assert (envelope.msg_type, envelope.dispatch_status) == ("HELSEOPPL_SOKNAD", "N")
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("4301", "4302")
    assert envelope.patient.identity_number == cast.shared.identity_number
    kind = envelope.document.find(".//po:TypeInnholdIMelding/po:TypeInnhold", NS)
    assert (kind.get("V"), kind.get("DN")) == ("1", "Varsel om innlagt pasient")

    later = pathways.send_early_notification(first.admission, by=cast.planner,
                                             message_status=status,
                                             expected_course="Endret forløp.")
    data = outgoing.health_information(later, now=NOW)
    envelope = read_envelope(xml.read(data))
    assert envelope.dispatch_status == dispatch
    kind = envelope.document.find(".//po:TypeInnholdIMelding/po:TypeInnhold", NS)
    assert (kind.get("V"), kind.get("DN")) == ("2", "Oppdaterte opplysninger")


def test_an_empty_notice_is_valid_and_names_the_admission(her_ids):
    """Nothing in a notice is required: one sent with nothing in it is still a valid message,
    its one stay fact the admission (event 1, not an estimate), no estimated date."""
    cast = her_ids
    notice = factories.early_notification(cast)
    root = xml.read(outgoing.health_information(notice, now=NOW))
    events = [(e.find("po:Hendelsekode", NS).get("V"), e.findtext("po:Anslag", namespaces=NS))
              for e in root.iterfind(".//po:OpplysningOpphold/po:TidsfestetHendelse", NS)]
    assert events == [("1", "false")]
    assert not _notes(outgoing.health_information(notice, now=NOW))


def test_the_notice_travels_and_comes_back_the_same(her_ids):
    """UNN's notice as Tromsø's EPJ gets it; received again (the stay recreated), it makes a
    notice with the same text under the same headings and the same estimated date."""
    cast = her_ids
    cast.planner.hpr_number = "9144889"
    cast.planner.save(update_fields=["hpr_number"])
    stay = factories.admit(cast, hours_ago=30)
    original = factories.early_notification(cast, stay, **_content())
    data = outgoing.health_information(original, now=NOW)

    assert _notes(data) == [
        ("2", "Antatt forløp", "Hjerneinfarkt venstre side. Bedring i armen siste døgn."),
        ("1", "Pasientens status", "Funksjonsnivå: Går med rullator, trenger hjelp til "
                                   "påkledning.\nBarthel-indeks: 55 av 100\n"
                                   "Modifisert Rankin-skala (mRS): 3 av 6"),
        (None, None, "Rehabiliteringsbehov: Fysioterapi og ergoterapi daglig."),
        (None, None, f"Foreslått nivå i rehabiliteringspyramiden: "
                     f"{original.proposed_level.name}"),
        (None, None, "Foreløpig vurdering av behov for kommunale tjenester: Trolig "
                     "korttidsopphold, deretter hjemmetjenester."),
        (None, None, "Informasjon gitt til pasienten: Informert om forløpet og om "
                     "tidligmeldingen."),
        (None, None, "Pårørende informert: Ja"),
        (None, None, "Individuell plan eller koordinator: Pasienten kan ha behov for "
                     "individuell plan eller koordinator")]
    root = xml.read(data)
    estimate = root.find(".//po:OpplysningOpphold/po:TidsfestetHendelse", NS)
    assert (estimate.find("po:Hendelsekode", NS).get("V"),
            estimate.find("po:TidspunktForHendelse", NS).get("V"),
            estimate.findtext("po:Anslag", namespaces=NS)) == (
        "3", original.estimated_discharge_date.isoformat(), "true")
    person = root.find(".//po:AnsvarForRapport/po:AnsvarligRapport", NS)
    assert person.findtext("fk1:Ident/fk1:Id", namespaces=NS) == "9144889"
    assert person.findtext("fk1:FamilyName", namespaces=NS) == cast.planner.last_name

    # The stay recreated: the first one discharged, the patient admitted again.
    pathways.discharge_patient(stay, by=cast.planner, destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - datetime.timedelta(hours=3))
    again = factories.admit(cast, hours_ago=2)
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    received = EarlyNotification.objects.get(uuid=message.subject_uuid)
    assert received.admission == again
    assert (received.sequence, received.message_status) == (1, "new")
    assert received.expected_course == outgoing.notice_text(original)
    assert received.expected_course.startswith(
        "Antatt forløp: Hjerneinfarkt venstre side. Bedring i armen siste døgn.\n\n"
        "Pasientens status: Funksjonsnivå: Går med rullator")
    assert received.estimated_discharge_date == original.estimated_discharge_date
    # Passed on again, the received notice is the same message: the same journal texts
    # under the same headings, the same estimate.
    assert _notes(outgoing.health_information(received, now=NOW)) == _notes(data)


def test_a_notice_that_came_by_plo_is_passed_on_under_its_own_headings(cast):
    """St. Olavs' EPJ sends Gry Telokk's notice (the official example) to the portal; passed
    on to Alvdal's EPJ, it carries the hospital's texts under the hospital's headings (9145),
    not nested under "Antatt forløp", and the hospital's estimate."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    factories.organization(name="Alvdal", her_id="99387")
    services.connect(hospital)
    admitted = services.receive(admission_message_for(
        "Gry", "Telokk", "1979-05-12", "12857900101", "2018-01-09T10:00:00",
        "5e0d1c10-fd1f-11e7-8f1a-0800200c9a66"), transport="folder")
    assert admitted.status == MessageStatus.PROCESSED, admitted.error_text
    example = (EXAMPLES / "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml").read_bytes()
    message = services.receive(example, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    notice = EarlyNotification.objects.get(uuid=message.subject_uuid)
    data = outgoing.health_information(notice, now=NOW)
    assert _notes(data) == _notes(example) == [
        ("1", "Pasientens status", "Innlagt etter fall i trapp. Uavklart status ift. ev. brudd."),
        ("2", "Antatt forløp", "Pasienten behandles for ev. brudd. Forventer behov for "
                               "rehabilitering.")]
    envelope = read_envelope(xml.read(data))
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("59", "99387")
    estimate = envelope.document.find(".//po:OpplysningOpphold/po:TidsfestetHendelse", NS)
    assert estimate.find("po:TidspunktForHendelse", NS).get("V") == "2018-01-15"


def test_a_change_refers_to_the_message_that_carried_the_version_before(her_ids):
    """A version that went only through the portal leaves nothing to refer to; once a
    version went by PLO (sent by the outbox, or received), the next names its MsgId as the
    parent and its conversation as the conversation."""
    cast = her_ids
    first = factories.early_notification(cast, **_content())
    second = pathways.send_early_notification(first.admission, by=cast.planner,
                                              expected_course="Bedre i dag.")
    envelope = read_envelope(xml.read(outgoing.health_information(second, now=NOW)))
    assert (envelope.dispatch_status, envelope.parent_id) == ("M", "")

    endpoint = services.connect(cast.tromso)
    sent = outbox.write(ChannelStep.EARLY_NOTIFICATION, second, cast.shared, origin=cast.unn,
                        target=cast.tromso, endpoint=endpoint)
    assert sent.direction == Direction.OUT and sent.parent_msg_id == ""
    third = pathways.send_early_notification(first.admission, by=cast.planner,
                                             expected_course="Utskrivningsklar snart.")
    envelope = read_envelope(xml.read(outgoing.health_information(third, now=NOW)))
    assert (envelope.dispatch_status, envelope.parent_id, envelope.conversation_id) == (
        "M", sent.msg_id, sent.msg_id)
    made = outbox.write(ChannelStep.EARLY_NOTIFICATION, third, cast.shared, origin=cast.unn,
                        target=cast.tromso, endpoint=endpoint)
    fourth = pathways.send_early_notification(first.admission, by=cast.planner,
                                              message_status="cancel")
    envelope = read_envelope(xml.read(outgoing.health_information(fourth, now=NOW)))
    # The fourth names the third's message; the conversation is still the second's.
    assert (envelope.dispatch_status, envelope.parent_id, envelope.conversation_id) == (
        "C", made.msg_id, sent.msg_id)


def test_a_version_after_a_received_one_refers_to_the_received_message(her_ids):
    """The hospital's EPJ sent the first notice by PLO; the planner's change in the portal
    names that message, so the municipality's EPJ finds what it changes."""
    cast = her_ids
    stay = factories.admit(cast, hours_ago=30)
    data = outgoing.health_information(factories.early_notification(cast, stay, **_content()),
                                       now=NOW)
    pathways.discharge_patient(stay, by=cast.planner, destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - datetime.timedelta(hours=3))
    again = factories.admit(cast, hours_ago=2)
    received = services.receive(data, transport="folder")
    assert received.status == MessageStatus.PROCESSED, received.error_text
    change = pathways.send_early_notification(again, by=cast.planner,
                                              expected_course="Bedre i dag.")
    envelope = read_envelope(xml.read(outgoing.health_information(change, now=NOW)))
    assert PloMessage.objects.get(pk=received.pk).direction == Direction.IN
    assert (envelope.dispatch_status, envelope.parent_id, envelope.conversation_id) == (
        "M", received.msg_id, received.msg_id)


def test_a_version_after_one_passed_on_refers_to_the_message_the_municipality_got(her_ids):
    """The hospital's EPJ sent the first notice; the portal passed it on to Tromsø's EPJ.
    The planner's change names the message Tromsø got (whatever the times), not the one
    the portal received, which Tromsø never saw; a message Tromsø refused is never named."""
    cast = her_ids
    stay = factories.admit(cast, hours_ago=30)
    data = outgoing.health_information(factories.early_notification(cast, stay, **_content()),
                                       now=NOW)
    pathways.discharge_patient(stay, by=cast.planner, destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - datetime.timedelta(hours=3))
    again = factories.admit(cast, hours_ago=2)
    received = services.receive(data, transport="folder")
    notice = EarlyNotification.objects.get(uuid=received.subject_uuid)
    endpoint = services.connect(cast.tromso)
    passed_on = outbox.write(ChannelStep.EARLY_NOTIFICATION, notice, cast.shared,
                             origin=cast.unn, target=cast.tromso, endpoint=endpoint,
                             now=received.received_at - datetime.timedelta(seconds=1))
    change = pathways.send_early_notification(again, by=cast.planner,
                                              expected_course="Bedre i dag.")
    envelope = read_envelope(xml.read(outgoing.health_information(change, now=NOW)))
    assert (envelope.parent_id, envelope.conversation_id) == (passed_on.msg_id,
                                                              passed_on.msg_id)
    PloMessage.objects.filter(pk=passed_on.pk).update(status=MessageStatus.REFUSED)
    envelope = read_envelope(xml.read(outgoing.health_information(change, now=NOW)))
    assert envelope.parent_id == received.msg_id
