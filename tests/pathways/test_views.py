"""The patient pages: search within scope, the patient page and its access log."""

import logging
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pathways import services
from pathways.models import CareRelationshipReason
from registry.models import AuditAction, AuditEvent, Role
from tests import factories

SEARCH_URL = "pathways:patient_search"

# Queries of a name search that finds patients: 1 session, 2 user,
# 3 the visible patients matching the name, with their municipality,
# 4 the user's memberships and 5 the granting care relationships (grounds for the audit),
# 6 one INSERT of the audit events for the whole list, 7 memberships (navigation).
SEARCH_BUDGET = 7
# Queries of a page of the access log: 1 session, 2 user, 3 the visible patient,
# 4 may the user read the log (KE staff of the patient's municipality),
# 5 memberships and 6 care relationships (grounds for the audit), 7 INSERT of the audit event,
# 8 count for the paginator, 9 the page of events with their organisations,
# 10 memberships (navigation by role).
ACCESS_LOG_BUDGET = 10


def search(client, htmx=True, language="nb", **data):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(reverse(SEARCH_URL), data, **extra)


def detail_url(patient):
    return reverse("pathways:patient_detail", args=[patient.uuid])


def access_log_url(patient):
    return reverse("pathways:access_log", args=[patient.uuid])


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    for url in (reverse(SEARCH_URL), detail_url(cast.shared), access_log_url(cast.shared)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = client.post(reverse(SEARCH_URL), {"name": "Aune"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_it_shows_the_search_form_as_a_post_form(client, cast):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse(SEARCH_URL)).content.decode()
    assert 'method="post"' in html
    assert f'hx-post="{reverse(SEARCH_URL)}"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'for="id_identity_number"' in html and 'for="id_name"' in html


def test_it_finds_a_patient_by_a_valid_identity_number_and_shows_it_masked(client, cast):
    client.force_login(cast.ke_tromso)
    number = cast.tromso_only.identity_number
    response = search(client, identity_number=f"{number[:6]} {number[6:]}")
    html = response.content.decode()
    assert response.status_code == 200
    assert detail_url(cast.tromso_only) in html
    assert detail_url(cast.shared) not in html
    assert cast.tromso_only.masked_identity_number in html
    assert number not in html  # not even echoed back in the form


def test_it_finds_no_patient_outside_the_users_scope_by_identity_number(client, cast):
    client.force_login(cast.ke_bodo)
    response = search(client, identity_number=cast.tromso_only.identity_number)
    html = response.content.decode()
    assert response.status_code == 200
    assert detail_url(cast.tromso_only) not in html
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


@pytest.mark.parametrize(("value", "message"), [
    ("1403501234", "An identity number has 11 digits; this one has 10."),
    ("14035O12345", "An identity number contains digits only."),
])
def test_it_names_the_field_and_the_fault_of_an_invalid_identity_number(
        client, cast, value, message):
    client.force_login(cast.ke_tromso)
    response = search(client, identity_number=value, language="en")
    html = response.content.decode()
    assert f"National identity number: {message}" in html
    assert 'aria-invalid="true"' in html
    assert 'href="#id_identity_number"' in html  # the error summary links to the field
    assert response.context["patients"] is None


def test_it_names_the_field_and_the_fault_in_norwegian(client, cast):
    client.force_login(cast.ke_tromso)
    number = cast.tromso_only.identity_number
    broken = number[:10] + str((int(number[10]) + 1) % 10)
    html = search(client, identity_number=broken).content.decode()
    assert "Fødselsnummer eller D-nummer" in html  # the field's label in the summary
    assert "Kontrollsifrene stemmer ikke" in html


def test_it_refuses_a_search_with_neither_or_both_fields(client, cast):
    client.force_login(cast.ke_tromso)
    assert search(client).context["form"].non_field_errors()
    both = search(client, identity_number=cast.tromso_only.identity_number, name="Tindvik")
    assert both.context["form"].non_field_errors()
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_it_finds_patients_by_name_within_scope_only(client, cast):
    client.force_login(cast.coordinator)
    html = search(client, name="aune").content.decode()
    assert detail_url(cast.shared) in html

    html = search(client, name="Tindvik").content.decode()
    assert detail_url(cast.tromso_only) not in html  # KE's patient, not the coordinator's


def test_it_answers_htmx_with_the_panel_only_and_a_normal_post_with_the_full_page(client, cast):
    client.force_login(cast.ke_tromso)
    partial = search(client, name="Aune").content.decode()
    assert "<html" not in partial
    assert 'hx-swap-oob="innerHTML:#announcer"' in partial
    full = search(client, htmx=False, name="Aune").content.decode()
    assert "<html" in full and detail_url(cast.shared) in full


def test_it_keeps_the_identity_number_out_of_urls_and_log_lines(client, cast, caplog):
    client.force_login(cast.ke_tromso)
    number = cast.tromso_only.identity_number
    caplog.set_level(logging.DEBUG)
    response = search(client, identity_number=number)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:href|action|hx-get|hx-post|hx-push-url)="([^"]*)"', html)
    assert urls and not any(number in url for url in urls)
    assert number not in response.get("HX-Push-Url", "")
    assert number not in response.get("Location", "")
    assert all(number not in record.getMessage() for record in caplog.records)
    # The trail says a search found the patient, but not what was typed.
    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert number not in f"{event.object_id} {event.detail}"

    # A number in the query string is not a search at all.
    response = client.get(reverse(SEARCH_URL), {"identity_number": number})
    assert response.context["patients"] is None
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).count() == 1


def test_it_audits_every_patient_a_search_shows_in_one_insert(client, cast):
    client.force_login(cast.ke_tromso)
    with CaptureQueriesContext(connection) as queries:
        search(client, name="t")  # too short: refused, nothing read
        search(client, name="Tindvik")
        search(client, name="Astrid Aune")
    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith('INSERT INTO "registry_auditevent"')]
    assert len(inserts) == 2
    events = AuditEvent.objects.filter(action=AuditAction.SEARCH)
    assert {e.patient_uuid for e in events} == {cast.tromso_only.uuid, cast.shared.uuid}
    assert all(e.user == cast.ke_tromso and e.organization == cast.tromso for e in events)
    assert all(e.role == Role.KE_STAFF and e.via == "web" for e in events)


@pytest.mark.parametrize("rows", [3, 30])
def test_it_searches_within_a_query_budget_whatever_the_number_of_hits(
        client, cast, django_assert_max_num_queries, rows):
    for n in range(rows):
        factories.patient(cast.ke_tromso, f"Ola{n}", "Hansen", municipality=cast.tromso)
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = search(client, name="Hansen")
    assert len(response.context["patients"]) == rows
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).count() == rows


def test_it_shows_the_patient_page_and_audits_the_view(client, cast):
    services.add_next_of_kin(cast.shared, by=cast.planner, name="Anders Aune",
                             relation="sønn", phone="900 00 000", consent_to_share=True)
    services.add_next_of_kin(cast.shared, by=cast.planner, name="Berit Aune",
                             relation="datter", consent_to_share=False)
    client.force_login(cast.planner)
    response = client.get(detail_url(cast.shared))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Astrid Aune" in html
    assert cast.tromso.name in html
    assert "Anders Aune" in html and "900 00 000" in html
    assert "Berit Aune" in html
    assert "Nei: del ingenting med denne personen" in html  # Berit: no consent
    assert html.count("Nei: del ingenting") == 1  # Anders consented
    assert "UNN Tromsø" in html  # the registering hospital's relationship
    assert "Kora Koordinator" in html  # the coordinator's personal relationship
    assert 'id="no-plan"' in html  # coordination's plan section: the patient has none
    assert access_log_url(cast.shared) not in html  # a planner reads no access log
    event = AuditEvent.objects.get(action=AuditAction.VIEW, patient_uuid=cast.shared.uuid)
    assert event.user == cast.planner
    assert event.organization == cast.unn
    assert event.role == Role.DISCHARGE_PLANNER


def test_it_shows_the_interpreter_need(client, cast):
    patient = factories.patient(cast.ke_tromso, "Ali", "Ahmadi", municipality=cast.tromso,
                                needs_interpreter=True, interpreter_language="dari")
    client.force_login(cast.ke_tromso)
    html = client.get(detail_url(patient)).content.decode()
    assert "dari" in html


@pytest.mark.parametrize(("member", "patient"), [
    ("ke_bodo", "shared"),
    ("ke_bodo", "tromso_only"),
    ("planner", "tromso_only"),
    ("coordinator", "tromso_only"),
    ("ke_tromso", "bodo_only"),
])
def test_it_answers_404_for_a_patient_outside_the_users_scope(client, cast, member, patient):
    client.force_login(getattr(cast, member))
    patient = getattr(cast, patient)
    assert client.get(detail_url(patient)).status_code == 404
    assert client.get(access_log_url(patient)).status_code == 404
    assert not AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_uuid=patient.uuid
    ).exists()


def test_it_answers_an_out_of_scope_patient_exactly_like_a_missing_one(client, cast):
    client.force_login(cast.ke_bodo)
    unknown = "00000000-0000-0000-0000-000000000000"
    out_of_scope = client.get(detail_url(cast.tromso_only))
    missing = client.get(reverse("pathways:patient_detail", args=[unknown]))
    assert out_of_scope.status_code == missing.status_code == 404

    def normalised(response, uuid):
        csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew each time
        return csrf.sub("", response.content.decode()).replace(str(uuid), "UUID")

    assert normalised(out_of_scope, cast.tromso_only.uuid) == normalised(missing, unknown)
    assert "Tindvik" not in out_of_scope.content.decode()


def test_it_answers_404_for_an_organisation_admin(client, cast):
    admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    client.force_login(admin)
    assert client.get(detail_url(cast.tromso_only)).status_code == 404
    assert client.get(access_log_url(cast.tromso_only)).status_code == 404


def test_it_shows_the_access_log_to_ke_staff_of_the_patients_municipality(client, cast):
    client.force_login(cast.planner)
    client.get(detail_url(cast.shared))
    client.force_login(cast.ke_tromso)
    page = client.get(detail_url(cast.shared)).content.decode()
    assert access_log_url(cast.shared) in page

    response = client.get(access_log_url(cast.shared))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pia Planlegger" in html and "UNN Tromsø" in html
    assert "Utskrivningskoordinator" in html  # the planner's role, in Norwegian
    assert "Kåre Tromsø" in html
    assert "Nettportal" in html  # channel
    # Reading the log is itself in the log, and shown at the top.
    event = AuditEvent.objects.filter(patient_uuid=cast.shared.uuid).first()
    assert (event.object_type, event.action, event.user) == (
        "access_log", AuditAction.VIEW, cast.ke_tromso)
    assert response.context["page"].object_list[0] == event


@pytest.mark.parametrize("member", ["planner", "coordinator"])
def test_it_hides_the_access_log_from_others_who_may_see_the_patient(client, cast, member):
    client.force_login(getattr(cast, member))
    assert client.get(detail_url(cast.shared)).status_code == 200
    assert client.get(access_log_url(cast.shared)).status_code == 404
    assert not AuditEvent.objects.filter(object_type="access_log").exists()


def test_it_hides_the_access_log_from_ke_staff_of_another_municipality_with_access(client, cast):
    # Bodø's KE gets a care relationship to a Tromsø resident: it sees the patient,
    # but the log belongs to the municipality of residence.
    factories.relate(cast.tromso_only, cast.bodo, cast.ke_tromso, CareRelationshipReason.REFERRAL)
    client.force_login(cast.ke_bodo)
    assert client.get(detail_url(cast.tromso_only)).status_code == 200
    assert client.get(access_log_url(cast.tromso_only)).status_code == 404


def test_it_pages_the_access_log_with_htmx(client, cast):
    client.force_login(cast.ke_tromso)
    for _ in range(55):
        client.get(detail_url(cast.tromso_only))
    response = client.get(access_log_url(cast.tromso_only))
    html = response.content.decode()
    assert 'rel="next"' in html and "page=2" in html
    response = client.get(access_log_url(cast.tromso_only), {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert response.context["page"].number == 2
    assert 'rel="prev"' in html


@pytest.mark.parametrize("rows", [3, 30])
def test_it_shows_the_access_log_within_a_query_budget_whatever_the_number_of_events(
        client, cast, django_assert_max_num_queries, rows):
    for n in range(rows):
        reader = factories.user(f"reader{n}", cast.tromso, Role.KE_STAFF)
        client.force_login(reader)
        client.get(detail_url(cast.tromso_only))
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(ACCESS_LOG_BUDGET):
        response = client.get(access_log_url(cast.tromso_only))
    assert response.status_code == 200
    # registration + its care relationship + the reads + this reading of the log
    assert len(response.context["page"].object_list) == rows + 3
