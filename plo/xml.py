"""Reading a message from outside, safely, and checking it against the published schemas.

A message is bytes from another system over the health network, so it is read as hostile:
- at most MAX_MESSAGE_BYTES (before parsing anything);
- no DTD at all: defusedxml's expat pass refuses a document type declaration where it
  starts, so entities are never declared, let alone expanded (no billion laughs), and
  nothing is fetched (no external entities; the schemas are local files, lxml reads
  without network);
- well-formed XML, then valid against the schema set (plo/standards/schema-set.xsd, the
  published schemas as they are), the MsgHead envelope with its content, strictly.

Each refusal is a Refused with the AppRec error code (code list 8221) the sender gets back
and a readable text."""

from functools import cache
from pathlib import Path

import defusedxml
from defusedxml import ElementTree as defused
from lxml import etree

STANDARDS = Path(__file__).resolve().parent / "standards"
# A PLO message is text with, at most, a few attachments; 4 MiB holds the largest the
# standard's examples suggest many times over, and no more is parsed.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class Refused(Exception):
    """A message (or document) the portal will not take: `code` is its AppRec error code."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code, self.text = code, text


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse(data: bytes) -> etree._Element:
    """The message's root element, or Refused (T01: not XML, or not one we read)."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError("a message is bytes")
    if len(data) > MAX_MESSAGE_BYTES:
        raise Refused("T99", f"The message is {len(data):,} bytes; at most "
                             f"{MAX_MESSAGE_BYTES:,} are accepted.")
    data = bytes(data)
    try:
        defused.fromstring(data, forbid_dtd=True, forbid_entities=True,
                           forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise Refused("T01", "A document type declaration (DTD) or an entity is not allowed "
                             "in a message.") from None
    except defused.ParseError as exc:
        raise Refused("T01", f"Not well-formed XML: {exc}") from None
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:  # what expat took, libxml2 should too; if not:
        raise Refused("T01", f"Not well-formed XML: {exc.msg}") from None


@cache
def schema_set() -> etree.XMLSchema:
    """The published schemas in one set, read once per process from local files."""
    document = etree.parse(str(STANDARDS / "schema-set.xsd"), _parser())
    return etree.XMLSchema(document)


def validate(root: etree._Element) -> None:
    """Refused (T02, naming the first errors with their lines) unless the document is valid
    against the published schemas; its root must be one they define."""
    schema = schema_set()
    if not schema.validate(root):
        errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3]]
        raise Refused("T02", "The message does not validate against the schemas: "
                             + "; ".join(errors))


def read(data: bytes) -> etree._Element:
    """Parse and validate: the root of a message the portal may go on to map."""
    root = parse(data)
    validate(root)
    return root
