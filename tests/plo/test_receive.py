"""Receiving a message: stored exactly as it came (and never changed), what the envelope
says recorded beside it, a second delivery of a MsgId answered by the first; a message from
or to an organisation the portal does not know, with a broken MsgId, or hostile, refused
with a valid negative AppRec (where there is someone to address it to) and nothing else
written."""

import datetime
import hashlib
from pathlib import Path

import pytest

from pathways.models import Admission, Patient
from plo import apprec, services, xml
from plo.envelope import Party
from plo.models import Direction, MessageStatus, PloMessage
from registry.models import OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
# A discharge report (utskrivningsrapport): here, with no PLO connection, it is refused (X99)
# but stored as it came, like any message.
REPORT = (EXAMPLES / "Utskrivningsrapport_v1-6_Ny.xml").read_bytes()
NS = {"ar": apprec.APPREC}


@pytest.fixture
def parties(cast):
    """The examples' hospital (HER-id 59) and municipality (99387) as the registry knows them."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    municipality = factories.organization(name="Alvdal", her_id="99387")
    return hospital, municipality


def receipt(message) -> tuple[str, list[str]]:
    root = xml.read(bytes(message.apprec))
    return (root.find("ar:Status", NS).get("V"),
            [error.get("V") for error in root.findall("ar:Error", NS)])


def nothing_else_written(before):
    assert (Patient.objects.count(), Admission.objects.count()) == before


def test_a_message_is_stored_as_it_came_with_its_envelope(parties):
    hospital, municipality = parties
    message = services.receive(REPORT, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    message.refresh_from_db()
    assert bytes(message.document) == REPORT
    assert message.sha256 == hashlib.sha256(REPORT).hexdigest()
    assert (message.msg_type, message.dispatch_status) == ("UTSKRIVNINGSRAPPORT", "N")
    assert (message.sender, message.receiver) == (hospital, municipality)
    assert message.msg_id == xml.read(REPORT).findtext(
        "{http://www.kith.no/xmlstds/msghead/2006-05-24}MsgInfo/"
        "{http://www.kith.no/xmlstds/msghead/2006-05-24}MsgId")


def test_a_second_delivery_of_a_msg_id_is_answered_by_the_first(parties):
    first = services.receive(ADMITTED, transport="folder")
    again = services.receive(ADMITTED, transport="folder")
    assert again.pk == first.pk and PloMessage.objects.count() == 1


def test_a_stored_message_is_never_changed(parties):
    message = services.receive(ADMITTED, transport="folder")
    message.document = b"<MsgHead/>"
    with pytest.raises(ValueError, match="not changed"):
        message.save()
    message.status = MessageStatus.PROCESSED
    message.save(update_fields=["status"])  # what became of it may change
    message.refresh_from_db()
    assert bytes(message.document) == ADMITTED


def test_an_unknown_receiver_is_refused_with_e21_and_nothing_else_written(cast):
    factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital", her_id="59",
                           parent=cast.unn_hf)
    before = (Patient.objects.count(), Admission.objects.count())
    message = services.receive(ADMITTED, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "E21")
    assert "99387" in message.error_text
    assert receipt(message) == ("2", ["E21"])
    root = xml.read(bytes(message.apprec))
    assert root.findtext("ar:Receiver/ar:HCP/ar:Inst/ar:Id", namespaces=NS) == "59"
    assert root.findtext("ar:OriginalMsgId/ar:Id", namespaces=NS) == message.msg_id
    nothing_else_written(before)


def test_a_msg_id_that_is_no_uuid_is_refused_with_e10(parties):
    message = services.receive(ADMITTED.replace(
        b"b088a160-0698-11e8-b566-0800200c9a66", b"melding-1"), transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "E10")
    assert receipt(message) == ("2", ["E10"])


@pytest.mark.parametrize(("name", "data", "code", "answered"), [
    ("not XML", b"MSH|^~\\&|HL7", "T01", False),
    ("entities", b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaa">]><MsgHead>&a;'
                 b"</MsgHead>", "T01", False),
    ("over the limit", ADMITTED.replace(b"</MsgHead>", b"<!--" + b"x" * (10 * 1024 * 1024)
                                        + b"--></MsgHead>"), "T99", False),
    # Invalid, but with an envelope that can be read: the sender gets a receipt.
    ("an unknown element", ADMITTED.replace(b"<p1:MeldingInnlagtPasient>",
                                            b"<p1:MeldingInnlagtPasient><Tull/>", 1), "T02",
     True),
    ("the wrong namespace", ADMITTED.replace(b"po/Pasientlogistikk/2012-04-01\"",
                                             b"po/Pasientlogistikk/2099-01-01\""), "T02", True),
])
def test_hostile_or_broken_input_is_refused_and_kept_for_the_operator(parties, name, data,
                                                                      code, answered):
    before = (Patient.objects.count(), Admission.objects.count())
    message = services.receive(data, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, code), name
    assert bytes(message.document) == data  # kept as it came
    if answered:
        assert receipt(message) == ("2", [code])
    else:
        assert message.apprec is None  # nobody to address a receipt to, or not read that far
    nothing_else_written(before)


def test_a_receipt_for_a_sent_message_marks_it_and_is_never_answered(parties):
    """The municipality's AppRec for a message the portal sent: kept in the log, the sent
    message marked refused with the receiver's reason; no receipt for a receipt."""
    sent = PloMessage(direction=Direction.OUT, document=b"<MsgHead/>", transport="folder",
                      status=MessageStatus.SENT, msg_id="5c3b6a10-0001-4000-8000-000000000001",
                      msg_type="LOG_INNLAGT", sender_her_id="59", receiver_her_id="99387")
    sent.save()
    now = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
    receipt_bytes = apprec.build(
        receipt_from=Party(her_id="99387", name="Alvdal"), receipt_to=Party(her_id="59",
                                                                           name="St. Olav"),
        original_type="LOG_INNLAGT", original_id=sent.msg_id, original_issued=now, now=now,
        errors=[("E21", "Ukjent mottaker hos oss")])
    message = services.receive(receipt_bytes, transport="folder")
    assert (message.msg_type, message.status, message.apprec) == (
        "APPREC", MessageStatus.PROCESSED, None)
    assert message.parent_msg_id == sent.msg_id
    sent.refresh_from_db()
    assert (sent.status, sent.error_code, sent.error_text) == (
        MessageStatus.REFUSED, "E21", "Ukjent mottaker hos oss")
    assert services.receive(receipt_bytes, transport="folder").pk == message.pk


def test_a_document_outside_the_envelope_is_refused_as_a_format_not_taken(parties):
    document = ADMITTED.split(b"<Content>")[1].split(b"</Content>")[0].strip()
    message = services.receive(document, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "T10")
