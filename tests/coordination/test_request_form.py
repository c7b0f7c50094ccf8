"""Sending a request to the KE (melding om behov) from the patient's page: who may, what the
form offers, and how the service's refusals come back onto the form."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coordination.models import PlanRequest, RequestKind, RequestSource, RequestStatus
from registry.models import AuditAction, AuditEvent

from .conftest import submit


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_url(patient):
    return reverse("coordination:new_plan_request", kwargs={"uuid": patient.uuid})


def posted(cast, **fields):
    received = timezone.localtime() - datetime.timedelta(hours=1)
    return {"kind": RequestKind.INDIVIDUAL_PLAN, "source": RequestSource.HOSPITAL,
            "submitter_name": "", "municipality": cast.tromso.pk,
            "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "description": "Trenger hjelp til å samordne tjenestene", **fields}


@pytest.mark.parametrize("member", ["planner", "ke_tromso", "coordinator"])
def test_it_links_to_the_form_from_the_patient_page(english, cast, member):
    english.force_login(getattr(cast, member))
    html = english.get(reverse("pathways:patient_detail",
                               kwargs={"uuid": cast.shared.uuid})).content.decode()
    assert f'href="{form_url(cast.shared)}"' in html
    assert "Send a request to the coordinating unit" in html


def test_it_offers_the_patients_municipality_now_and_the_hospital_to_a_planner(english, cast):
    english.force_login(cast.planner)
    response = english.get(form_url(cast.shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{cast.tromso.pk}" selected>Tromsø</option>' in html
    assert '<option value="hospital" selected>Hospital</option>' in html
    assert f'value="{timezone.localtime():%Y-%m-%dT}' in html  # received at: today
    assert 'for="id_received_at"' in html and 'for="id_submitter_name"' in html
    # Only municipalities receive requests.
    assert cast.unn.name not in html.split('id="id_municipality"')[1].split("</select>")[0]


def test_ke_staff_choose_the_source_themselves(english, cast):
    english.force_login(cast.ke_tromso)
    html = english.get(form_url(cast.tromso_only)).content.decode()
    assert '<option value="" selected>Choose who asks</option>' in html
    response = english.post(form_url(cast.tromso_only), posted(cast, source=""))
    assert response.status_code == 422
    assert 'href="#id_source">The request comes from: This field is required.' in \
        response.content.decode()
    assert not PlanRequest.objects.exists()


def test_a_planner_sends_a_request_and_returns_to_the_patient(english, cast):
    english.force_login(cast.planner)
    response = english.post(form_url(cast.shared), posted(cast), follow=True)
    assert response.redirect_chain[-1][0] == reverse("pathways:patient_detail",
                                                     kwargs={"uuid": cast.shared.uuid})
    assert "The request is sent to the coordinating unit of Tromsø." in \
        response.content.decode()
    request = PlanRequest.objects.get(patient=cast.shared)
    assert (request.kind, request.source, request.municipality) == (
        RequestKind.INDIVIDUAL_PLAN, RequestSource.HOSPITAL, cast.tromso)
    assert request.submitter_name == "Pia Planlegger"  # blank: the user's name
    assert request.description == "Trenger hjelp til å samordne tjenestene"
    assert request.created_by == cast.planner


def test_ke_staff_register_a_phoned_in_request_and_land_on_the_overview(english, cast):
    english.force_login(cast.ke_tromso)
    response = english.post(form_url(cast.tromso_only), posted(
        cast, kind=RequestKind.COORDINATOR, source=RequestSource.GP,
        submitter_name="  Fastlege   Frida Lege "), follow=True)
    assert response.redirect_chain[-1][0] == reverse("coordination:ke_overview")
    request = PlanRequest.objects.get(patient=cast.tromso_only)
    assert request.submitter_name == "Fastlege Frida Lege"
    assert request.status == RequestStatus.RECEIVED
    html = response.content.decode()
    assert "The request for Tor Tindvik is registered" in html
    assert f'id="request-{request.uuid}"' in html  # waiting in the open requests


def test_a_time_in_the_future_is_a_form_error_and_the_input_stays(english, cast):
    english.force_login(cast.planner)
    future = timezone.localtime() + datetime.timedelta(days=1)
    response = english.post(form_url(cast.shared), posted(
        cast, received_at=future.strftime("%Y-%m-%dT%H:%M"), description="Min beskrivelse"))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_received_at">Received at: The time lies in the future.' in html
    assert 'aria-describedby="id_received_at_helptext id_received_at_error"' in html
    assert "Min beskrivelse</textarea>" in html
    assert not PlanRequest.objects.exists()


def test_a_duplicate_open_request_is_a_conflict_on_the_form_not_a_500(english, cast):
    submit(cast, cast.shared, by=cast.ke_tromso)
    english.force_login(cast.planner)
    response = english.post(form_url(cast.shared), posted(cast, description="Igjen"))
    assert response.status_code == 409
    html = response.content.decode()
    assert 'href="#id_kind">Request for: The KE already has an open request' in html
    assert "Igjen</textarea>" in html
    assert PlanRequest.objects.filter(patient=cast.shared).count() == 1


def test_a_hospital_is_no_choice_of_receiver(english, cast):
    english.force_login(cast.planner)
    response = english.post(form_url(cast.shared), posted(cast, municipality=cast.unn.pk))
    assert response.status_code == 422
    assert 'href="#id_municipality"' in response.content.decode()
    assert not PlanRequest.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_patient_out_of_scope_is_not_found(english, cast, method):
    english.force_login(cast.ke_bodo)
    response = getattr(english, method)(form_url(cast.tromso_only), posted(cast))
    assert response.status_code == 404
    assert not PlanRequest.objects.exists()


def test_it_audits_the_read_of_the_patient(client, cast):
    client.force_login(cast.planner)
    client.get(form_url(cast.shared))
    assert AuditEvent.objects.filter(user=cast.planner, action=AuditAction.VIEW,
                                     patient_uuid=cast.shared.uuid).exists()


def test_the_overview_points_ke_staff_to_the_patient_search(english, cast):
    english.force_login(cast.ke_tromso)
    html = english.get(reverse("coordination:ke_overview")).content.decode()
    link = html.split('id="register-request"')[0].rsplit("<a", 1)[1] + \
        html.split('id="register-request"')[1].split("</a>")[0]
    assert f'href="{reverse("pathways:patient_search")}"' in link
    assert "Register a request" in link
    assert "find the patient" in html
