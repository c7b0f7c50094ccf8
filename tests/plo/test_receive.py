"""Receiving a message: stored exactly as it came (and never changed), what the envelope
says recorded beside it, a second delivery of a MsgId answered by the first; a message from
or to an organisation the portal does not know, with a broken MsgId, or hostile, refused
with a valid negative AppRec (where there is someone to address it to) and nothing else
written."""

import hashlib
from pathlib import Path

import pytest

from pathways.models import Admission, Patient
from plo import apprec, services, xml
from plo.models import MessageStatus, PloMessage
from registry.models import OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
# A discharge report (utskrivningsrapport), which becomes no pathway step.
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
    assert message.status != MessageStatus.REJECTED, message.error_text
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
