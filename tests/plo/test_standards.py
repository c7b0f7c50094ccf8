"""The PLO standards as the project keeps them: the schemas exactly as published but for
their schemaLocations, the 22 official examples as published but for their identity numbers
(synthetic here), every example valid against the schemas; and a message read as hostile:
too big, not XML, a DTD (entities, external entities), the wrong namespace, an element the
schemas do not know → refused with the AppRec error code, before anything is mapped."""

import hashlib
import json
import re
import time
from pathlib import Path

import pytest

from pathways.identity import parse_identity_number
from plo import xml
from plo.standards.vendor_examples import masked_sha256

STANDARDS = Path(xml.__file__).resolve().parent / "standards"
MANIFEST = json.loads((STANDARDS / "manifest.json").read_text(encoding="utf-8"))
EXAMPLES = json.loads((STANDARDS / "examples.json").read_text(encoding="utf-8"))
EXAMPLE_FILES = sorted((STANDARDS / "examples").glob("*.xml"))
ADMITTED = STANDARDS / "examples" / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def test_the_schemas_are_the_published_ones_with_local_locations():
    files = sorted(p.name for p in (STANDARDS / "schemas").glob("*.xsd"))
    assert files == sorted(MANIFEST["files"]) and len(files) == 20
    for name, record in MANIFEST["files"].items():
        text = (STANDARDS / "schemas" / name).read_bytes()
        for local, published in record["locations"].items():
            text = text.replace(f'schemaLocation="{local}"'.encode(),
                                f'schemaLocation="{published}"'.encode())
        assert hashlib.sha256(text).hexdigest() == record["sha256"], name


def test_the_examples_are_the_published_ones_with_synthetic_numbers():
    assert len(EXAMPLE_FILES) == 22 == len(EXAMPLES["files"])
    numbers = set()
    for path in EXAMPLE_FILES:
        text = path.read_bytes()
        assert masked_sha256(text) == EXAMPLES["files"][path.name]["masked_sha256"], path.name
        numbers |= set(re.findall(rb"(?<!\d)\d{11}(?!\d)", text))
    assert len(numbers) == EXAMPLES["numbers_replaced"] == 3
    for number in numbers:  # never a real person's: month + 80, with valid check digits
        assert parse_identity_number(number.decode(), allow_synthetic=True).synthetic


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_official_example_validates(path):
    root = xml.read(path.read_bytes())
    assert root.tag == "{http://www.kith.no/xmlstds/msghead/2006-05-24}MsgHead"


def refused(data: bytes) -> xml.Refused:
    with pytest.raises(xml.Refused) as caught:
        xml.read(data)
    return caught.value


def test_an_envelope_without_its_message_id_does_not_validate():
    error = refused(re.sub(rb"<MsgId>[^<]*</MsgId>", b"", ADMITTED.read_bytes()))
    assert error.code == "T02" and "MsgId" in error.text


def test_content_the_schemas_do_not_know_does_not_validate():
    """The envelope's content is validated strictly: an element of no published schema is
    refused, as is the right element in another namespace."""
    text = ADMITTED.read_bytes()
    unknown = text.replace(b"<p1:MeldingInnlagtPasient>", b"<p1:MeldingInnlagtPasient>"
                           b"<Tull>x</Tull>", 1)
    assert refused(unknown).code == "T02"
    moved = text.replace(b"po/Pasientlogistikk/2012-04-01\"", b"po/Pasientlogistikk/2099-01-01\"")
    assert refused(moved).code == "T02"
    envelope = text.replace(b"msghead/2006-05-24\" xmlns:xsi", b"msghead/1999-01-01\" xmlns:xsi")
    assert refused(envelope).code == "T02"


def test_not_xml_is_refused_as_such():
    for data in (b"", b"MSH|^~\\&|HL7", b"<MsgHead><MsgInfo></MsgHead>",
                 ADMITTED.read_bytes()[:500]):
        assert refused(data).code == "T01"


def test_entities_are_never_expanded_and_nothing_is_fetched(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1
                                                    else b"&lol;" * 10) for i in range(1, 10))
              + b"]><MsgHead>&lol9;</MsgHead>")
    started = time.process_time()
    error = refused(laughs)
    assert error.code == "T01" and "DTD" in error.text
    assert time.process_time() - started < 1  # refused without expanding a billion "lol"s
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    external = (b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file://'
                + str(secret).encode() + b'">]><MsgHead>&x;</MsgHead>')
    error = refused(external)
    assert error.code == "T01" and "do not read me" not in error.text
    network = (b'<?xml version="1.0"?><!DOCTYPE m SYSTEM "http://127.0.0.1:9/evil.dtd">'
               b"<MsgHead/>")
    assert refused(network).code == "T01"


def test_a_message_over_the_limit_is_refused_before_it_is_parsed():
    big = ADMITTED.read_bytes().replace(b"</MsgHead>", b"<!--" + b"x" * (10 * 1024 * 1024)
                                        + b"--></MsgHead>")
    error = refused(big)
    assert error.code == "T99" and "at most" in error.text
