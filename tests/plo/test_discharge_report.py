"""The hospital's discharge report (PLO's UTSKRIVNINGSRAPPORT, tverrfaglig epikrise) on the
stay, for the municipality: the official examples' report on Roland Gundersen, its change
and its cancel, once his admission has come, become versions 1–3 on his stay, each receipted
OK, the municipality's KE told and shown them in the pathway's timeline; a change with no
report before it, a stay discharged too long ago or no stay at all is refused and writes
nothing."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from common.exceptions import StateConflict
from pathways import services as pathways
from pathways.models import Admission, DischargeDestination, DischargeReport
from plo import apprec, services, xml
from plo.models import MessageStatus, PloMessage
from registry.models import AuditEvent, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
NEW, CHANGE, CANCEL = ((EXAMPLES / f"Utskrivningsrapport_v1-6_{name}.xml").read_bytes()
                       for name in ("Ny", "Endring", "Kansellering"))
NS = {"ar": apprec.APPREC}


@pytest.fixture
def alvdal(cast):
    """The examples' parties: St. Olavs (HER-id 59) with its orthopaedic ward ORTØYA,
    connected by PLO, and Alvdal (99387) with its KE."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    municipality = factories.organization(name="Alvdal", her_id="99387")
    ke = factories.user("ke_alvdal", municipality, Role.KE_STAFF)
    endpoint = services.connect(hospital)
    return hospital, municipality, ke, endpoint


@pytest.fixture
def stay(alvdal) -> Admission:
    """Roland Gundersen admitted at St. Olavs by the examples' LOG_INNLAGT."""
    message = services.receive(ADMITTED, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    return Admission.objects.get(uuid=message.subject_uuid)


def receipt(message) -> tuple[str, list[str]]:
    root = xml.read(bytes(message.apprec))
    return (root.find("ar:Status", NS).get("V"),
            [error.get("V") for error in root.findall("ar:Error", NS)])


def test_the_report_its_change_and_its_cancel_are_versions_the_ke_sees(alvdal, stay,
                                                                        client):
    hospital, _municipality, ke, endpoint = alvdal
    for data, sequence, status in ((NEW, 1, "new"), (CHANGE, 2, "change"),
                                   (CANCEL, 3, "cancel")):
        message = services.receive(data, transport="folder")
        assert message.status == MessageStatus.PROCESSED, message.error_text
        assert receipt(message) == ("1", [])
        report = stay.discharge_reports.get(uuid=message.subject_uuid)
        assert (report.sequence, report.message_status, report.hospital) == (
            sequence, status, hospital)
        assert report.responsible == "Magnar Koman (Kontaktlege)"
        assert message.patient == stay.patient
    first, changed, _cancelled = stay.discharge_reports.order_by("sequence")
    # What the municipality reads: the journal texts under their headings, the medicines,
    # the appointment; the change says what it changes.
    assert "Forløp og behandling: Startet umiddelbart med penicillinbehandling" in first.summary
    assert "Status ved utskrivning: Oppegående" in first.summary
    assert "Diagnoser: Erysipelas (A46), Ve legg; Uspesifisert hjertesvikt (I509)" in \
        first.summary
    assert "Marevan 2.5 mg, seponert" in first.summary
    assert "Kontrolltime: 20.02.2018 13:30, St. Olavs hospital, Hjertemedisinsk poliklinikk" \
        in first.summary
    assert changed.summary.startswith(
        "Endring: Kontrolltimen ved Hjertemedisinsk poliklinikk er flyttet.")
    # Each version recorded by the hospital's service account, audited, and the KE told.
    assert AuditEvent.objects.filter(user=endpoint.client.user, action="create",
                                     object_type="dischargereport").count() == 3
    assert list(ke.notifications.filter(kind="discharge.report").order_by("pk").values_list(
        "title", flat=True)) == ["Utskrivningsrapport fra St. Olavs hospital"] * 2 + [
        "Utskrivningsrapport fra St. Olavs hospital annullert"]
    # The KE's pathway page shows the versions in the timeline, the cancel saying so.
    client.force_login(ke)
    page = client.get(f"/patients/{stay.patient.uuid}/pathway/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Utskrivningsrapport versjon 1 fra St. Olavs hospital (første melding)" in html
    assert "Utskrivningsrapport versjon 2 fra St. Olavs hospital (endring)" in html
    assert "Utskrivningsrapport versjon 3 fra St. Olavs hospital (annullering)" in html
    assert html.count("Sykehuset har annullert utskrivningsrapporten.") == 1
    assert "Magnar Koman (Kontaktlege)" in html
    assert "Gullarmbånd er sendt hjem med pårørende" in html


def test_a_change_with_no_report_before_it_is_refused_and_writes_nothing(alvdal, stay):
    _hospital, _municipality, ke, _endpoint = alvdal
    message = services.receive(CHANGE, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    assert receipt(message) == ("2", ["X99"])
    assert "Den første utskrivningsrapporten er en første melding" in message.error_text
    assert not DischargeReport.objects.exists()
    assert not ke.notifications.filter(kind="discharge.report").exists()


def test_a_report_on_a_patient_with_no_stay_is_refused_with_e35(alvdal):
    message = services.receive(NEW, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "E35")
    assert not DischargeReport.objects.exists()


def test_a_report_comes_after_a_recent_discharge_but_not_a_month_on(alvdal, stay):
    hospital, _municipality, _ke, endpoint = alvdal
    pathways.discharge_patient(stay, by=endpoint.client.user,
                               destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - datetime.timedelta(days=2))
    message = services.receive(NEW, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    assert stay.discharge_reports.get().sequence == 1
    # A month after the discharge the stay takes no more versions.
    Admission.objects.filter(pk=stay.pk).update(
        discharged_at=timezone.now() - datetime.timedelta(days=31))
    message = services.receive(CHANGE, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    assert "avsluttet med utskrivning de siste 30 dagene" in message.error_text
    assert stay.discharge_reports.count() == 1
    assert PloMessage.objects.filter(status=MessageStatus.PROCESSED).count() == 2


def test_only_the_stays_hospital_records_its_discharge_report(alvdal, stay, cast):
    _hospital, _municipality, ke, _endpoint = alvdal
    with pytest.raises(PermissionDenied):
        pathways.record_discharge_report(stay, by=ke, message_status="new", summary="x",
                                         reported_at=timezone.now())
    with pytest.raises(PermissionDenied):  # another hospital's planner
        pathways.record_discharge_report(stay, by=cast.planner, message_status="new",
                                         summary="x", reported_at=timezone.now())
    with pytest.raises(StateConflict):  # a cancel of nothing
        pathways.record_discharge_report(stay, by=_endpoint.client.user,
                                         message_status="cancel", summary="",
                                         reported_at=timezone.now())
    assert not DischargeReport.objects.exists()
