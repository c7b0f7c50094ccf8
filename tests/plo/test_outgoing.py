"""The logistics messages the portal writes are valid against the published schemas and say
what the records say: a round trip through receive() (the other side of the channel, here
the portal itself) makes the same stay, declaration and withdrawal again."""

import datetime
import zoneinfo

import pytest

from pathways.models import Admission, AdmissionStatus, Patient, ReadyForDischarge
from plo import outgoing, services, xml
from plo.envelope import read_envelope
from plo.models import MessageStatus
from registry.models import OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def channel(cast):
    hospital = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                      her_id="4201", parent=cast.unn_hf)
    ward = factories.ward(hospital, "Slag", code="SLAG")
    municipality = factories.organization(name="Bodø kommune", her_id="4202")
    services.connect(hospital)
    return hospital, ward, municipality


def test_an_admission_message_is_valid_and_makes_the_same_stay(channel):
    hospital, ward, municipality = channel
    admitted_at = datetime.datetime(2026, 12, 6, 14, 30, tzinfo=OSLO)
    number = factories.identity_number(datetime.date(1948, 2, 3))
    stay = Admission(hospital=hospital, municipality=municipality, ward=ward,
                     admitted_at=admitted_at, patient=Patient(
                         identity_number=number, given_name="Ottar", family_name="Olsen",
                         birth_date=datetime.date(1948, 2, 3)))
    data = outgoing.admitted(stay, now=NOW)
    envelope = read_envelope(xml.read(data))
    assert (envelope.msg_type, envelope.dispatch_status) == ("LOG_INNLAGT", "N")
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("4201", "4202")
    assert envelope.patient.identity_number == number
    message = services.receive(data, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    made = Admission.objects.get(uuid=message.subject_uuid)
    assert (made.hospital, made.municipality, made.ward) == (hospital, municipality, ward)
    assert made.admitted_at == admitted_at
    assert (made.patient.given_name, made.patient.family_name, made.patient.identity_number) \
        == ("Ottar", "Olsen", number)


def test_the_declaration_and_its_withdrawal_travel_and_come_back_the_same(channel):
    hospital, ward, municipality = channel
    number = factories.identity_number(datetime.date(1950, 5, 6))
    first = services.receive(outgoing.admitted(Admission(
        hospital=hospital, municipality=municipality, ward=ward,
        admitted_at=datetime.datetime(2026, 12, 1, 8, 0, tzinfo=OSLO),
        patient=Patient(identity_number=number, given_name="Sara", family_name="Sand",
                        birth_date=datetime.date(1950, 5, 6))), now=NOW), transport="folder")
    stay = Admission.objects.get(uuid=first.subject_uuid)
    declared = datetime.datetime(2026, 12, 4, 9, 15, tzinfo=OSLO)
    declaration = ReadyForDischarge(admission=stay, declared_at=declared,
                                    physician="Lege Lise Lund")
    ready = services.receive(outgoing.ready(declaration, now=NOW), transport="folder")
    assert ready.status == MessageStatus.PROCESSED, ready.error_text
    stay.refresh_from_db()
    made = stay.ready_declarations.get()
    assert (stay.status, made.declared_at, made.physician) == (
        AdmissionStatus.READY_FOR_DISCHARGE, declared, "Lege Lise Lund")
    made.withdrawn_at = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=OSLO)
    made.withdrawal_reason = "Feber igjen"
    back = services.receive(outgoing.withdrawn(made, now=NOW), transport="folder")
    assert back.status == MessageStatus.PROCESSED, back.error_text
    made.refresh_from_db()
    assert made.withdrawn_at == datetime.datetime(2026, 12, 5, 10, 0, tzinfo=OSLO)
    assert made.withdrawal_reason == "Feber igjen"


def test_the_recording_professional_is_named_only_with_an_hpr_number(channel, cast):
    """The schema wants the responsible professional identified: the portal names the user
    who recorded the declaration by their HPR number, or no one (it never makes one up)."""
    hospital, ward, municipality = channel
    stay = Admission(hospital=hospital, municipality=municipality, ward=ward,
                     admitted_at=datetime.datetime(2026, 12, 1, 8, 0, tzinfo=OSLO),
                     patient=cast.shared)
    declaration = ReadyForDischarge(admission=stay, physician="Lege Lise Lund",
                                    declared_at=datetime.datetime(2026, 12, 2, tzinfo=OSLO),
                                    created_by=cast.planner)
    assert b"AnsvarligRapport" not in outgoing.ready(declaration, now=NOW)
    cast.planner.hpr_number = "9144889"
    data = outgoing.ready(declaration, now=NOW)
    root = xml.read(data)
    person = root.find(".//{http://www.kith.no/xmlstds/po/poKomponent/2012-04-01}"
                       "AnsvarligRapport")
    fk1 = "{http://www.kith.no/xmlstds/felleskomponent1}"
    assert person.findtext(f"{fk1}Ident/{fk1}Id") == "9144889"
    assert person.findtext(f"{fk1}FamilyName") == cast.planner.last_name
