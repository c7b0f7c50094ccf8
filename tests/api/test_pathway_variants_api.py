"""Pathway variants over the API (issue 15 § 4): the variants as reference data, enrolments
and the activities of their shared plans, scoped by care relationship, every read audited,
the handover, the end and recording under If-Match."""

import datetime

import pytest
from django.utils import timezone

from pathways.models import ActivityStatus, EnrolmentStatus, PathwayActivity, PathwayEnrolment
from registry.models import AuditAction, AuditEvent, OrganizationKind, Role
from tests import factories
from tests.factories import admit
from tests.pathways.variant_helpers import ESD, activity, enrolment, ensure_variants

from .support import error

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _variants(db):
    ensure_variants()


def etag(version: int) -> str:
    return f'W/"{version}"'


def reads_of(obj, action=AuditAction.VIEW) -> int:
    return AuditEvent.objects.filter(object_id=str(obj.uuid), action=action).count()


def _later(**delta) -> str:
    return (timezone.now() + datetime.timedelta(**delta)).isoformat()


# --- the variants ---------------------------------------------------------------------------

def test_the_variants_are_listed_with_their_activities_and_sides(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/pathway-variants/", **EN)
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()["results"]}
    assert set(by_code) >= {ESD, "pakkeforlop-hjem-kreft"}
    sides = {k["code"]: k["side"] for k in by_code[ESD]["activity_kinds"]}
    assert sides["hjemmebesok"] == "hospital_team"
    assert sides["hjemmetjeneste"] == "municipality"
    detail = api(cast.ke_tromso).get(f"/api/v1/pathway-variants/{ESD}/")
    assert detail.json()["name"] == "Tidlig støttet utskriving etter hjerneslag"
    assert api(cast.ke_tromso).get("/api/v1/pathway-variants/ingen-slik/").status_code == 404
    cursor = api(cast.ke_tromso).get("/api/v1/pathway-variants/", {"cursor": ""}, **EN)
    assert cursor.status_code == 400 and "cursor" in error(cursor)["fields"]


# --- enrolling --------------------------------------------------------------------------------

def test_the_hospitals_epj_enrols_and_the_enrolment_is_audited(cast):
    admission = admit(cast)
    unn = factories.api_client(cast.unn, "DIPS UNN")
    response = unn.post("/api/v1/pathway-enrolments/",
                        {"admission": str(admission.uuid), "variant": ESD}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["version"] == 1
    assert body["team_organization"] == str(cast.unn.uuid)
    assert body["municipality"] == str(cast.tromso.uuid)
    assert body["patient"] == str(cast.shared.uuid)
    assert response["ETag"] == etag(1)
    assert response["Location"].endswith(f"/api/v1/pathway-enrolments/{body['uuid']}/")
    event = AuditEvent.objects.get(object_id=body["uuid"], action=AuditAction.CREATE)
    assert (event.object_type, event.via, event.patient_uuid) == (
        "pathwayenrolment", "api", cast.shared.uuid)


def test_the_municipality_may_not_enrol(cast, epj):
    admission = admit(cast)
    response = epj.post("/api/v1/pathway-enrolments/",
                        {"admission": str(admission.uuid), "variant": ESD}, format="json", **EN)
    assert response.status_code == 403
    assert "UNN Tromsø" in error(response)["message"]
    assert not PathwayEnrolment.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"variant": "no-such-variant"}, "variant"),
    ({"status": "ended"}, "status"),
    ({"handed_over_by": "me"}, "handed_over_by"),
    ({"is_admin": True}, "is_admin"),
])
def test_a_bad_enrolment_names_the_field_and_writes_nothing(cast, api, body, field):
    admission = admit(cast)
    payload = {"admission": str(admission.uuid), "variant": ESD, **body}
    before = AuditEvent.objects.exclude(action=AuditAction.VIEW).count()
    response = api(cast.planner).post("/api/v1/pathway-enrolments/", payload, format="json",
                                      **EN)
    assert response.status_code == 400, response.content
    assert field in error(response)["fields"]
    assert not PathwayEnrolment.objects.exists()
    assert AuditEvent.objects.exclude(action=AuditAction.VIEW).count() == before


def test_a_second_enrolment_of_the_patient_is_a_conflict(cast, api):
    stay = enrolment(cast)
    response = api(cast.planner).post(
        "/api/v1/pathway-enrolments/",
        {"admission": str(stay.admission.uuid), "variant": "pakkeforlop-hjem-kreft"},
        format="json", **EN)
    assert response.status_code == 409
    assert "already follows Early supported discharge" in error(response)["message"]


# --- scope and audit ---------------------------------------------------------------------------

def other_hospital(cast):
    trust = factories.organization(OrganizationKind.HEALTH_TRUST, "Nordlandssykehuset HF",
                                   parent=cast.rhf)
    nlsh = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                  parent=trust)
    return nlsh, factories.user("planner_nlsh", nlsh, Role.DISCHARGE_PLANNER)


def test_another_hospital_sees_nothing_of_the_plan(cast, api):
    stay = enrolment(cast)
    visit = activity(cast, stay)
    nlsh, planner_nlsh = other_hospital(cast)
    for client in (api(planner_nlsh), factories.api_client(nlsh, "DIPS NLSH"),
                   api(cast.ke_bodo)):
        for path in ("/api/v1/pathway-enrolments/", "/api/v1/pathway-activities/"):
            listed = client.get(path)
            assert listed.status_code == 200 and listed.json()["count"] == 0
        assert client.get(f"/api/v1/pathway-enrolments/{stay.uuid}/").status_code == 404
        assert client.get(f"/api/v1/pathway-activities/{visit.uuid}/").status_code == 404
        planned = client.post("/api/v1/pathway-activities/", {
            "enrolment": str(stay.uuid), "kind": "hjemmebesok",
            "scheduled_at": _later(days=1)}, format="json")
        assert planned.status_code == 400
        assert "enrolment" in error(planned)["fields"]  # does not exist, as a made-up one
        handed = client.post(f"/api/v1/pathway-enrolments/{stay.uuid}/handover/", {},
                             format="json", HTTP_IF_MATCH=etag(1))
        assert handed.status_code == 404
    assert stay.activities.count() == 1
    assert PathwayEnrolment.objects.get().status == EnrolmentStatus.ACTIVE


def test_every_read_is_recorded_in_the_access_log(cast, api):
    stay = enrolment(cast)
    visit = activity(cast, stay)
    client = api(cast.ke_tromso)
    assert client.get("/api/v1/pathway-enrolments/").json()["count"] == 1
    assert client.get(f"/api/v1/pathway-activities/?enrolment={stay.uuid}").json()[
        "count"] == 1
    detail = client.get(f"/api/v1/pathway-activities/{visit.uuid}/")
    assert detail["ETag"] == etag(1)
    assert reads_of(stay) == 1 and reads_of(visit) == 2
    event = AuditEvent.objects.filter(object_id=str(visit.uuid)).latest("id")
    assert (event.user, event.organization, event.object_type) == (
        cast.ke_tromso, cast.tromso, "pathwayactivity")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_activity_list_costs_the_same_for_3_rows_as_for_30(
        cast, api, django_assert_max_num_queries, rows):
    stay = enrolment(cast)
    for n in range(rows):
        activity(cast, stay, "hjemmetjeneste", days_ahead=n + 1)
    client = api(cast.ke_tromso)
    # 1 session, 2 user, 3 COUNT, 4 the page with enrolment, admission, patient, variant,
    # organisations, kind and recorder, 5 memberships and 6 care relationships (the audit's
    # grounds), 7 the single INSERT of the page's audit events.
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/pathway-activities/", {"page_size": 50})
    assert response.json()["count"] == rows


# --- planning, recording, the handover: sides and If-Match --------------------------------------

def test_each_side_plans_its_own_over_the_api(cast, api, epj):
    stay = enrolment(cast)
    body = {"enrolment": str(stay.uuid), "kind": "hjemmetjeneste", "scheduled_at": _later(days=2),
            "note": "Morgenstell"}
    planned = epj.post("/api/v1/pathway-activities/", body, format="json")
    assert planned.status_code == 201, planned.content
    assert planned.json()["side"] == "municipality"
    assert planned.json()["provider"] == str(cast.tromso.uuid)
    refused = epj.post("/api/v1/pathway-activities/", {**body, "kind": "hjemmebesok"},
                       format="json", **EN)
    assert refused.status_code == 403
    unknown = api(cast.planner).post("/api/v1/pathway-activities/",
                                     {**body, "kind": "samtale-1"}, format="json", **EN)
    assert unknown.status_code == 400
    assert error(unknown)["fields"]["kind"] == [
        "Early supported discharge after stroke has no activity with the code samtale-1."]
    assert stay.activities.count() == 1


def test_recording_needs_the_activitys_current_etag(cast, api):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    client = api(cast.planner)
    url = f"/api/v1/pathway-activities/{visit.uuid}/record/"
    body = {"status": "done", "note": "Trappetrening"}
    assert client.post(url, body, format="json").status_code == 428
    stale = client.post(url, body, format="json", HTTP_IF_MATCH=etag(2))
    assert stale.status_code == 412 and stale["ETag"] == etag(1)
    assert PathwayActivity.objects.get(pk=visit.pk).status == ActivityStatus.PLANNED
    done = client.post(url, body, format="json", HTTP_IF_MATCH=etag(1))
    assert done.status_code == 200, done.content
    assert done["ETag"] == etag(2)
    assert done.json()["status"] == "done" and done.json()["recorded_by"] == "Pia Planlegger"
    again = client.post(url, {"status": "cancelled"}, format="json", HTTP_IF_MATCH=etag(2))
    assert again.status_code == 409


def test_the_municipality_may_not_record_the_teams_visit(cast, epj):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    response = epj.post(f"/api/v1/pathway-activities/{visit.uuid}/record/", {"status": "done"},
                        format="json", HTTP_IF_MATCH=etag(1))
    assert response.status_code == 403
    assert PathwayActivity.objects.get(pk=visit.pk).status == ActivityStatus.PLANNED


def test_the_handover_over_the_api_locks_the_plan_for_the_team(cast, api):
    stay = enrolment(cast)
    client = api(cast.planner)
    url = f"/api/v1/pathway-enrolments/{stay.uuid}/handover/"
    assert client.post(url, {}, format="json").status_code == 428
    assert client.post(url, {}, format="json", HTTP_IF_MATCH=etag(5)).status_code == 412
    handed = client.post(url, {"note": "Hverdagsrehabilitering i kommunen"}, format="json",
                         HTTP_IF_MATCH=etag(1))
    assert handed.status_code == 200, handed.content
    assert handed["ETag"] == etag(2)
    assert handed.json()["status"] == "handed_over"
    assert handed.json()["handed_over_by"] == "Pia Planlegger"
    later = client.post("/api/v1/pathway-activities/", {
        "enrolment": str(stay.uuid), "kind": "hjemmebesok", "scheduled_at": _later(days=1)},
        format="json", **EN)
    assert later.status_code == 409
    assert "handed over to Tromsø" in error(later)["message"]
    ke = api(cast.ke_tromso)
    assert ke.post(url, {}, format="json", HTTP_IF_MATCH=etag(2)).status_code == 403
    ended = ke.post(f"/api/v1/pathway-enrolments/{stay.uuid}/end/", {"note": "Ferdig"},
                    format="json", HTTP_IF_MATCH=etag(2))
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
