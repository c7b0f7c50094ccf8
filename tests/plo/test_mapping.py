"""An accepted message becomes its pathway step through the same services the ward board and
the REST API use, as the sending hospital's PLO service account: LOG_INNLAGT admits the
patient (registered from the message if new, linked only if both names match), the
municipality's KE sees the stay and its early-notification deadline runs; what cannot become
its step is refused with the right AppRec code and writes nothing."""

import datetime
import zoneinfo
from pathlib import Path

import pytest

from common.exceptions import StateConflict
from pathways.models import Admission, AdmissionStatus, DischargeDestination, Patient
from plo import apprec, services, xml
from plo.models import MessageStatus, PloMessage
from registry.models import AuditEvent, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
READY = (EXAMPLES / "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml").read_bytes()
WITHDRAWN = (EXAMPLES / "Pasientlogistikk_Avmelding_av_utskrivningsklar_pasient_v1-6_Ny.xml"
             ).read_bytes()
DISCHARGED = (EXAMPLES / "Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny.xml").read_bytes()
CANCEL = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering.xml").read_bytes()
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NUMBER = "15876500288"  # Roland Gundersen's synthetic number in the examples
NS = {"ar": apprec.APPREC}


@pytest.fixture
def alvdal(cast):
    """The examples' parties: St. Olavs (HER-id 59) with its orthopaedic ward (the unit's
    local code ORTØYA) connected by PLO, and Alvdal (99387) with its KE."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    ward = factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    municipality = factories.organization(name="Alvdal", her_id="99387")
    ke = factories.user("ke_alvdal", municipality, Role.KE_STAFF)
    endpoint = services.connect(hospital)
    return hospital, ward, municipality, ke, endpoint


def status_of(message) -> tuple[str, list[str]]:
    root = xml.read(bytes(message.apprec))
    return (root.find("ar:Status", NS).get("V"),
            [error.get("V") for error in root.findall("ar:Error", NS)])


def test_an_admission_message_admits_the_patient_for_the_municipality(alvdal):
    hospital, ward, municipality, ke, endpoint = alvdal
    message = services.receive(ADMITTED, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    assert status_of(message) == ("1", [])
    admission = Admission.objects.get(uuid=message.subject_uuid)
    assert message.subject_type == "admission" and message.patient == admission.patient
    assert (admission.hospital, admission.ward, admission.municipality) == (
        hospital, ward, municipality)
    assert admission.admitted_at == datetime.datetime(
        2018, 1, 29, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Oslo"))
    assert admission.notification_deadline > admission.admitted_at
    patient = admission.patient
    assert (patient.identity_number, patient.given_name, patient.family_name) == (
        NUMBER, "Roland", "Gundersen")
    assert patient.birth_date == datetime.date(1965, 7, 15)
    # The municipality's KE sees the stay; the step is the service account's, audited.
    assert Patient.objects.visible_to(ke).filter(pk=patient.pk).exists()
    assert AuditEvent.objects.filter(user=endpoint.client.user, object_id=str(admission.uuid),
                                     action="create").exists()


def test_a_known_patient_whose_names_differ_is_refused_with_e36(alvdal, cast):
    known = factories.patient(cast.ke_tromso, "Rolf", "Gundersen", municipality=cast.tromso,
                              birth_date=datetime.date(1965, 7, 15))
    Patient.objects.filter(pk=known.pk).update(identity_number=NUMBER)
    message = services.receive(ADMITTED, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "E36")
    assert status_of(message) == ("2", ["E36"])
    assert not Admission.objects.filter(patient=known).exists()
    known.refresh_from_db()
    assert known.given_name == "Rolf"


def test_a_hospital_without_a_plo_connection_is_refused(cast):
    factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital", her_id="59",
                           parent=cast.unn_hf)
    factories.organization(name="Alvdal", her_id="99387")
    message = services.receive(ADMITTED, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    assert "no PLO connection" in message.error_text
    assert not Admission.objects.exists()


def test_the_stay_follows_the_logistics_messages_ready_withdrawn_discharged(alvdal):
    """The examples in their order: admitted on the 29th, ready on the 31st (the payment
    days would follow), withdrawn the same day, discharged home on 1 February."""
    admitted = services.receive(ADMITTED, transport="folder")
    admission = Admission.objects.get(uuid=admitted.subject_uuid)
    ready = services.receive(READY, transport="folder")
    assert ready.status == MessageStatus.PROCESSED, ready.error_text
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    declaration = admission.ready_declarations.get()
    assert declaration.declared_at == datetime.datetime(2018, 1, 31, tzinfo=OSLO)
    assert declaration.physician == "Gunn Omsorg" and ready.patient == admission.patient
    withdrawn = services.receive(WITHDRAWN, transport="folder")
    assert withdrawn.status == MessageStatus.PROCESSED, withdrawn.error_text
    declaration.refresh_from_db()
    assert declaration.withdrawn_at == datetime.datetime(2018, 1, 31, tzinfo=OSLO)
    discharged = services.receive(DISCHARGED, transport="folder")
    assert discharged.status == MessageStatus.PROCESSED, discharged.error_text
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    assert admission.discharge_destination == DischargeDestination.HOME
    assert status_of(discharged) == ("1", [])


def test_a_step_for_a_stay_the_portal_does_not_have_is_refused_with_e35(alvdal):
    message = services.receive(READY, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "E35")
    assert status_of(message) == ("2", ["E35"])


def test_a_step_the_stay_does_not_allow_is_refused_and_changes_nothing(alvdal):
    services.receive(ADMITTED, transport="folder")
    message = services.receive(WITHDRAWN, transport="folder")  # never declared ready
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    assert Admission.objects.get().status == AdmissionStatus.ADMITTED


def test_the_examples_cancel_registers_the_stay_in_error(alvdal):
    """"Meldingen ble sendt på feil pasient": the stay never was (tests/plo/
    test_change_cancel.py has the other changes and cancels)."""
    admitted = services.receive(ADMITTED, transport="folder")
    message = services.receive(CANCEL, transport="folder")
    assert message.status == MessageStatus.PROCESSED and status_of(message) == ("1", [])
    stay = Admission.objects.get(uuid=admitted.subject_uuid)
    assert message.subject_uuid == stay.uuid
    assert stay.status == AdmissionStatus.ENTERED_IN_ERROR
    assert stay.error_reason == "Kansellering: Meldingen ble sendt på feil pasient"


def admission_message_for(given, family, born, number, admitted_at, msg_id) -> bytes:
    """The examples' admission message, for another of the examples' patients."""
    return (ADMITTED.replace(b"<GivenName>Roland</GivenName>", f"<GivenName>{given}"
                             f"</GivenName>".encode())
            .replace(b"<FamilyName>Gundersen</FamilyName>", f"<FamilyName>{family}"
                     f"</FamilyName>".encode())
            .replace(b"1965-07-15", born.encode()).replace(NUMBER.encode(), number.encode())
            .replace(b"2018-01-29T10:00:00", admitted_at.encode())
            .replace(b"b088a160-0698-11e8-b566-0800200c9a66", msg_id.encode()))


def test_the_health_information_is_the_early_notification_and_its_versions(alvdal):
    """Gry Telokk's notice (the examples' "varsel om innlagt pasient") and its two updates
    (Endring): versions 1, 2 and 3 of the notice, each with the hospital's text under its
    headings and the estimated discharge date it gives."""
    _hospital, _ward, _municipality, ke, _endpoint = alvdal
    admitted = services.receive(admission_message_for(
        "Gry", "Telokk", "1979-05-12", "12857900101", "2018-01-09T10:00:00",
        "5e0d1c10-fd1f-11e7-8f1a-0800200c9a66"), transport="folder")
    assert admitted.status == MessageStatus.PROCESSED, admitted.error_text
    admission = Admission.objects.get(uuid=admitted.subject_uuid)
    for name, sequence, status, estimated in (
            ("Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny", 1, "new", "2018-01-15"),
            ("Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring1", 2, "change",
             "2018-01-18"),
            ("Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring2", 3, "change",
             "2018-01-25")):
        message = services.receive((EXAMPLES / f"{name}.xml").read_bytes(), transport="folder")
        assert message.status == MessageStatus.PROCESSED, (name, message.error_text)
        notice = admission.early_notifications.get(uuid=message.subject_uuid)
        assert (notice.sequence, notice.message_status) == (sequence, status)
        assert notice.estimated_discharge_date.isoformat() == estimated
        assert notice.expected_course.startswith("Pasientens status: ")
        assert "\n\nAntatt forløp: " in notice.expected_course
        assert message.patient == admission.patient and status_of(message) == ("1", [])
    assert admission.early_notifications.visible_to(ke).count() == 3


def test_the_admission_report_reaches_the_stay_for_the_hospital(alvdal, client, cast):
    """Line Danser is admitted at St. Olavs; Alvdal's EPJ sends its admission report, then a
    change and a cancellation: versions 1–3 on the stay, the hospital's planners told, the
    pathway page showing what the municipality wrote."""
    hospital, _ward, municipality, _ke, _endpoint = alvdal
    services.connect(municipality)
    admitted = services.receive(admission_message_for(
        "Line", "Danser", "1969-11-13", "13916900281", "2018-01-29T10:00:00",
        "0d7e5a10-05c6-11e8-8f1a-0800200c9a66"), transport="folder")
    admission = Admission.objects.get(uuid=admitted.subject_uuid)
    planner = factories.user("planner_olav", hospital, Role.DISCHARGE_PLANNER)
    for name, sequence, status in (("Innleggelsesrapport_v1-6_Ny", 1, "new"),
                                   ("Innleggelsesrapport_v1-6_Endring", 2, "change"),
                                   ("Innleggelsesrapport_v1-6_Kansellering", 3, "cancel")):
        message = services.receive((EXAMPLES / f"{name}.xml").read_bytes(), transport="folder")
        assert message.status == MessageStatus.PROCESSED, (name, message.error_text)
        report = admission.admission_reports.get(uuid=message.subject_uuid)
        assert (report.sequence, report.message_status) == (sequence, status)
        assert report.municipality == municipality and report.responsible == "Gunn Omsorg"
        assert status_of(message) == ("1", [])
    first = admission.admission_reports.get(sequence=1)
    assert "Årsak til innleggelse: Pasienten har fra kl 10" in first.summary
    assert "Hjertesvikt (I50)" in first.summary and "Burinex 1 mg" in first.summary
    assert planner.notifications.filter(kind="admission.report").count() == 3
    client.force_login(planner)
    page = client.get(f"/patients/{admission.patient.uuid}/pathway/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Innleggelsesrapport versjon 1 fra Alvdal (første melding)" in html
    assert "Hjertesvikt (I50)" in html


@pytest.mark.parametrize("name", ["Medisinske_opplysninger_v1-6_Ny",
                                  "Orientering_om_tjenestetilbud_v1-6_Ny",
                                  "Helseopplysninger_til_lege_v1-6_Ny"])
def test_the_gps_messages_are_refused_as_a_kind_the_portal_does_not_take(cast, name):
    factories.organization(name="Alvdal", her_id="99387")
    factories.organization(OrganizationKind.GP_OFFICE, "Alvdal legekontor", her_id="91096")
    message = services.receive((EXAMPLES / f"{name}.xml").read_bytes(), transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "T10")
    assert status_of(message) == ("2", ["T10"])


def test_a_repeat_delivery_while_the_first_is_being_mapped_maps_nothing(alvdal):
    """Two pollers got the same message: the second finds the first's row (still being
    mapped) and leaves it to the first, so the patient is not admitted twice."""
    first = PloMessage(direction="in", document=ADMITTED, transport="folder",
                       status=MessageStatus.RECEIVED, sender_her_id="59",
                       msg_id="b088a160-0698-11e8-b566-0800200c9a66")
    first.save()
    again = services.receive(ADMITTED, transport="folder")
    assert again.pk == first.pk and again.status == MessageStatus.RECEIVED
    assert not Admission.objects.exists()


def test_two_operators_processing_again_at_once_map_it_once(cast):
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.organization(name="Alvdal", her_id="99387")
    message = services.receive(ADMITTED, transport="folder")
    services.connect(hospital, default_ward=factories.ward(hospital, "Ortopedi"))
    other_operators_copy = PloMessage.objects.get(pk=message.pk)
    services.reprocess(message)
    with pytest.raises(StateConflict):
        services.reprocess(other_operators_copy)  # read before the first one went on
    assert Admission.objects.count() == 1


def test_a_refused_message_is_processed_again_once_the_connection_is_made(cast):
    """The operator's second try: the hospital had no PLO connection; once it has one, the
    same stored message admits the patient and is answered OK."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.organization(name="Alvdal", her_id="99387")
    message = services.receive(ADMITTED, transport="folder")
    assert message.error_code == "X99"
    services.connect(hospital, default_ward=factories.ward(hospital, "Ortopedi"))
    again = services.reprocess(message)
    assert again.pk == message.pk and again.status == MessageStatus.PROCESSED
    assert status_of(again) == ("1", [])
    assert Admission.objects.filter(uuid=again.subject_uuid).exists()
    with pytest.raises(StateConflict):
        services.reprocess(again)  # done: it is not processed twice
