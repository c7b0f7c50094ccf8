"""Reports on a stay written in the portal: the municipality's coordinating unit writes the
admission report for the hospital, the hospital's planners the discharge report for the
municipality, a version at a time from the pathway page; the other side is told and reads it
in the timeline. Bad input is a form error and writes nothing."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.forms.reports import REPORT_MAX_LENGTH
from pathways.models import AdmissionReport, DischargeDestination, DischargeReport
from registry.models import AuditEvent, Notification
from tests.factories import admit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REPORT = "Bor alene i enebolig, hjemmesykepleie morgen og kveld. Datter Kari er pårørende."


def nb(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client


def pathway(client, cast) -> str:
    return nb(client).get(reverse("pathways:patient_pathway",
                                  args=[cast.shared.uuid])).content.decode()


def test_the_ke_writes_the_admission_report_and_the_ward_reads_it_in_the_timeline(
        client, cast):
    stay = admit(cast, hours_ago=5)
    step = reverse("pathways:write_admission_report", args=[stay.uuid])
    client.force_login(cast.ke_tromso)
    page = pathway(client, cast)
    assert f'href="{step}"' in page
    assert "Skriv innleggelsesrapporten" in page
    form = nb(client).get(step).content.decode()  # a page of its own, without JavaScript
    assert "UNN Tromsø leser rapporten på denne forløpssiden" in form
    assert 'type="hidden" name="message_status" value="new"' in form

    done = nb(client).post(step, {"message_status": "new", "summary": REPORT,
                                  "responsible": "Gunn Omsorg, hjemmesykepleien"})
    assert done.status_code == 302 and done.url == reverse(
        "pathways:patient_pathway", args=[cast.shared.uuid])
    [report] = AdmissionReport.objects.all()
    assert (report.sequence, report.message_status, report.summary, report.responsible) == (
        1, "new", REPORT, "Gunn Omsorg, hjemmesykepleien")
    assert Notification.objects.filter(recipient=cast.planner, kind="admission.report").exists()
    assert AuditEvent.objects.filter(object_id=str(report.uuid), action="create").exists()

    client.force_login(cast.planner)
    page = pathway(client, cast)
    assert "Innleggelsesrapport versjon 1 fra Tromsø" in page
    assert REPORT in page
    assert f'href="{step}"' not in page  # the hospital writes no admission report

    # A later version is a change, an addition or a cancellation, chosen in the form.
    client.force_login(cast.ke_tromso)
    assert "Ny versjon av innleggelsesrapporten" in pathway(client, cast)
    form = nb(client).get(step, **HTMX).content.decode()
    assert 'value="addition"' in form and 'value="new"' not in form
    nb(client).post(step, {"message_status": "addition", "summary": "Trenger rullator."},
                    **HTMX)
    assert list(AdmissionReport.objects.values_list("sequence", "message_status")) == [
        (1, "new"), (2, "addition")]


def test_the_ward_writes_the_discharge_report_and_the_ke_is_told(client, cast):
    stay = admit(cast, hours_ago=50)
    services.discharge_patient(stay, by=cast.planner, destination=DischargeDestination.HOME,
                       discharged_at=timezone.now() - datetime.timedelta(days=2))
    step = reverse("pathways:write_discharge_report", args=[stay.uuid])
    client.force_login(cast.planner)
    assert f'href="{step}"' in pathway(client, cast)  # discharged two days ago: in time
    done = nb(client).post(step, {"message_status": "new", "summary": "Epikrise: hjerneslag, "
                                  "god bedring. Fysioterapi i kommunen."}, **HTMX)
    assert done.status_code == 200
    assert "Versjon 1 av rapporten er sendt til Tromsø." in done.content.decode()
    assert DischargeReport.objects.get().hospital == cast.unn
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="discharge.report").exists()
    client.force_login(cast.ke_tromso)
    assert "Utskrivningsrapport versjon 1 fra UNN Tromsø" in pathway(client, cast)
    assert f'href="{step}"' not in pathway(client, cast)


def test_only_the_stays_sides_write_and_another_municipality_does_not_find_the_stay(
        client, cast):
    stay = admit(cast)
    admission_step = reverse("pathways:write_admission_report", args=[stay.uuid])
    discharge_step = reverse("pathways:write_discharge_report", args=[stay.uuid])
    client.force_login(cast.planner)
    refused = nb(client).post(admission_step, {"message_status": "new", "summary": REPORT},
                              **HTMX)
    assert refused.status_code == 403
    client.force_login(cast.ke_tromso)
    refused = nb(client).post(discharge_step, {"message_status": "new", "summary": REPORT},
                              **HTMX)
    assert refused.status_code == 403
    client.force_login(cast.ke_bodo)
    assert nb(client).get(admission_step).status_code == 404
    assert not AdmissionReport.objects.exists() and not DischargeReport.objects.exists()


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"message_status": "new", "summary": "   "}, "summary", "Skriv rapporten."),
    ({"message_status": "new", "summary": "x" * (REPORT_MAX_LENGTH + 1)}, "summary",
     f"{REPORT_MAX_LENGTH} eller færre tegn"),
    ({"message_status": "new", "summary": REPORT, "responsible": "y" * 201}, "responsible",
     "200 eller færre tegn"),
    ({"message_status": "replaces", "summary": REPORT}, "message_status", "Velg et gyldig"),
])
def test_bad_input_is_a_form_error_on_its_field_and_writes_nothing(client, cast, data, field,
                                                                    error):
    stay = admit(cast)
    client.force_login(cast.ke_tromso)
    response = nb(client).post(reverse("pathways:write_admission_report", args=[stay.uuid]),
                               data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert error in body
    if field != "message_status":  # a hidden field for the first version: its error on top
        assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert not AdmissionReport.objects.exists()


def test_a_second_first_version_sent_meanwhile_is_refused_not_written_twice(client, cast):
    """The form was opened before a colleague's first version arrived: what it sends as new
    is refused on message_status, and the colleague's version stands."""
    stay = admit(cast)
    services.record_admission_report(stay, by=cast.ke_tromso, message_status="new",
                                     summary="Kollegaens rapport", reported_at=timezone.now())
    client.force_login(cast.ke_tromso)
    response = nb(client).post(reverse("pathways:write_admission_report", args=[stay.uuid]),
                               {"message_status": "new", "summary": REPORT}, **HTMX)
    assert response.status_code == 422
    assert list(AdmissionReport.objects.values_list("summary", flat=True)) == [
        "Kollegaens rapport"]


def test_a_stay_discharged_long_ago_offers_no_discharge_report_and_refuses_one(client, cast):
    stay = admit(cast, hours_ago=24 * 40)
    services.discharge_patient(stay, by=cast.planner, destination=DischargeDestination.HOME,
                       discharged_at=timezone.now() - datetime.timedelta(days=35))
    step = reverse("pathways:write_discharge_report", args=[stay.uuid])
    client.force_login(cast.planner)
    assert f'href="{step}"' not in pathway(client, cast)
    response = nb(client).post(step, {"message_status": "new", "summary": REPORT}, **HTMX)
    assert response.status_code == 409
    assert "de siste 30 dagene" in response.content.decode()
    assert not DischargeReport.objects.exists()
