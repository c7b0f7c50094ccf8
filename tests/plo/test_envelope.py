"""The envelope read from each official example: its type, dispatch status, parties by
HER-id (and department), the patient as named, and the message a change or cancel refers to."""

from pathlib import Path

import pytest

from plo import xml
from plo.envelope import read_envelope

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"


def envelope_of(name: str):
    return read_envelope(xml.read((EXAMPLES / f"{name}.xml").read_bytes()))


@pytest.mark.parametrize(("name", "msg_type", "status", "sender", "receiver"), [
    ("Pasientlogistikk_Innlagt_pasient_v1-6_Ny", "LOG_INNLAGT", "N", ("59", "90998"),
     ("99387", "5078")),
    ("Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny", "LOG_UTSKRIVNINGSKLAR", "N",
     ("59", "90998"), ("99387", "5078")),
    ("Innleggelsesrapport_v1-6_Endring", "INNLEGGELSESRAPPORT", "M", ("99387", "5078"),
     ("59", "91090")),
    ("Helseopplysninger_til_lege_v1-6_Kansellering", "HELSEOPPLYSNINGER_LEGE", "C",
     ("99387", "5078"), ("91096", "")),
])
def test_the_envelope_names_type_status_and_parties(name, msg_type, status, sender, receiver):
    found = envelope_of(name)
    assert found.msg_type == msg_type and found.dispatch_status == status
    assert (found.sender.her_id, found.sender.unit_her_id) == sender
    assert (found.receiver.her_id, found.receiver.unit_her_id) == receiver
    assert found.sender.name and found.receiver.name


def test_the_patient_is_read_as_named():
    patient = envelope_of("Pasientlogistikk_Innlagt_pasient_v1-6_Ny").patient
    assert (patient.given_name, patient.family_name) == ("Roland", "Gundersen")
    assert patient.identity_number == "15876500288"  # the synthetic stand-in (examples.json)
    assert patient.birth_date.isoformat() == "1965-07-15"


def test_a_cancel_names_the_message_it_cancels():
    new = envelope_of("Pasientlogistikk_Innlagt_pasient_v1-6_Ny")
    cancel = envelope_of("Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering")
    assert new.parent_id == "" and cancel.dispatch_status == "C"
    assert cancel.parent_id == new.msg_id
    assert cancel.document.tag.endswith("}Pasientlogistikk")
