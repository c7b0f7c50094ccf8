"""Requests, coordinators and individual plans over the API: scope per cast member, the
coordinating unit's decisions, If-Match and the lost update, consent, audit, query budgets."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import services
from coordination.models import (
    ConsentMethod,
    ConsentScope,
    Coordinator,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestStatus,
)
from registry.models import AuditAction, AuditEvent, Role
from tests import factories
from tests.coordination.conftest import (
    activate,
    kora,
    make_plan,
    plan,
    second_coordinator,
    submit,
)

from .support import error, responses_of, schema_of
from .test_pathway_query_budgets import assert_same_budget, grow  # noqa: F401

__all__ = ["kora", "plan", "second_coordinator"]  # fixtures shared with tests/coordination

CAST = ("planner", "ke_tromso", "coordinator", "ke_bodo")


def request_url(plan_request, step="") -> str:
    return f"/api/v1/plan-requests/{plan_request.uuid}/" + (f"{step}/" if step else "")


def plan_url(plan, step="") -> str:
    return f"/api/v1/individual-plans/{plan.uuid}/" + (f"{step}/" if step else "")


def etag(plan) -> str:
    """The plan's current ETag, as a client holds it after reading the plan."""
    return f'W/"{IndividualPlan.objects.get(pk=plan.pk).version}"'


def coordinator_url(coordinator) -> str:
    return f"/api/v1/coordinators/{coordinator.uuid}/"


def bodo_coordinator(cast):
    user = factories.user("coordinator_bodo", cast.bodo, Role.COORDINATOR, first_name="Bo",
                          last_name="Bodø")
    return factories.coordinator(cast, user=user, organization=cast.bodo, by=cast.ke_bodo)


# --- plan requests -----------------------------------------------------------------------

@pytest.fixture
def requests(cast):
    """One request for the patient the cast shares (from the planner), one for the patient
    only Tromsø's KE knows."""
    return {"shared": submit(cast, cast.shared, by=cast.planner),
            "tromso_only": submit(cast, cast.tromso_only)}


REQUESTS_SEEN = {"planner": {"shared"}, "ke_tromso": {"shared", "tromso_only"},
                 "coordinator": {"shared"}, "ke_bodo": set()}


@pytest.mark.parametrize("member", CAST)
def test_it_lists_exactly_the_requests_each_member_of_the_cast_may_see(cast, api, requests,
                                                                        member):
    response = api(getattr(cast, member)).get("/api/v1/plan-requests/")
    assert response.status_code == 200
    assert {row["uuid"] for row in response.json()["results"]} == {
        str(requests[name].uuid) for name in REQUESTS_SEEN[member]}


def test_it_shows_a_request_with_its_waiting_days_and_audits_the_read(cast, api):
    plan_request = submit(cast, received_at=timezone.now() - datetime.timedelta(days=3))
    response = api(cast.ke_tromso).get(request_url(plan_request))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["kind"], body["waiting_days"], body["plan"]) == (
        "received", "individual_plan", 3, None)
    event = AuditEvent.objects.get(user=cast.ke_tromso, action=AuditAction.VIEW)
    assert (event.object_type, event.object_id) == ("planrequest", str(plan_request.uuid))


def test_it_answers_404_for_a_request_outside_scope(cast, api):
    plan_request = submit(cast)
    assert api(cast.ke_bodo).get(request_url(plan_request)).status_code == 404
    assert api(cast.planner).get(request_url(plan_request)).status_code == 404
    assert api(cast.ke_bodo).post(request_url(plan_request, "start-assessment")).status_code \
        == 404


def test_it_filters_requests(cast, api, requests):
    client = api(cast.ke_tromso)

    def listed(**params):
        response = client.get("/api/v1/plan-requests/", params)
        assert response.status_code == 200, response.json()
        return {row["uuid"] for row in response.json()["results"]}

    both = {str(r.uuid) for r in requests.values()}
    assert listed(status="received") == both
    assert listed(status="accepted") == set()
    assert listed(municipality=str(cast.tromso.uuid)) == both
    assert listed(municipality=str(cast.bodo.uuid)) == set()
    assert listed(kind="coordinator") == set()
    assert listed(updated_since=(timezone.now() + datetime.timedelta(minutes=1)).isoformat()) \
        == set()
    response = client.get("/api/v1/plan-requests/", {"status": "lost"})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["status"]


def test_it_documents_a_request_without_notice_or_plan_as_null(cast, api, requests):
    # Schemathesis found it: null where the schema promised a UUID.
    body = api(cast.ke_tromso).get(request_url(requests["shared"])).json()
    assert (body["early_notification"], body["plan"]) == (None, None)
    properties = schema_of("PlanRequest")
    assert properties["early_notification"]["nullable"] is True
    assert properties["plan"]["nullable"] is True


@pytest.mark.parametrize("path", ["/api/v1/plan-requests/", "/api/v1/coordinators/",
                                  "/api/v1/individual-plans/"])
def test_it_answers_and_documents_404_for_a_page_past_the_end(cast, api, path):
    # Schemathesis found it: these lists answered ?page=0 with a 404 they did not declare.
    response = api(cast.ke_tromso).get(path, {"page": 0})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert "404" in responses_of(path, "get")


def test_it_lets_whoever_sees_the_patient_submit_a_request(cast, api):
    response = api(cast.planner).post("/api/v1/plan-requests/", {
        "patient": str(cast.shared.uuid), "municipality": str(cast.tromso.uuid),
        "kind": "coordinator", "source": "hospital", "description": "Trenger koordinator"},
        format="json")
    assert response.status_code == 201, response.json()
    created = PlanRequest.objects.get()
    assert response["Location"].endswith(request_url(created))
    assert (response.json()["waiting_days"], created.created_by) == (0, cast.planner)


def test_it_refuses_a_request_for_a_patient_outside_scope_naming_the_field(cast, api):
    response = api(cast.ke_bodo).post("/api/v1/plan-requests/", {
        "patient": str(cast.tromso_only.uuid), "municipality": str(cast.bodo.uuid),
        "kind": "individual_plan", "source": "patient"}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["patient"]
    assert not PlanRequest.objects.exists()


def test_it_answers_409_for_a_second_open_request_of_the_same_kind(cast, api):
    submit(cast)
    response = api(cast.ke_tromso).post("/api/v1/plan-requests/", {
        "patient": str(cast.tromso_only.uuid), "municipality": str(cast.tromso.uuid),
        "kind": "individual_plan", "source": "patient"}, format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "duplicate_request"


def test_only_the_municipalitys_ke_starts_the_assessment(cast, api, requests):
    shared = requests["shared"]
    assert api(cast.planner).post(request_url(shared, "start-assessment")).status_code == 403
    assert api(cast.coordinator).post(request_url(shared, "start-assessment")).status_code \
        == 403
    response = api(cast.ke_tromso).post(request_url(shared, "start-assessment"))
    assert response.status_code == 200
    assert response.json()["status"] == "under_assessment"
    again = api(cast.ke_tromso).post(request_url(shared, "start-assessment"))
    assert again.status_code == 409


def test_the_ke_accepts_a_request_and_appoints_the_coordinator(cast, api, kora):
    plan_request = submit(cast)
    response = api(cast.ke_tromso).post(request_url(plan_request, "accept"), {
        "coordinator": str(kora.uuid), "patient_wishes": "Snakker sakte"}, format="json")
    assert response.status_code == 200, response.json()
    plan = IndividualPlan.objects.get()
    assert (response.json()["status"], response.json()["plan"]) == ("accepted", str(plan.uuid))
    assert (plan.coordinator, plan.status) == (kora, PlanStatus.IN_PREPARATION)
    assert plan.assignments.get().patient_wishes == "Snakker sakte"


def test_the_coordinator_may_not_accept_a_request(cast, api, requests, kora):
    response = api(cast.coordinator).post(request_url(requests["shared"], "accept"),
                                          {"coordinator": str(kora.uuid)}, format="json")
    assert response.status_code == 403
    assert requests["shared"].status == RequestStatus.RECEIVED
    assert not IndividualPlan.objects.exists()


def test_it_refuses_a_coordinator_from_another_municipality_naming_the_field(cast, api):
    plan_request = submit(cast)
    outsider = bodo_coordinator(cast)
    response = api(cast.ke_tromso).post(request_url(plan_request, "accept"),
                                        {"coordinator": str(outsider.uuid)}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["coordinator"]
    missing = api(cast.ke_tromso).post(request_url(plan_request, "accept"), {}, format="json")
    assert missing.status_code == 400
    assert list(error(missing)["fields"]) == ["coordinator"]
    plan_request.refresh_from_db()
    assert plan_request.status == RequestStatus.RECEIVED


def test_the_ke_declines_with_a_reason_and_the_patient_appeals(cast, api):
    plan_request = submit(cast)
    client = api(cast.ke_tromso)
    no_reason = client.post(request_url(plan_request, "decline"),
                            {"reason": " ", "coordinator_offered": True}, format="json")
    assert no_reason.status_code == 400
    assert list(error(no_reason)["fields"]) == ["reason"]
    no_offer = client.post(request_url(plan_request, "decline"),
                           {"reason": "Ikke behov"}, format="json")
    assert list(error(no_offer)["fields"]) == ["coordinator_offered"]
    declined = client.post(request_url(plan_request, "decline"),
                           {"reason": "Ikke behov", "coordinator_offered": True}, format="json")
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined", "Ikke behov")
    assert api(cast.coordinator).post(request_url(plan_request, "appeal"),
                                      {"note": "Klage"}, format="json").status_code == 404
    appealed = client.post(request_url(plan_request, "appeal"), {"note": "Klage"},
                           format="json")
    assert appealed.status_code == 200
    assert appealed.json()["status"] == "under_assessment"
    twice = client.post(request_url(plan_request, "appeal"), {"note": "Igjen"}, format="json")
    assert twice.status_code == 409


# --- coordinators ------------------------------------------------------------------------

COORDINATORS_SEEN = {"planner": False, "ke_tromso": True, "coordinator": True, "ke_bodo": False}


@pytest.mark.parametrize("member", CAST)
def test_it_lists_coordinators_to_their_own_organisation_only(cast, api, kora, member):
    make_plan(cast, kora)
    client = api(getattr(cast, member))
    listed = client.get("/api/v1/coordinators/").json()["results"]
    detail = client.get(coordinator_url(kora))
    if COORDINATORS_SEEN[member]:
        assert [(c["uuid"], c["load"], c["over_capacity"]) for c in listed] == [
            (str(kora.uuid), 1, False)]
        assert detail.status_code == 200
        assert detail.json()["name"] == "Kora Koordinator"
    else:
        assert listed == []
        assert detail.status_code == 404


def test_the_ke_appoints_a_coordinator(cast, api):
    body = {"user": "coordinator", "organization": str(cast.tromso.uuid), "kind": "child",
            "capacity": 5}
    refused = api(cast.coordinator).post("/api/v1/coordinators/", body, format="json")
    assert refused.status_code == 403
    outsider = api(cast.ke_bodo).post("/api/v1/coordinators/", body, format="json")
    assert outsider.status_code == 403
    response = api(cast.ke_tromso).post("/api/v1/coordinators/", body, format="json")
    assert response.status_code == 201, response.json()
    coordinator = Coordinator.objects.get()
    assert response["Location"].endswith(coordinator_url(coordinator))
    assert (response.json()["kind"], response.json()["load"], coordinator.capacity) == (
        "child", 0, 5)


@pytest.mark.parametrize("body", [[None, None], "coordinator", 42])
def test_it_refuses_a_body_that_is_no_object_with_400(cast, api, body):
    # Schemathesis found it: a JSON list was a 500 (list has no .get).
    response = api(cast.ke_tromso).post("/api/v1/coordinators/", body, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["non_field_errors"]
    assert not Coordinator.objects.exists()


def test_it_refuses_appointing_someone_of_another_organisation(cast, api):
    response = api(cast.ke_tromso).post("/api/v1/coordinators/", {
        "user": "ke_bodo", "organization": str(cast.tromso.uuid)}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["user"]


def test_the_ke_changes_a_coordinators_profile(cast, api, kora):
    make_plan(cast, kora)
    assert api(cast.coordinator).patch(coordinator_url(kora), {"capacity": 1},
                                       format="json").status_code == 403
    assert api(cast.ke_bodo).patch(coordinator_url(kora), {"capacity": 1},
                                   format="json").status_code == 404
    bad = api(cast.ke_tromso).patch(coordinator_url(kora), {"capacity": 0}, format="json")
    assert bad.status_code == 400
    assert list(error(bad)["fields"]) == ["capacity"]
    missing = api(cast.ke_tromso).patch(coordinator_url(kora), {"capacity": 1}, format="json")
    assert missing.status_code == 428
    etag = api(cast.ke_tromso).get(coordinator_url(kora))["ETag"]
    response = api(cast.ke_tromso).patch(coordinator_url(kora), {"capacity": 1,
                                                                "active": False},
                                         format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["active"],
            response.json()["load"]) == (1, False, 1)
    stale = api(cast.ke_tromso).patch(coordinator_url(kora), {"capacity": 5}, format="json",
                                      HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["ETag"] == response["ETag"] != etag


# --- individual plans --------------------------------------------------------------------

PLANS_SEEN = {"planner": False, "ke_tromso": True, "coordinator": True, "ke_bodo": False}


@pytest.mark.parametrize("member", CAST)
def test_it_lists_and_shows_plans_to_those_in_the_care_relationship(cast, api, plan, member):
    client = api(getattr(cast, member))
    listed = [row["uuid"] for row in client.get("/api/v1/individual-plans/").json()["results"]]
    detail = client.get(plan_url(plan))
    if PLANS_SEEN[member]:
        assert listed == [str(plan.uuid)]
        assert detail.status_code == 200
    else:
        assert listed == []
        assert detail.status_code == 404


def test_it_shows_the_whole_plan_with_its_version_as_etag(cast, api, plan, kora):
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden")
    services.add_goal(plan, by=cast.ke_tromso, text="Til postkassen", parent=goal)
    service = factories.service(cast.tromso, level_code="3", name="Hverdagsrehabilitering")
    services.add_measure(plan, by=cast.coordinator, service=service, goal=goal)
    services.add_participant(plan, by=cast.ke_tromso, kind="next_of_kin", name="Ola Aune")
    services.record_consent(plan, cast.tromso, ConsentScope.PLAN, ConsentMethod.WRITTEN,
                            by=cast.ke_tromso)
    response = api(cast.coordinator).get(plan_url(plan))
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'W/"{body["version"]}"' == 'W/"7"'
    assert [(g["text"], [s["text"] for s in g["sub_goals"]]) for g in body["goals"]] == [
        ("Gå tur med hunden", ["Til postkassen"])]
    assert [(m["service"], m["level"], m["goal"]) for m in body["measures"]] == [
        (str(service.uuid), "3", str(goal.uuid))]
    assert [p["name"] for p in body["participants"]] == ["Ola Aune"]
    assert [(c["organization"], c["scope"]) for c in body["consents"]] == [
        (str(cast.tromso.uuid), "plan")]
    assert body["current_coordinator"]["coordinator"] == str(kora.uuid)
    assert body["current_coordinator"]["patient_wishes"] == "Someone who speaks slowly"
    event = AuditEvent.objects.get(user=cast.coordinator, action=AuditAction.VIEW)
    assert (event.object_type, event.object_id, event.role) == (
        "individualplan", str(plan.uuid), Role.COORDINATOR)


def test_it_answers_404_for_a_plan_outside_scope_exactly_as_for_none(cast, api, plan):
    client = api(cast.ke_bodo)
    outside = client.get(plan_url(plan))
    missing = client.get(f"/api/v1/individual-plans/{uuid.uuid4()}/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert client.patch(plan_url(plan), {"resources": "x"}, format="json",
                        HTTP_IF_MATCH='W/"2"').status_code == 404


def test_it_changes_plan_fields_with_if_match(cast, api, plan):
    client = api(cast.coordinator)
    version = client.get(plan_url(plan))["ETag"]
    missing = client.patch(plan_url(plan), {"what_matters": "Hjem"}, format="json")
    assert missing.status_code == 428
    response = client.patch(plan_url(plan), {"what_matters": " Å komme hjem "}, format="json",
                            HTTP_IF_MATCH=version)
    assert response.status_code == 200, response.json()
    assert response.json()["what_matters"] == "Å komme hjem"
    assert response["ETag"] != version
    plan.refresh_from_db()
    assert plan.what_matters == "Å komme hjem"


def test_the_lost_update_is_refused_with_what_the_other_editor_changed(cast, api, plan):
    version = api(cast.coordinator).get(plan_url(plan))["ETag"]
    first = api(cast.ke_tromso).patch(plan_url(plan), {"resources": "Sterk familie"},
                                      format="json", HTTP_IF_MATCH=version)
    assert first.status_code == 200
    second = api(cast.coordinator).patch(plan_url(plan), {"what_matters": "Hjem"},
                                         format="json", HTTP_IF_MATCH=version)
    assert second.status_code == 412
    assert second["ETag"] == first["ETag"]
    assert list(error(second)["fields"]) == ["resources"]
    plan.refresh_from_db()
    assert (plan.what_matters, plan.resources) == ("", "Sterk familie")


def test_only_the_coordinator_or_the_ke_changes_the_plan(cast, api, kora):
    plan = make_plan(cast, kora, patient=cast.shared)
    client = api(cast.planner)
    version = client.get(plan_url(plan))["ETag"]
    response = client.patch(plan_url(plan), {"resources": "x"}, format="json",
                            HTTP_IF_MATCH=version)
    assert response.status_code == 403
    assert client.post(plan_url(plan, "goals"), {"text": "Mål"},
                       format="json").status_code == 403


def test_it_refuses_a_plan_period_that_ends_before_it_starts(cast, api, plan):
    response = api(cast.ke_tromso).patch(
        plan_url(plan), {"period_start": "2025-03-01", "period_end": "2025-02-01"},
        format="json", HTTP_IF_MATCH=f'W/"{plan.version}"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["period_end"]


def test_a_closed_plan_answers_409(cast, api, plan):
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    plan.refresh_from_db()
    response = api(cast.ke_tromso).patch(plan_url(plan), {"resources": "x"}, format="json",
                                         HTTP_IF_MATCH=f'W/"{plan.version}"')
    assert response.status_code == 409
    assert error(response)["code"] == "closed"
    goal = api(cast.ke_tromso).post(plan_url(plan, "goals"), {"text": "Mål"}, format="json",
        HTTP_IF_MATCH=etag(plan))
    assert goal.status_code == 409


def test_the_status_moves_only_when_the_plan_is_ready(cast, api, plan):
    client = api(cast.ke_tromso)
    early = client.post(plan_url(plan, "status"), {"status": "active"}, format="json",
        HTTP_IF_MATCH=etag(plan))
    assert early.status_code == 400
    assert list(error(early)["fields"]) == ["status"]
    services.add_goal(plan, by=cast.ke_tromso, text="Gå tur")
    services.record_consent(plan, cast.tromso, ConsentScope.PLAN, ConsentMethod.ORAL,
                            by=cast.ke_tromso)
    response = client.post(plan_url(plan, "status"), {"status": "active"}, format="json",
        HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert api(cast.ke_bodo).post(plan_url(plan, "status"), {"status": "closed"},
                                  format="json", HTTP_IF_MATCH=etag(plan)).status_code == 404


def test_the_coordinator_adds_and_changes_goals(cast, api, plan):
    client = api(cast.coordinator)
    response = client.post(plan_url(plan, "goals"), {"text": "Gå tur med hunden"},
                           format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 201, response.json()
    goal_id = response.json()["uuid"]
    sub = client.post(plan_url(plan, "goals"), {"text": "Til postkassen", "parent": goal_id},
                      format="json", HTTP_IF_MATCH=etag(plan))
    assert sub.status_code == 201
    assert sub.json()["parent"] == goal_id
    changed = client.patch(f"{plan_url(plan)}goals/{goal_id}/", {"status": "in_progress"},
                           format="json", HTTP_IF_MATCH=etag(plan))
    assert changed.status_code == 200
    assert changed.json()["status"] == "in_progress"
    assert changed["ETag"] == 'W/"5"'
    other = make_plan(cast, plan.coordinator, patient=cast.shared)
    foreign = services.add_goal(other, by=cast.ke_tromso, text="Annet")
    bad_parent = client.post(plan_url(plan, "goals"), {"text": "x", "parent": str(foreign.uuid)},
                             format="json", HTTP_IF_MATCH=etag(plan))
    assert bad_parent.status_code == 400
    assert list(error(bad_parent)["fields"]) == ["parent"]
    assert client.patch(f"{plan_url(plan)}goals/{foreign.uuid}/", {"text": "y"},
                        format="json", HTTP_IF_MATCH=etag(plan)).status_code == 404


def test_it_refuses_a_measure_that_ends_before_it_starts(cast, api, plan):
    client = api(cast.coordinator)
    response = client.post(plan_url(plan, "measures"), {
        "description": "Fysioterapi", "starts_on": "2025-05-01", "ends_on": "2025-04-01"},
        format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["ends_on"]
    created = client.post(plan_url(plan, "measures"), {"description": "Fysioterapi",
                                                       "starts_on": "2025-05-01"},
                          format="json", HTTP_IF_MATCH=etag(plan))
    assert created.status_code == 201
    measure_id = created.json()["uuid"]
    bad = client.patch(f"{plan_url(plan)}measures/{measure_id}/", {"ends_on": "2025-01-01"},
                       format="json", HTTP_IF_MATCH=etag(plan))
    assert list(error(bad)["fields"]) == ["ends_on"]
    good = client.patch(f"{plan_url(plan)}measures/{measure_id}/", {"extent": "2 t/uke"},
                        format="json", HTTP_IF_MATCH=etag(plan))
    assert good.status_code == 200
    assert good.json()["extent"] == "2 t/uke"


def test_the_ke_manages_the_responsible_group(cast, api, plan):
    client = api(cast.ke_tromso)
    response = client.post(plan_url(plan, "participants"), {
        "kind": "provider", "name": "Fysioterapeut", "organization": str(cast.tromso.uuid)},
        format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 201, response.json()
    url = f"{plan_url(plan)}participants/{response.json()['uuid']}/"
    assert api(cast.planner).delete(url).status_code == 404
    assert client.delete(url, HTTP_IF_MATCH=etag(plan)).status_code == 204
    assert client.get(plan_url(plan)).json()["participants"] == []


def test_revoking_consent_takes_the_organisations_access_away(cast, api, plan):
    client = api(cast.ke_tromso)
    assert api(cast.ke_bodo).get(plan_url(plan)).status_code == 404
    response = client.post(plan_url(plan, "consents"), {
        "organization": str(cast.bodo.uuid), "scope": "information_sharing",
        "method": "written"}, format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 201, response.json()
    consent_id = response.json()["uuid"]
    assert api(cast.ke_bodo).get(plan_url(plan)).status_code == 200
    assert api(cast.ke_bodo).post(f"{plan_url(plan)}consents/{consent_id}/revoke/") \
        .status_code == 403
    revoked = client.post(f"{plan_url(plan)}consents/{consent_id}/revoke/",
                          HTTP_IF_MATCH=etag(plan))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert api(cast.ke_bodo).get(plan_url(plan)).status_code == 404
    assert api(cast.ke_bodo).get("/api/v1/individual-plans/").json()["results"] == []
    again = client.post(f"{plan_url(plan)}consents/{consent_id}/revoke/",
                          HTTP_IF_MATCH=etag(plan))
    assert again.status_code == 409


def test_it_records_an_evaluation_of_a_plan_in_force(cast, api, plan):
    client = api(cast.coordinator)
    today = timezone.localdate().isoformat()
    early = client.post(plan_url(plan, "evaluations"), {"evaluated_on": today,
                                                        "summary": "Bra"}, format="json",
                                                            HTTP_IF_MATCH=etag(plan))
    assert early.status_code == 409
    activate(cast, plan)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    bad = client.post(plan_url(plan, "evaluations"), {"evaluated_on": future,
                                                      "summary": "Bra"}, format="json",
                                                          HTTP_IF_MATCH=etag(plan))
    assert list(error(bad)["fields"]) == ["evaluated_on"]
    response = client.post(plan_url(plan, "evaluations"), {"evaluated_on": today,
                                                           "summary": "Bra"}, format="json",
                                                               HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 201
    assert response.json()["evaluated_by"] == "Kora Koordinator"


def test_the_ke_reassigns_the_coordinator(cast, api, plan, second_coordinator):
    assert api(cast.coordinator).post(plan_url(plan, "coordinator"), {
        "coordinator": str(second_coordinator.uuid)}, format="json",
            HTTP_IF_MATCH=etag(plan)).status_code == 403
    outsider = bodo_coordinator(cast)
    bad = api(cast.ke_tromso).post(plan_url(plan, "coordinator"),
                                   {"coordinator": str(outsider.uuid)}, format="json",
                                       HTTP_IF_MATCH=etag(plan))
    assert list(error(bad)["fields"]) == ["coordinator"]
    response = api(cast.ke_tromso).post(plan_url(plan, "coordinator"), {
        "coordinator": str(second_coordinator.uuid)}, format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 200
    assert response.json()["coordinator"] == str(second_coordinator.uuid)


def test_it_lists_versions_and_shows_the_diff_between_them(cast, api, plan):
    services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                         resources="Sterk familie")
    client = api(cast.coordinator)
    versions = client.get(plan_url(plan, "versions"))
    assert versions.status_code == 200
    numbers = [v["number"] for v in versions.json()]
    assert numbers == [1, 2, 3]
    response = client.get(plan_url(plan, "diff"), {"from": 2, "to": 3})
    assert response.status_code == 200
    assert [(c["section"], c["field"], c["before"], c["after"]) for c in response.json()] == [
        ("plan", "resources", "", "Sterk familie")]
    missing = client.get(plan_url(plan, "diff"), {"from": 9})
    assert missing.status_code == 400
    assert list(error(missing)["fields"]) == ["from"]
    assert api(cast.ke_bodo).get(plan_url(plan, "versions")).status_code == 404
    assert AuditEvent.objects.filter(user=cast.coordinator, action=AuditAction.VIEW,
                                     object_id=str(plan.uuid)).count() == 2


def test_it_audits_every_plan_on_the_page_in_one_insert(cast, api, kora):
    make_plan(cast, kora)
    make_plan(cast, kora, patient=cast.shared)
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.ke_tromso).get("/api/v1/individual-plans/")
    assert response.json()["count"] == 2
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "registry_auditevent"')]
    assert len(inserts) == 1
    assert AuditEvent.objects.filter(user=cast.ke_tromso, action=AuditAction.VIEW,
                                     object_type="individualplan").count() == 2


# --- query budgets -----------------------------------------------------------------------

def new_patient(cast, i):
    return factories.patient(cast.ke_tromso, f"Pasient{i}", "Budsjett",
                             municipality=cast.tromso,
                             birth_date=datetime.date(1930 + i, 1 + i % 12, 1 + i % 28))


# Requests: 1 session, 2 user, 3 COUNT of visible requests, 4 the page with patient,
# municipality, decider, early notification and plan joined, 5 the reader's memberships and
# 6 their granting care relationships (access.grounds), 7 the page's audit INSERT.
REQUEST_BUDGET = 7


def test_it_lists_requests_within_a_fixed_query_budget(cast, api, kora, grow,  # noqa: F811
                                                       django_assert_max_num_queries):
    def make(i):
        plan_request = submit(cast, new_patient(cast, i))
        if i % 2:
            services.accept_request(plan_request, by=cast.ke_tromso, coordinator=kora,
                                    allow_over_capacity=True)

    assert_same_budget(api(cast.ke_tromso), "/api/v1/plan-requests/", REQUEST_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Plans: 1 session, 2 user, 3 COUNT of visible plans, 4 the page with patient, municipality
# and coordinator's user joined, 5 memberships and 6 granting care relationships
# (access.grounds), 7 the page's audit INSERT.
PLAN_BUDGET = 7


def test_it_lists_plans_within_a_fixed_query_budget(cast, api, kora, grow,  # noqa: F811
                                                    django_assert_max_num_queries):
    services.update_coordinator_profile(kora, by=cast.ke_tromso, capacity=100)

    def make(i):
        """Full plans and coordinator-only plans, all with a coordinator."""
        make_plan(cast, kora, patient=new_patient(cast, i),
                  kind=RequestKind.INDIVIDUAL_PLAN if i % 2 else RequestKind.COORDINATOR)

    assert_same_budget(api(cast.ke_tromso), "/api/v1/individual-plans/", PLAN_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Coordinators: 1 session, 2 user, 3 COUNT, 4 the page with user and organisation joined and
# load and over_capacity annotated (one GROUP BY). Coordinators are not patient data: no audit.
COORDINATOR_BUDGET = 4


def test_it_lists_coordinators_within_a_fixed_query_budget(cast, api, grow,  # noqa: F811
                                                           django_assert_max_num_queries):
    def make(i):
        user = factories.user(f"koordinator{i}", cast.tromso, Role.COORDINATOR,
                              first_name=f"K{i}", last_name="Budsjett")
        coordinator = services.create_coordinator_profile(user=user, organization=cast.tromso,
                                                          by=cast.ke_tromso, capacity=1)
        if i % 3 == 0:
            make_plan(cast, coordinator, patient=new_patient(cast, i))

    assert_same_budget(api(cast.ke_tromso), "/api/v1/coordinators/", COORDINATOR_BUDGET,
                       django_assert_max_num_queries, grow, make)


# One plan, in full: 1 session, 2 user, 3 the plan with patient, municipality and coordinator,
# 4 main goals, 5 their sub-goals, 6 measures with service, level, organisation and goal,
# 7 participants, 8 consents, 9 evaluations, 10 the current assignment, 11 memberships and
# 12 granting care relationships (access.grounds), 13 the audit INSERT.
PLAN_DETAIL_BUDGET = 13


def test_it_shows_a_plan_within_a_fixed_query_budget_however_long(
        cast, api, plan, grow, django_assert_max_num_queries):  # noqa: F811
    service = factories.service(cast.tromso, level_code="3", name="Hverdagsrehabilitering")

    def make(i):
        goal = services.add_goal(plan, by=cast.ke_tromso, text=f"Mål {i}")
        services.add_goal(plan, by=cast.ke_tromso, text=f"Delmål {i}", parent=goal)
        services.add_measure(plan, by=cast.ke_tromso, service=service, goal=goal,
                             responsible_organization=cast.tromso)
        services.add_participant(plan, by=cast.ke_tromso, kind="provider", name=f"Fag {i}",
                                 organization=cast.tromso)

    client = api(cast.coordinator)
    counts = []
    for rows in (3, 30):
        grow(make, rows)
        with django_assert_max_num_queries(PLAN_DETAIL_BUDGET) as captured:
            response = client.get(plan_url(plan))
        assert len(response.json()["measures"]) == rows
        assert {len(g["sub_goals"]) for g in response.json()["goals"]} == {1}
        counts.append(len(captured))
    assert counts[0] == counts[1]
