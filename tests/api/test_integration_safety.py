"""What an EPJ system relies on to act without a human: scopes, idempotent POSTs and a sync
cursor that never misses or repeats a change."""

import base64
import datetime
import json
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from common.models import IdempotencyRecord
from pathways.models import Admission, Patient
from registry.models import ApiScope, AuditEvent
from registry.services import create_api_client, set_api_client_scopes
from tests import factories
from tests.conftest import skip_or_fail

from .support import error
from .test_admissions import admission_payload, by_number

READ_ONLY = [scope for scope in ApiScope.values if scope.endswith(":read")]


def client_for(organization, scopes, name="DIPS Arena"):
    return factories.api_client(organization, name, scopes)


# --- scopes ---------------------------------------------------------------------------------

def test_a_read_only_client_reads_but_cannot_write(cast):
    http = client_for(cast.unn, READ_ONLY)
    assert http.get("/api/v1/admissions/").status_code == 200
    response = http.post("/api/v1/admissions/", by_number(cast.shared.identity_number),
                         format="json")
    assert response.status_code == 403
    assert "pathways:write" in error(response)["message"]
    assert not Admission.objects.exists()


def test_a_client_without_a_family_cannot_even_read_it(cast):
    http = client_for(cast.unn, ["registry:read"])
    assert http.get("/api/v1/organizations/").status_code == 200
    for url in ("/api/v1/patients/", "/api/v1/admissions/", "/api/v1/individual-plans/"):
        assert http.get(url).status_code == 403, url


def test_a_new_scope_takes_effect_at_once(cast):
    http = client_for(cast.unn, READ_ONLY)
    set_api_client_scopes(http.api_client, [*READ_ONLY, "pathways:write"])
    response = http.post("/api/v1/admissions/", by_number(cast.shared.identity_number),
                         format="json")
    assert response.status_code == 201, response.json()


def test_a_client_never_sees_another_organisations_patients(cast):
    http = client_for(cast.bodo, ApiScope.values)
    listed = {row["uuid"] for row in http.get("/api/v1/patients/").json()["results"]}
    assert str(cast.tromso_only.uuid) not in listed
    assert http.get(f"/api/v1/patients/{cast.tromso_only.uuid}/").status_code == 404


def test_what_a_client_does_is_audited_under_its_name(cast):
    http = client_for(cast.unn, ApiScope.values, name="DIPS Arena UNN")
    http.post("/api/v1/admissions/", by_number(cast.shared.identity_number), format="json")
    event = AuditEvent.objects.filter(object_type="admission", action="create").get()
    assert event.user == http.api_client.user
    assert "DIPS Arena UNN" in event.user_display


def test_unknown_scopes_are_refused(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_api_client(cast.unn, "X", scopes=["pathways:delete"])


# --- Idempotency-Key ------------------------------------------------------------------------

def test_the_same_key_and_body_return_the_first_response_and_create_nothing_new(cast):
    http = client_for(cast.unn, ApiScope.values)
    body = by_number(cast.shared.identity_number)
    first = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Admission.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(cast):
    http = client_for(cast.unn, ApiScope.values)
    http.post("/api/v1/admissions/", by_number(cast.shared.identity_number), format="json",
              HTTP_IDEMPOTENCY_KEY="k-2")
    other = by_number(cast.shared.identity_number, ward="Annen")
    response = http.post("/api/v1/admissions/", other, format="json",
                         HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["Idempotency-Key"]
    assert Admission.objects.count() == 1


def test_a_refused_request_is_replayed_as_refused(cast):
    http = client_for(cast.unn, ApiScope.values)
    body = by_number("12345678901")
    first = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    again = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


def test_keys_belong_to_their_caller(cast, api):
    body = admission_payload(cast)
    mine = api(cast.planner).post("/api/v1/admissions/", body, format="json",
                                  HTTP_IDEMPOTENCY_KEY="shared-key")
    assert mine.status_code == 201
    theirs = client_for(cast.unn, ApiScope.values).post(
        "/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert theirs.status_code != 201 or theirs.json()["uuid"] != mine.json()["uuid"]
    assert "Idempotent-Replayed" not in theirs


def test_a_malformed_key_is_a_400(cast):
    http = client_for(cast.unn, ApiScope.values)
    response = http.post("/api/v1/admissions/", by_number(cast.shared.identity_number),
                         format="json", HTTP_IDEMPOTENCY_KEY="has space")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["Idempotency-Key"]
    assert not Admission.objects.exists()


def test_a_key_in_progress_is_a_409(cast):
    http = client_for(cast.unn, ApiScope.values)
    IdempotencyRecord.objects.create(owner=http.api_client.user, key="busy",
                                     fingerprint="0" * 64)
    response = http.post("/api/v1/admissions/", by_number(cast.shared.identity_number),
                         format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert not Admission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_copies_act_once(cast):
    if connection.vendor != "postgresql":
        skip_or_fail("the race needs PostgreSQL (DATABASE_URL): SQLite serialises writers")
    http = client_for(cast.unn, ApiScope.values)
    key = http._credentials["HTTP_AUTHORIZATION"]
    body = by_number(cast.shared.identity_number)
    results = []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=key)
        results.append(client.post("/api/v1/admissions/", body, format="json",
                                   HTTP_IDEMPOTENCY_KEY="race").status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Admission.objects.count() == 1
    assert set(results) <= {201, 409}


def test_expired_keys_are_forgotten(cast):
    from common.idempotency import forget_expired

    http = client_for(cast.unn, ApiScope.values)
    http.post("/api/v1/admissions/", by_number(cast.shared.identity_number), format="json",
              HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert forget_expired() == 1


# --- cursor sync ----------------------------------------------------------------------------

def sync(http, url, cursor=""):
    """Follow the cursor to the end; return the rows seen and the cursor to keep."""
    seen = []
    while True:
        response = http.get(url, {"cursor": cursor, "page_size": 2})
        assert response.status_code == 200, response.json()
        body = response.json()
        seen += [row["uuid"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor


def new_patient(cast, i):
    return factories.patient(cast.ke_tromso, f"Synk{i}", "Pasient", municipality=cast.tromso,
                             birth_date=datetime.date(1940 + i, 1, 1 + i))


@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_the_cursor_returns_every_change_once_while_others_write(cast):
    http = client_for(cast.tromso, ApiScope.values)
    url = "/api/v1/patients/"
    first_page = http.get(url, {"cursor": "", "page_size": 2}).json()
    # Changes land while the client is between pages: one row already seen is changed, and
    # a new row is created.
    seen_first = first_page["results"][0]["uuid"]
    Patient.objects.filter(uuid=seen_first).update(updated_at=timezone.now())
    created = new_patient(cast, 1)
    rest, cursor = sync(http, url, first_page["next_cursor"])
    seen = [row["uuid"] for row in first_page["results"]] + rest
    visible = {str(u) for u in Patient.objects.visible_to(cast.ke_tromso)
               .values_list("uuid", flat=True)}
    assert set(seen) == visible
    assert str(created.uuid) in rest
    assert seen.count(seen_first) == 2  # once per change
    # Nothing new: the same cursor returns nothing, and keeps its place.
    again, same = sync(http, url, cursor)
    assert again == [] and same == cursor
    later = new_patient(cast, 2)
    assert sync(http, url, cursor)[0] == [str(later.uuid)]


def test_a_change_waits_until_it_settles(cast):
    http = client_for(cast.tromso, ApiScope.values)
    with override_settings(API_SYNC_SETTLE_SECONDS=60):
        Patient.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
        fresh = new_patient(cast, 3)
        seen, cursor = sync(http, "/api/v1/patients/")
        assert str(fresh.uuid) not in seen
        Patient.objects.filter(pk=fresh.pk).update(
            updated_at=timezone.now() - datetime.timedelta(minutes=2))
        assert sync(http, "/api/v1/patients/", cursor)[0] == [str(fresh.uuid)]


def test_a_cursor_the_server_never_gave_is_a_400(cast):
    http = client_for(cast.tromso, ApiScope.values)
    response = http.get("/api/v1/patients/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["cursor"]


def cursor_at(moment: str) -> str:
    raw = json.dumps({"t": moment, "u": "00000000-0000-0000-0000-000000000000"})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_a_cursor_with_any_utc_offset_is_read_in_utc(cast):
    # PostgreSQL refuses offsets beyond ±15:59 (a 500 before); the cursor means its instant.
    http = client_for(cast.tromso, ApiScope.values)
    response = http.get("/api/v1/patients/", {"cursor": cursor_at("2000-01-01T00:00:00+16:12")})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_cursor_beyond_the_calendar_is_a_400(cast):
    http = client_for(cast.tromso, ApiScope.values)
    response = http.get("/api/v1/patients/", {"cursor": cursor_at("0001-01-01T00:00:00+01:00")})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["cursor"]


LISTS = ["organizations", "services", "patients", "admissions", "early-notifications",
         "discharge-meetings", "notifications", "plan-requests", "coordinators",
         "individual-plans"]


@pytest.mark.parametrize("resource", LISTS)
@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_every_list_offers_the_cursor(cast, resource):
    http = client_for(cast.tromso, ApiScope.values)
    response = http.get(f"/api/v1/{resource}/", {"cursor": ""})
    assert response.status_code == 200, response.json()
    assert {"next_cursor", "has_more", "results"} <= set(response.json())


def test_a_refusal_for_want_of_scope_is_not_stored(cast):
    http = client_for(cast.unn, READ_ONLY)
    body = by_number(cast.shared.identity_number)
    refused = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert refused.status_code == 403
    set_api_client_scopes(http.api_client, [*READ_ONLY, "pathways:write"])
    allowed = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert allowed.status_code == 201
    assert Admission.objects.count() == 1


# --- found in review: replays, reads by POST, rows that come into view -----------------------

def test_a_search_is_never_answered_from_the_key_store(cast):
    http = client_for(cast.tromso, READ_ONLY)  # a search by POST is a read
    body = {"identity_number": cast.shared.identity_number}
    first = http.post("/api/v1/patients/search/", body, format="json",
                      HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == 200, first.json()
    assert [row["uuid"] for row in first.json()["results"]] == [str(cast.shared.uuid)]
    searches = AuditEvent.objects.filter(action="search").count()
    set_api_client_scopes(http.api_client, ["registry:read"])
    again = http.post("/api/v1/patients/search/", body, format="json",
                      HTTP_IDEMPOTENCY_KEY="s-1")
    assert again.status_code == 403
    assert "Idempotent-Replayed" not in again
    assert AuditEvent.objects.filter(action="search").count() == searches


def test_a_replay_is_audited_and_refused_once_the_scopes_changed(cast):
    http = client_for(cast.unn, ApiScope.values)
    body = by_number(cast.shared.identity_number)
    http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    replayed = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert replayed["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(object_type="idempotent_replay",
                                     user=http.api_client.user).count() == 1
    set_api_client_scopes(http.api_client, [*ApiScope.values][:-1])
    refused = http.post("/api/v1/admissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert refused.status_code == 409
    assert list(error(refused)["fields"]) == ["Idempotency-Key"]
    assert Admission.objects.count() == 1


def test_a_key_whose_request_died_is_free_again_later(cast):
    http = client_for(cast.unn, ApiScope.values)
    IdempotencyRecord.objects.create(owner=http.api_client.user, key="dead",
                                     fingerprint="0" * 64)
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    response = http.post("/api/v1/admissions/", by_number(cast.shared.identity_number),
                         format="json", HTTP_IDEMPOTENCY_KEY="dead")
    assert response.status_code == 201


@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_a_patient_who_comes_into_view_reaches_the_cursor(cast):
    from pathways.models import CareRelationshipReason
    from pathways.services import grant_care_relationship

    http = client_for(cast.bodo, ApiScope.values)
    seen, cursor = sync(http, "/api/v1/patients/")
    assert str(cast.shared.uuid) not in seen
    grant_care_relationship(cast.shared, cast.bodo, CareRelationshipReason.REFERRAL,
                            by=cast.ke_bodo)
    assert sync(http, "/api/v1/patients/", cursor)[0] == [str(cast.shared.uuid)]


@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_a_follow_up_task_marks_its_meeting_changed(cast):
    from pathways import services as pathway_services

    from .test_meetings import schedule

    meeting = schedule(cast)
    http = client_for(cast.unn, ApiScope.values)
    seen, cursor = sync(http, "/api/v1/discharge-meetings/")
    assert seen == [str(meeting.uuid)]
    pathway_services.add_follow_up_task(
        meeting, by=cast.planner, description="Ringe pasienten", responsible_name="Kora",
        due_date=timezone.localdate())
    assert sync(http, "/api/v1/discharge-meetings/", cursor)[0] == [str(meeting.uuid)]
