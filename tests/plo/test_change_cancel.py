"""Change (M) and cancel (C) of the logistics messages, and LOG_DOD: each follows its
RefToParent to what the original created and corrects or cancels it through the pathway's
services; a change or cancel of a message the portal never got, or refused, is refused with
E10 and writes nothing. Every message here is built with plo.outgoing's parts and validated
against the schemas before it is received."""

import datetime
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from pathways import billing
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeDestination,
    Patient,
    ReadyForDischarge,
)
from plo import apprec, outgoing, services, xml
from plo.envelope import PO, read_envelope
from plo.models import MessageStatus, PloMessage
from registry.models import Notification, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NS = {"ar": apprec.APPREC}
DAY = datetime.timedelta(days=1)
LOG = {  # message type → its element in Pasientlogistikk
    "LOG_INNLAGT": "MeldingInnlagtPasient",
    "LOG_UTSKRIVNINGSKLAR": "MeldingUtskrivningsklarPasient",
    "LOG_AVMELDING": "AvmeldingUtskrivningsklarPasient",
    "LOG_UTSKREVET": "MeldingOmUtskrevetPasient",
    "LOG_DOD": "OrienteringOmDod",
}


@pytest.fixture
def world(cast):
    """Bodø's hospital (HER-id 4201, ward SLAG) and municipality (4202) connected by PLO, a
    GP office (4203), the municipality's KE, and a patient the hospital admits by message."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                      her_id="4201", parent=cast.unn_hf)
    ward = factories.ward(hospital, "Slag", code="SLAG")
    other_ward = factories.ward(hospital, "Ortopedi", code="ORTO")
    municipality = factories.organization(name="Bodø kommune", her_id="4202")
    gp_office = factories.organization(OrganizationKind.GP_OFFICE, "Bodø legesenter",
                                       her_id="4203")
    ke = factories.user("ke_bodo_kommune", municipality, Role.KE_STAFF)
    services.connect(hospital)
    services.connect(municipality)
    born = datetime.date(1947, 4, 9)
    patient = Patient(identity_number=factories.identity_number(born), given_name="Oddvar",
                      family_name="Olsen", birth_date=born)
    return type("World", (), dict(hospital=hospital, ward=ward, other_ward=other_ward,
                                  municipality=municipality, gp_office=gp_office, ke=ke,
                                  patient=patient))


def days_ago(days, hour=10):
    moment = timezone.localtime(timezone.now(), OSLO) - days * DAY
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def build(world, msg_type, *, status="N", parent="", events=(), ward=None, dead=False,
          to_home=True, sender=None, receiver=None, patient=None, msg_id=None) -> bytes:
    """A logistics message as the hospital's EPJ writes it: `events` are (code, time,
    remark); a discharge says where to (UtskrevetTil) and whether alive. Validated."""
    stay = Admission(hospital=world.hospital, municipality=world.municipality,
                     ward=ward if ward is not None else world.ward,
                     patient=patient or world.patient)
    if sender is not None:
        stay.ward = None  # the municipality or the GP names no ward of the hospital's
    document, body = outgoing._logistics(LOG[msg_type], stay, status=status)
    if msg_type == "LOG_UTSKREVET":
        to = outgoing._el(body, PO, "UtskrevetTil")
        outgoing._el(to, PO, "Uttilstand", V="2" if dead else "1",
                     DN="Som død" if dead else "Som levende", S="2.16.578.1.12.4.1.1.8431")
        if to_home:
            outgoing._el(to, PO, "UtTil", V="1", DN="Bosted/arbeidssted",
                         S=outgoing.DISCHARGED_TO)
        else:
            outgoing._el(to, PO, "UtTil", S=outgoing.DISCHARGED_TO, OT="Sykehjem")
    for code, at, remark in events:
        outgoing._event(body, code, at, remark=remark)
    data = outgoing.envelope(msg_type, sender=sender or world.hospital,
                             receiver=receiver or world.municipality,
                             patient=stay.patient, document=document, now=timezone.now(),
                             msg_id=msg_id or str(uuid.uuid4()), parent_id=parent)
    assert read_envelope(xml.read(data)).dispatch_status == status  # valid, or Refused
    return data


def receive(data) -> PloMessage:
    return services.receive(data, transport="folder")


def receipt(message) -> tuple[str, list[str]]:
    root = xml.read(bytes(message.apprec))
    return (root.find("ar:Status", NS).get("V"),
            [error.get("V") for error in root.findall("ar:Error", NS)])


def processed(message) -> PloMessage:
    assert message.status == MessageStatus.PROCESSED, (message.error_code, message.error_text)
    assert receipt(message) == ("1", [])
    return message


def refused(message, code) -> PloMessage:
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, code), \
        message.error_text
    assert receipt(message) == ("2", [code])
    return message


def admitted(world, days=5):
    message = processed(receive(build(world, "LOG_INNLAGT", events=[
        ("1", days_ago(days), "")])))
    return message, Admission.objects.get(uuid=message.subject_uuid)


def declared(world, days=3, physician="Dr. Lege"):
    message = processed(receive(build(world, "LOG_UTSKRIVNINGSKLAR", events=[
        ("1", days_ago(5), ""), ("3", days_ago(days), f"{outgoing.DECLARED_BY}{physician}")])))
    return message, ReadyForDischarge.objects.get(uuid=message.subject_uuid)


# -- LOG_INNLAGT ----------------------------------------------------------------------------

def test_a_cancelled_admission_is_entered_in_error_and_the_municipality_told(world):
    original, admission = admitted(world)
    cancel = processed(receive(build(world, "LOG_INNLAGT", status="C", parent=original.msg_id,
                                     events=[("1", days_ago(5),
                                              "Meldingen ble sendt på feil pasient")])))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ENTERED_IN_ERROR
    assert admission.error_reason == "Meldingen ble sendt på feil pasient"
    assert (cancel.subject_type, cancel.subject_uuid) == ("admission", admission.uuid)
    assert cancel.patient == admission.patient
    assert Notification.objects.filter(kind="admission.entered_in_error",
                                       recipient=world.ke).exists()
    # A step for the stay after it is refused: there is no open stay any more.
    refused(receive(build(world, "LOG_UTSKRIVNINGSKLAR", events=[
        ("1", days_ago(5), ""), ("3", days_ago(1), f"{outgoing.DECLARED_BY}Dr. Lege")])),
        "E35")


def test_a_changed_admission_corrects_its_time_and_ward(world):
    original, admission = admitted(world, days=5)
    deadline = admission.notification_deadline
    processed(receive(build(world, "LOG_INNLAGT", status="M", parent=original.msg_id,
                            ward=world.other_ward, events=[("1", days_ago(6), "")])))
    admission.refresh_from_db()
    assert admission.admitted_at == days_ago(6) and admission.ward == world.other_ward
    assert admission.notification_deadline == deadline - DAY
    assert admission.status == AdmissionStatus.ADMITTED


def test_a_change_of_a_change_reaches_the_same_stay(world):
    original, admission = admitted(world, days=5)
    first = processed(receive(build(world, "LOG_INNLAGT", status="M", parent=original.msg_id,
                                    events=[("1", days_ago(6), "")])))
    processed(receive(build(world, "LOG_INNLAGT", status="C", parent=first.msg_id,
                            events=[("1", days_ago(6), "")])))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ENTERED_IN_ERROR


def unchanged(admission) -> tuple:
    admission.refresh_from_db()
    return (admission.status, admission.version, admission.admitted_at, admission.ward_id)


def test_a_change_or_cancel_of_a_message_never_received_is_refused_with_e10(world):
    original, admission = admitted(world)
    before = unchanged(admission)
    notifications = Notification.objects.count()
    never = refused(receive(build(world, "LOG_INNLAGT", status="C", parent=str(uuid.uuid4()),
                                  events=[("1", days_ago(5), "")])), "E10")
    assert "never received" in never.error_text
    refused(receive(build(world, "LOG_INNLAGT", status="M", events=[
        ("1", days_ago(6), "")])), "E10")  # no RefToParent at all
    # Another sender's MsgId is not this sender's to cancel.
    other = factories.organization(OrganizationKind.HOSPITAL, "Lofoten sykehus",
                                   her_id="4209", parent=world.hospital.parent)
    services.connect(other)
    refused(receive(build(world, "LOG_INNLAGT", status="C", parent=original.msg_id,
                          sender=other, events=[("1", days_ago(5), "")])), "E10")
    assert unchanged(admission) == before
    assert Notification.objects.count() == notifications


def test_a_cancel_of_a_refused_message_is_refused_and_writes_nothing(world):
    original, admission = admitted(world)
    withdrawal = refused(receive(build(world, "LOG_AVMELDING", events=[
        ("4", days_ago(1), "")])), "X99")  # never declared ready: refused
    before = unchanged(admission)
    cancel = refused(receive(build(world, "LOG_AVMELDING", status="C",
                                   parent=withdrawal.msg_id,
                                   events=[("4", days_ago(1), "")])), "E10")
    assert "refused or never processed" in cancel.error_text
    assert unchanged(admission) == before


def test_a_cancel_naming_another_patient_is_refused_with_e36(world):
    original, admission = admitted(world)
    born = datetime.date(1952, 1, 2)
    someone = Patient(identity_number=factories.identity_number(born), given_name="Siri",
                      family_name="Sand", birth_date=born)
    refused(receive(build(world, "LOG_INNLAGT", status="C", parent=original.msg_id,
                          patient=someone, events=[("1", days_ago(5), "")])), "E36")
    assert unchanged(admission)[0] == AdmissionStatus.ADMITTED


# -- LOG_UTSKRIVNINGSKLAR and LOG_AVMELDING -------------------------------------------------

def test_a_cancelled_declaration_never_was_and_no_day_is_paid(world):
    _original, admission = admitted(world)
    message, declaration = declared(world, days=3)
    assert billing.statement(declaration).billable_days == 4
    processed(receive(build(world, "LOG_UTSKRIVNINGSKLAR", status="C", parent=message.msg_id,
                            events=[("1", days_ago(5), ""), ("3", days_ago(3), "Feil")])))
    declaration.refresh_from_db()
    admission.refresh_from_db()
    assert declaration.entered_in_error and billing.statement(declaration).lines == []
    assert admission.status == AdmissionStatus.ADMITTED
    # The patient can be declared ready anew.
    declared(world, days=1)


def test_a_changed_declaration_corrects_its_time_and_physician(world):
    admitted(world)
    message, declaration = declared(world, days=3, physician="Dr. Lege")
    processed(receive(build(world, "LOG_UTSKRIVNINGSKLAR", status="M", parent=message.msg_id,
                            events=[("1", days_ago(5), ""),
                                    ("3", days_ago(2), f"{outgoing.DECLARED_BY}Dr. Annen")])))
    declaration.refresh_from_db()
    assert (declaration.declared_at, declaration.physician) == (days_ago(2), "Dr. Annen")
    assert billing.statement(declaration).billable_days == 3


def test_a_cancelled_withdrawal_makes_the_patient_ready_again_and_a_change_moves_it(world):
    _original, admission = admitted(world)
    _message, declaration = declared(world, days=4)
    withdrawal = processed(receive(build(world, "LOG_AVMELDING", events=[
        ("4", days_ago(2), "Feber")])))
    processed(receive(build(world, "LOG_AVMELDING", status="M", parent=withdrawal.msg_id,
                            events=[("4", days_ago(1), "Feber")])))
    declaration.refresh_from_db()
    assert declaration.withdrawn_at == days_ago(1)
    assert billing.statement(declaration).billable_days == 3
    processed(receive(build(world, "LOG_AVMELDING", status="C", parent=withdrawal.msg_id,
                            events=[("4", days_ago(1), "")])))
    admission.refresh_from_db()
    declaration.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    assert declaration.withdrawn_at is None


# -- LOG_UTSKREVET --------------------------------------------------------------------------

def test_a_changed_discharge_corrects_time_and_destination_and_a_cancel_reopens(world):
    _original, admission = admitted(world)
    discharge = processed(receive(build(world, "LOG_UTSKREVET", events=[
        ("2", days_ago(1).date(), "")])))
    admission.refresh_from_db()
    assert admission.discharge_destination == DischargeDestination.HOME
    processed(receive(build(world, "LOG_UTSKREVET", status="M", parent=discharge.msg_id,
                            to_home=False, events=[("2", days_ago(2).date(), "")])))
    admission.refresh_from_db()
    assert admission.discharge_destination == DischargeDestination.OTHER
    assert admission.discharged_at.astimezone(OSLO).date() == days_ago(2).date()
    processed(receive(build(world, "LOG_UTSKREVET", status="C", parent=discharge.msg_id,
                            events=[("2", days_ago(2).date(), "Ikke utskrevet")])))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED and admission.discharged_at is None


def test_a_discharge_as_dead_is_the_death_and_its_cancel_is_refused(world):
    _original, admission = admitted(world)
    discharge = processed(receive(build(world, "LOG_UTSKREVET", dead=True, events=[
        ("2", days_ago(1).date(), "")])))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DECEASED
    assert admission.patient.died_at is not None
    cancel = refused(receive(build(world, "LOG_UTSKREVET", status="C", parent=discharge.msg_id,
                                   events=[("2", days_ago(1).date(), "")])), "X99")
    assert "death" in cancel.error_text
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DECEASED


# -- LOG_DOD --------------------------------------------------------------------------------

def test_a_death_the_municipality_reports_to_the_gp_is_recorded_outside_hospital(world):
    _original, admission = admitted(world)
    processed(receive(build(world, "LOG_UTSKREVET", events=[("2", days_ago(2).date(), "")])))
    death = processed(receive(build(world, "LOG_DOD", sender=world.municipality,
                                    receiver=world.gp_office,
                                    events=[("13", days_ago(1).date(), "Døde hjemme")])))
    patient = Patient.objects.get(pk=admission.patient_id)
    assert patient.died_at == days_ago(1).replace(hour=0)
    assert (death.subject_type, death.patient) == ("patient", patient)
    assert Notification.objects.filter(kind="patient.deceased", recipient=world.ke).exists()
    processed(receive(build(world, "LOG_DOD", status="C", parent=death.msg_id,
                            sender=world.municipality, receiver=world.gp_office,
                            events=[("13", days_ago(1).date(), "Feil pasient")])))
    assert Patient.objects.get(pk=patient.pk).died_at is None


def test_a_death_reported_by_the_hospital_with_the_patient_admitted_is_the_stays(world):
    _original, admission = admitted(world)
    processed(receive(build(world, "LOG_DOD", receiver=world.municipality,
                            events=[("13", days_ago(1), "")])))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DECEASED
    assert admission.patient.died_at == days_ago(1)


def test_a_death_of_a_patient_the_sender_does_not_know_is_refused_with_e35(world):
    refused(receive(build(world, "LOG_DOD", sender=world.municipality,
                          receiver=world.gp_office, events=[("13", days_ago(1).date(), "")])),
            "E35")
    assert not Patient.objects.filter(died_at__isnull=False).exists()
