"""The application receipt (AppRec 1.1, HIS 80415:2012) the portal answers each message with:
OK, or rejected with the error codes of code list 8221 and a readable text; addressed back
to the sender (Role AVS) from the receiver it was sent to (Role PRIM), naming the original
by its type, time and MsgId. Built with lxml and valid against the published schema."""

import datetime
import uuid

from lxml import etree

from . import codes
from .envelope import Party

APPREC = "http://www.kith.no/xmlstds/apprec/2012-02-15"
MIG_VERSION = "v1.1 2012-02-15"
SOFTWARE = "Rehab Portal"


def _cs(parent, tag: str, value: str, text: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{APPREC}}}{tag}", V=value, DN=text)


def _el(parent, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{APPREC}}}{tag}")
    element.text = text
    return element


def _party(parent, tag: str, party: Party, role: tuple[str, str]) -> None:
    node = etree.SubElement(parent, f"{{{APPREC}}}{tag}")
    _cs(node, "Role", *role)
    institution = etree.SubElement(etree.SubElement(node, f"{{{APPREC}}}HCP"),
                                   f"{{{APPREC}}}Inst")
    _el(institution, "Name", party.name or party.her_id)
    _el(institution, "Id", party.her_id)
    _cs(institution, "TypeId", "HER", "HER-id")
    if party.unit_her_id:
        department = etree.SubElement(institution, f"{{{APPREC}}}Dept")
        _el(department, "Name", party.unit_name or party.unit_her_id)
        _el(department, "Id", party.unit_her_id)
        _cs(department, "TypeId", "HER", "HER-id")


def build(*, receipt_from: Party, receipt_to: Party, original_type: str, original_id: str,
          original_issued: datetime.datetime, errors: list[tuple[str, str]] = (),
          now: datetime.datetime, receipt_id: str | None = None) -> bytes:
    """The AppRec for one message: OK without errors; rejected (status 2) with each error as
    (code of list 8221, the text the sender's operator reads)."""
    root = etree.Element(f"{{{APPREC}}}AppRec", nsmap={None: APPREC})
    apprec = codes.code(codes.MESSAGE_TYPE, "APPREC")
    _cs(root, "MsgType", apprec.value, apprec.text)
    _el(root, "MIGversion", MIG_VERSION)
    _el(root, "SoftwareName", SOFTWARE)
    _el(root, "GenDate", now.isoformat(timespec="seconds"))
    _el(root, "Id", receipt_id or str(uuid.uuid4()))
    primary = codes.code(codes.RECEIVER_ROLE, "PRIM")
    _party(root, "Sender", receipt_from, (primary.value, primary.text))
    _party(root, "Receiver", receipt_to, ("AVS", "Avsender"))
    status = codes.code(codes.APPREC_STATUS, "2" if errors else "1")
    _cs(root, "Status", status.value, status.text)
    for value, text in errors:
        error = codes.code(codes.APPREC_ERROR, value)
        etree.SubElement(root, f"{{{APPREC}}}Error", V=error.value, DN=error.text,
                         S=error.oid, OT=text[:1000])
    original = etree.SubElement(root, f"{{{APPREC}}}OriginalMsgId")
    kind = codes.values(codes.MESSAGE_TYPE)
    _cs(original, "MsgType", original_type,
        codes.code(codes.MESSAGE_TYPE, original_type).text if original_type in kind
        else original_type)
    _el(original, "IssueDate", original_issued.isoformat(timespec="seconds"))
    _el(original, "Id", original_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
