"""The folder transport as an EPJ test environment uses it: a message dropped into inbox/
is received at the next poll (beat's task), answered in outbox/<the sender's HER-id>/ and
moved to inbox/done/; a half-written file (not yet .xml) waits; a second delivery of the
same message admits nobody twice and gets the same receipt; a file far too large is set
aside unread."""

from pathlib import Path

import pytest

from pathways.models import Admission
from plo import apprec, services, transports, xml
from plo.models import MessageStatus, PloMessage
from plo.tasks import poll_plo
from registry.models import OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
NS = {"ar": apprec.APPREC}


@pytest.fixture
def folder(cast, settings, tmp_path):
    settings.PLO_FOLDER = str(tmp_path)
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.organization(name="Alvdal", her_id="99387")
    services.connect(hospital, default_ward=factories.ward(hospital, "Ortopedi"))
    (tmp_path / "inbox").mkdir()
    return tmp_path


def test_a_dropped_message_is_received_answered_and_moved(folder):
    (folder / "inbox" / "innlagt.xml").write_bytes(ADMITTED)
    (folder / "inbox" / "innlagt.xml.part").write_bytes(ADMITTED[:100])  # still being written
    assert poll_plo() == 1
    message = PloMessage.objects.get()
    assert message.status == MessageStatus.PROCESSED
    assert Admission.objects.filter(uuid=message.subject_uuid).exists()
    receipt = folder / "outbox" / "59" / f"apprec-{message.uuid}.xml"
    root = xml.read(receipt.read_bytes())
    assert root.find("ar:Status", NS).get("V") == "1"
    assert [p.name for p in (folder / "inbox").iterdir() if p.is_file()] == ["innlagt.xml.part"]
    assert (folder / "inbox" / "done" / f"{message.uuid}-innlagt.xml").read_bytes() == ADMITTED
    assert not list((folder / "outbox" / "59").glob("*.tmp"))
    assert poll_plo() == 0  # nothing new


def test_a_second_delivery_admits_nobody_twice_and_gets_the_same_receipt(folder):
    (folder / "inbox" / "first.xml").write_bytes(ADMITTED)
    poll_plo()
    (folder / "inbox" / "again.xml").write_bytes(ADMITTED)
    assert poll_plo() == 1
    assert PloMessage.objects.count() == 1 and Admission.objects.count() == 1
    receipts = list((folder / "outbox" / "59").iterdir())
    assert len(receipts) == 1


def test_a_broken_message_is_kept_and_moved_with_no_one_to_answer(folder):
    (folder / "inbox" / "broken.xml").write_bytes(b"<MsgHead>")
    poll_plo()
    message = PloMessage.objects.get()
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "T01")
    assert not (folder / "outbox").exists() or not any((folder / "outbox").rglob("*.xml"))
    assert (folder / "inbox" / "done" / f"{message.uuid}-broken.xml").exists()


def test_a_file_far_too_large_is_set_aside_unread(folder, monkeypatch):
    monkeypatch.setattr(transports, "FILE_LIMIT_BYTES", 1000)
    (folder / "inbox" / "huge.xml").write_bytes(ADMITTED)
    assert poll_plo() == 0
    assert not PloMessage.objects.exists()
    assert (folder / "inbox" / "too-large" / "huge.xml").exists()
