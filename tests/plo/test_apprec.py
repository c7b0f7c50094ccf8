"""The AppRec the portal answers with: valid against the published schema, OK or rejected
with the code list's error code, its text and the sender's readable reason, addressed back
to the sender and naming the original message."""

import datetime

from lxml import etree

from plo import apprec, xml
from plo.envelope import Party

NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
US = Party(her_id="99387", name="Tromsø kommune", unit_her_id="5078",
           unit_name="Koordinerende enhet")
HOSPITAL = Party(her_id="59", name="UNN HF")
NS = {"ar": apprec.APPREC}


def build(**fields):
    return apprec.build(receipt_from=US, receipt_to=HOSPITAL, original_type="LOG_INNLAGT",
                        original_id="b088a160-0698-11e8-b566-0800200c9a66",
                        original_issued=NOW, now=NOW, **fields)


def test_an_ok_receipt_validates_and_names_the_original():
    root = xml.read(build())
    assert root.find("ar:Status", NS).get("V") == "1"
    assert root.find("ar:Error", NS) is None
    assert root.findtext("ar:OriginalMsgId/ar:Id", namespaces=NS) == \
        "b088a160-0698-11e8-b566-0800200c9a66"
    assert root.find("ar:OriginalMsgId/ar:MsgType", NS).get("DN") == "Melding om innlagt pasient"
    assert root.findtext("ar:Sender/ar:HCP/ar:Inst/ar:Dept/ar:Id", namespaces=NS) == "5078"
    assert root.find("ar:Receiver/ar:Role", NS).get("V") == "AVS"


def test_a_rejection_carries_the_code_and_the_reason():
    root = xml.read(build(errors=[("E21", "No organisation with HER-id 424242 here.")]))
    assert root.find("ar:Status", NS).get("V") == "2"
    error = root.find("ar:Error", NS)
    assert (error.get("V"), error.get("DN"), error.get("S")) == (
        "E21", "Mottaker finnes ikke", "2.16.578.1.12.4.1.1.8221")
    assert error.get("OT") == "No organisation with HER-id 424242 here."


def test_the_receipt_is_read_safely_like_any_message():
    data = build()
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(data).tag == f"{{{apprec.APPREC}}}AppRec"
