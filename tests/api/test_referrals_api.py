"""Referrals, needs assessments and waiting lists over the API: a GP's EPJ refers, the RVE's
EPJ decides, each organisation sees only the referrals that concern it, every read and
write is audited, every step needs the referral's current ETag, and bad input is a 400
naming the field."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pathways import services as pathways
from pathways.models import CareRelationshipReason
from referrals import services
from referrals.models import NeedsAssessment, Referral
from registry.models import AuditAction, AuditEvent, Role
from tests import factories
from tests.referrals.conftest import referral_world

from .support import error

BASE = "/api/v1/referrals/"
TODAY = timezone.localdate


@pytest.fixture
def world(cast):
    world = referral_world(cast)
    world.cast = cast
    world.gp_epj = factories.api_client(world.gp_office, "CGM Allmenn")
    world.rve_epj = factories.api_client(world.rve, "DIPS RVE")
    world.valnesfjord_epj = factories.api_client(world.valnesfjord, "Valnesfjord EPJ")
    world.skibotn_epj = factories.api_client(world.skibotn, "Skibotn EPJ")
    world.ke = APIClient()  # Tromsø's coordinating unit: the patient lives there
    world.ke.force_login(cast.ke_tromso)
    return world


def days(n: int) -> str:
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def refer(world, service=None, by=None, **fields):
    return services.refer(by=by or world.gp, patient=world.patient,
                          service=service or world.valnesfjord_rehab,
                          reason="Trenger intensiv rehabilitering etter hjerneslag", **fields)


def accept(world, referral, service=None, **fields):
    return services.accept(
        referral, by=world.rve_assessor, has_right=True, care_start_deadline=TODAY()
        + datetime.timedelta(days=60), allocated_service=service or world.valnesfjord_rehab,
        **fields)


def url(referral, step: str = "") -> str:
    return f"{BASE}{referral.uuid}/" + (f"{step}/" if step else "")


def etag(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response["ETag"]


def uuids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["uuid"] for row in response.json()["results"]}


# -- The journey -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_gp_epj_refers_and_the_rve_epj_accepts_with_a_place_and_a_start(world):
    created = world.gp_epj.post(BASE, {
        "patient": str(world.patient.uuid), "service": str(world.valnesfjord_rehab.uuid),
        "reason": "Trenger intensiv rehabilitering etter hjerneslag"}, format="json",
        HTTP_IDEMPOTENCY_KEY="henvisning-1")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["receiver"], body["referrer"], body["status"]) == (
        str(world.rve.uuid), str(world.gp_office.uuid), "received")
    assert body["receiver_name"] == world.rve.name
    assert created["Location"].endswith(f"{BASE}{body['uuid']}/")
    assert created["ETag"] == 'W/"1"'
    referral = Referral.objects.get(uuid=body["uuid"])
    assert body["assessment_due"] == referral.assessment_due.isoformat()

    # The RVE's EPJ sees it in its inbox, reads it and accepts with a place and a start.
    assert body["uuid"] in uuids(world.rve_epj.get(BASE, {"receiver": str(world.rve.uuid),
                                                         "status": "received"}))
    accepted = world.rve_epj.post(url(referral, "accept"), {
        "has_right": True, "care_start_deadline": days(60), "expected_start": days(21),
        "allocated_service": str(world.valnesfjord_rehab.uuid), "severity": "Moderat",
        "expected_benefit": "God", "resource_use": "Rimelig"}, format="json",
        HTTP_IF_MATCH=etag(world.rve_epj, url(referral)))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["expected_start"] == days(21)
    assert accepted["ETag"] == 'W/"2"'
    # The choice among the institutions offering it, with their waiting times.
    options = {o["service"]: o for o in accepted.json()["choice_options"]}
    assert options[str(world.valnesfjord_rehab.uuid)]["waiting_days"] == 21

    # The patient is on Valnesfjord's waiting list, which the institution and the RVE read.
    for epj in (world.valnesfjord_epj, world.rve_epj):
        queue = epj.get("/api/v1/waiting-lists/", {"service": str(world.valnesfjord_rehab.uuid)})
        assert uuids(queue) == {body["uuid"]}
        entry = queue.json()["results"][0]
        assert (entry["patient"], entry["expected_start"], entry["days_waited"]) == (
            str(world.patient.uuid), days(21), 0)
    # The GP's EPJ follows its referral, but keeps no list.
    assert world.gp_epj.get(url(referral)).json()["status"] == "accepted"
    assert uuids(world.gp_epj.get("/api/v1/waiting-lists/")) == set()


@pytest.mark.django_db
def test_the_same_idempotency_key_refers_once(world):
    payload = {"patient": str(world.patient.uuid), "service": str(world.skibotn_rehab.uuid),
               "reason": "Rehabilitering"}
    first = world.gp_epj.post(BASE, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = world.gp_epj.post(BASE, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["uuid"] == first.json()["uuid"]
    assert Referral.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="referral", action=AuditAction.CREATE).count() == 1
    other = world.gp_epj.post(BASE, {**payload, "reason": "Annet"}, format="json",
                              HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    # Without a key a second referral to the same service is a conflict, not a duplicate.
    duplicate = world.gp_epj.post(BASE, payload, format="json")
    assert duplicate.status_code == 409
    assert error(duplicate)["fields"] == {"service": [error(duplicate)["message"]]}


# -- Who sees what ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_another_organisation_gets_404_and_its_lists_leave_the_referral_out(world):
    referral = refer(world)
    bodo = factories.api_client(world.cast.bodo, "Bodø EPJ")
    for client in (bodo, world.valnesfjord_epj):  # Valnesfjord: not (yet) its referral
        assert client.get(url(referral)).status_code == 404
        assert str(referral.uuid) not in uuids(client.get(BASE))
        assert client.post(url(referral, "accept"), {}, format="json",
                           HTTP_IF_MATCH='W/"1"').status_code == 404
    assert AuditEvent.objects.filter(object_id=str(referral.uuid),
                                     action=AuditAction.VIEW).count() == 0


@pytest.mark.django_db
def test_an_institution_sees_only_the_referrals_sent_or_allocated_to_it(world):
    via_rve = accept(world, refer(world))  # allocated to Valnesfjord by the RVE
    factories.relate(world.patient, world.cast.unn, world.gp)
    direct = services.refer(by=world.cast.planner, patient=world.patient,
                            service=world.skibotn_rehab, reason="Direkte fra sykehuset")
    assert direct.receiver == world.skibotn
    # Both institutions now see the patient, but each only its own referral.
    assert uuids(world.valnesfjord_epj.get(BASE)) == {str(via_rve.uuid)}
    assert uuids(world.skibotn_epj.get(BASE)) == {str(direct.uuid)}
    assert world.valnesfjord_epj.get(url(direct)).status_code == 404
    assert world.skibotn_epj.get(url(via_rve)).status_code == 404
    # The RVE sees what it assesses; the GP office what it sent; the patient's KE both.
    assert uuids(world.rve_epj.get(BASE)) == {str(via_rve.uuid)}
    assert uuids(world.gp_epj.get(BASE)) == {str(via_rve.uuid)}
    factories.relate(world.patient, world.cast.tromso, world.cast.ke_tromso,
                     CareRelationshipReason.RESIDENCE)
    assert uuids(world.ke.get(BASE)) == {str(via_rve.uuid), str(direct.uuid)}
    # Skibotn keeps no list the patient is on; Valnesfjord's holds the RVE's place.
    assert uuids(world.skibotn_epj.get("/api/v1/waiting-lists/")) == set()
    assert uuids(world.valnesfjord_epj.get("/api/v1/waiting-lists/")) == {str(via_rve.uuid)}


@pytest.mark.django_db
def test_reads_and_writes_are_audited_under_the_client(world):
    referral = refer(world)
    world.rve_epj.get(BASE)
    world.rve_epj.get(url(referral))
    reads = AuditEvent.objects.filter(object_type="referral", object_id=str(referral.uuid),
                                      action=AuditAction.VIEW)
    assert sorted(reads.values_list("detail", flat=True)) == ["api", "api list"]
    assert {event.user_id for event in reads} == {world.rve_epj.api_client.user_id}
    assert all(event.patient_uuid == world.patient.uuid for event in reads)
    world.rve_epj.post(url(referral, "request-information"), {"question": "Siste epikrise?"},
                       format="json", HTTP_IF_MATCH='W/"1"')
    write = AuditEvent.objects.get(object_type="referral", object_id=str(referral.uuid),
                                   action=AuditAction.UPDATE)
    assert (write.user_id, write.detail) == (world.rve_epj.api_client.user_id,
                                             "information requested")
    accept(world, Referral.objects.get(pk=referral.pk))
    world.valnesfjord_epj.get("/api/v1/waiting-lists/")
    assert AuditEvent.objects.filter(object_type="waiting_list", object_id=str(referral.uuid),
                                     detail="api waiting list").count() == 1


# -- Steps: If-Match, who, state ---------------------------------------------------------------

def _received(world):
    return refer(world)


def _asked(world):
    return services.request_information(refer(world), by=world.rve_assessor, question="Mer?")


def _accepted(world):
    return accept(world, refer(world))


STEPS = {
    "request-information": (_received, {"question": "Siste epikrise?"}, "rve_epj", "gp_epj"),
    "give-information": (_asked, {"reply": "Vedlagt"}, "gp_epj", "rve_epj"),
    "accept": (_received, {"has_right": True, "care_start_deadline": days(30)}, "rve_epj",
               "gp_epj"),
    "decline": (_received, {"reason": "Ikke behov for spesialisert rehabilitering"},
                "rve_epj", "gp_epj"),
    "forward": (_received, lambda w: {"to_service": str(w.skibotn_rehab.uuid),
                                      "reason": "Passer bedre"}, "rve_epj", "gp_epj"),
    "choice": (_accepted, lambda w: {"service": str(w.skibotn_rehab.uuid)}, "gp_epj",
               "valnesfjord_epj"),
    "expected-start": (_accepted, {"expected_start": days(14)}, "valnesfjord_epj", "gp_epj"),
    "start": (_accepted, {}, "valnesfjord_epj", "gp_epj"),
    "withdraw": (_accepted, {"reason": "patient_declined"}, "gp_epj", "ke"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_step_needs_the_current_if_match_and_asks_who_first(world, step):
    make, body, actor, outsider = STEPS[step]
    referral = make(world)
    body = body(world) if callable(body) else body
    client = getattr(world, actor)
    current = etag(client, url(referral))
    before = Referral.objects.values().get(pk=referral.pk)

    missing = client.post(url(referral, step), body, format="json")
    assert missing.status_code == 428, missing.content
    stale = client.post(url(referral, step), body, format="json", HTTP_IF_MATCH='W/"99"')
    assert stale.status_code == 412, stale.content
    assert stale["ETag"] == current
    # One who sees the referral but may not take the step: 403, before If-Match is read.
    other = getattr(world, outsider)
    assert other.get(url(referral)).status_code == 200
    refused = other.post(url(referral, step), body, format="json")
    assert refused.status_code == 403, refused.content
    assert Referral.objects.values().get(pk=referral.pk) == before

    done = client.post(url(referral, step), body, format="json", HTTP_IF_MATCH=current)
    assert done.status_code in (200, 201), done.content
    referral.refresh_from_db()
    assert referral.version == before["version"] + 1
    assert etag(client, url(referral)) != current


@pytest.mark.django_db
def test_a_forwarded_referral_answers_with_the_new_one(world):
    referral = refer(world)
    response = world.rve_epj.post(url(referral, "forward"), {
        "to_service": str(world.skibotn_rehab.uuid), "reason": "Passer bedre"}, format="json",
        HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 201, response.content
    onward = response.json()
    assert (onward["forwarded_from"], onward["receiver"], onward["status"]) == (
        str(referral.uuid), str(world.skibotn.uuid), "received")
    assert response["Location"].endswith(f"{BASE}{onward['uuid']}/")
    old = world.gp_epj.get(url(referral)).json()
    assert (old["status"], old["forwarded_to"]) == ("forwarded", onward["uuid"])
    assert old["assessment_due"] == onward["assessment_due"]


@pytest.mark.django_db
def test_a_step_that_does_not_fit_the_state_is_a_409_not_a_500(world):
    referral = refer(world)
    start = world.rve_epj.post(url(referral, "expected-start"), {"expected_start": days(3)},
                               format="json", HTTP_IF_MATCH='W/"1"')
    assert start.status_code == 409, start.content
    assert error(start)["code"] == "not_waiting"
    answered = world.gp_epj.post(url(referral, "give-information"), {"reply": "x"},
                                 format="json", HTTP_IF_MATCH='W/"1"')
    assert answered.status_code == 409
    accept(world, referral)
    again = world.rve_epj.post(url(referral, "decline"), {"reason": "Nei"}, format="json",
                               HTTP_IF_MATCH='W/"2"')
    assert again.status_code == 409
    assert error(again)["code"] == "already_decided"


@pytest.mark.django_db
def test_the_patients_choice_moves_the_place_and_the_start_ends_the_wait(world):
    referral = accept(world, refer(world))
    chosen = world.gp_epj.post(url(referral, "choice"), {"service": str(world.skibotn_rehab.uuid)},
                               format="json", HTTP_IF_MATCH='W/"2"')
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["allocated_service"], chosen.json()["chosen_by_patient"]) == (
        str(world.skibotn_rehab.uuid), True)
    # Skibotn now keeps the patient's place, Valnesfjord no longer.
    assert uuids(world.skibotn_epj.get("/api/v1/waiting-lists/")) == {str(referral.uuid)}
    assert uuids(world.valnesfjord_epj.get("/api/v1/waiting-lists/")) == set()
    dated = world.skibotn_epj.post(url(referral, "expected-start"),
                                   {"expected_start": days(10)}, format="json",
                                   HTTP_IF_MATCH=chosen["ETag"])
    assert dated.status_code == 200, dated.content
    started = world.skibotn_epj.post(url(referral, "start"), {}, format="json",
                                     HTTP_IF_MATCH=dated["ETag"])
    assert (started.status_code, started.json()["status"]) == (200, "started")
    assert started.json()["started_on"] == TODAY().isoformat()
    assert uuids(world.skibotn_epj.get("/api/v1/waiting-lists/")) == set()


# -- Bad input ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_unknown_and_read_only_fields_are_a_400_naming_them(world):
    payload = {"patient": str(world.patient.uuid), "service": str(world.skibotn_rehab.uuid),
               "reason": "Rehabilitering"}
    unknown = world.gp_epj.post(BASE, {**payload, "urgent": True}, format="json",
                                HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400
    assert error(unknown)["fields"] == {"urgent": ["Unknown field."]}
    read_only = world.gp_epj.post(BASE, {**payload, "status": "accepted"}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="en")
    assert error(read_only)["fields"] == {"status": ["This field is read-only."]}
    assert Referral.objects.count() == 0
    referral = refer(world)
    step = world.rve_epj.post(url(referral, "accept"), {"has_right": True, "decided_by": "x"},
                              format="json", HTTP_IF_MATCH='W/"1"', HTTP_ACCEPT_LANGUAGE="en")
    assert step.status_code == 400
    assert error(step)["fields"] == {"decided_by": ["This field is read-only."]}


@pytest.mark.django_db
def test_a_rule_the_service_enforces_is_a_400_naming_the_field(world):
    referral = refer(world)
    missing = world.rve_epj.post(url(referral, "accept"), {"has_right": True}, format="json",
                                 HTTP_IF_MATCH='W/"1"')
    assert missing.status_code == 400
    assert set(error(missing)["fields"]) == {"care_start_deadline"}
    no_reason = world.rve_epj.post(url(referral, "decline"), {"reason": " "}, format="json",
                                   HTTP_IF_MATCH='W/"1"')
    assert set(error(no_reason)["fields"]) == {"reason"}
    elsewhere = world.rve_epj.post(url(referral, "accept"), {
        "has_right": False, "allocated_service": str(factories.service(
            world.cast.tromso, "5.1").uuid)}, format="json", HTTP_IF_MATCH='W/"1"')
    assert set(error(elsewhere)["fields"]) == {"allocated_service"}
    stranger = world.gp_epj.post(BASE, {"patient": str(world.cast.bodo_only.uuid),
                                        "service": str(world.skibotn_rehab.uuid),
                                        "reason": "x"}, format="json")
    assert set(error(stranger)["fields"]) == {"patient"}
    assert Referral.objects.get(pk=referral.pk).version == 1


# -- Filters ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_list_filters_by_status_receiver_service_patient_and_overdue(world):
    waiting = accept(world, refer(world))
    late = refer(world, service=world.skibotn_rehab)
    Referral.objects.filter(pk=late.pk).update(assessment_due=TODAY() - datetime.timedelta(days=1))
    client = world.rve_epj
    assert uuids(client.get(BASE, {"status": "accepted"})) == {str(waiting.uuid)}
    assert uuids(client.get(BASE, {"status": ["accepted", "received"]})) == {
        str(waiting.uuid), str(late.uuid)}
    assert uuids(client.get(BASE, {"receiver": str(world.rve.uuid)})) == {
        str(waiting.uuid), str(late.uuid)}
    assert uuids(client.get(BASE, {"service": str(world.skibotn_rehab.uuid)})) == {
        str(late.uuid)}
    assert uuids(client.get(BASE, {"patient": str(world.cast.shared.uuid)})) == set()
    assert uuids(client.get(BASE, {"overdue": "true"})) == {str(late.uuid)}
    assert uuids(client.get(BASE, {"overdue": "false"})) == {str(waiting.uuid)}
    assert client.get(BASE, {"overdue": "later"}).status_code == 400
    assert client.get(BASE, {"status": "lost"}).status_code == 400


# -- Needs assessments -------------------------------------------------------------------------

ASSESSMENTS = "/api/v1/needs-assessments/"


@pytest.mark.django_db
def test_a_needs_assessment_is_drafted_suggested_and_completed_with_an_override(world):
    created = world.gp_epj.post(ASSESSMENTS, {
        "patient": str(world.patient.uuid), "patient_goals": "Gå til butikken selv",
        "barthel_index": 70, "modified_rankin": 3,
        "domain_scores": [{"domain": "mobility", "difficulty": 2, "note": "Rullator"}]},
        format="json")
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["status"], draft["number"], draft["suggested_level"]) == ("draft", 1, "3")
    assert draft["suggestion_reason"]
    assert [(d["domain"], d["difficulty"], d["note"]) for d in draft["domain_scores"]] == [
        ("mobility", 2, "Rullator")]
    path = f"{ASSESSMENTS}{draft['uuid']}/"
    assert created["Location"].endswith(path)

    assert world.gp_epj.patch(path, {"barthel_index": 25}, format="json").status_code == 428
    changed = world.gp_epj.patch(path, {"barthel_index": 25, "modified_rankin": 4},
                                 format="json", HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 200, changed.content
    assert changed.json()["suggested_level"] == "5.1"
    assert changed.json()["domain_scores"][0]["difficulty"] == 2  # kept

    no_reason = world.gp_epj.post(f"{path}complete/", {"level": "4"}, format="json",
                                  HTTP_IF_MATCH=changed["ETag"])
    assert set(error(no_reason)["fields"]) == {"override_reason"}
    done = world.gp_epj.post(f"{path}complete/", {"level": "4", "override_reason": "Bor nær"},
                             format="json", HTTP_IF_MATCH=changed["ETag"])
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["level"], done.json()["suggested_level"],
            done.json()["overridden"]) == ("completed", "4", "5.1", True)
    kept = world.gp_epj.patch(path, {"cognition": "x"}, format="json",
                              HTTP_IF_MATCH=done["ETag"])
    assert kept.status_code == 409

    revision = world.gp_epj.post(ASSESSMENTS, {"patient": str(world.patient.uuid)},
                                 format="json")
    assert revision.status_code == 201
    assert (revision.json()["previous"], revision.json()["number"],
            revision.json()["barthel_index"]) == (draft["uuid"], 2, 25)
    assert world.gp_epj.post(ASSESSMENTS, {"patient": str(world.patient.uuid)},
                             format="json").status_code == 409


@pytest.mark.django_db
def test_a_needs_assessment_is_seen_with_the_patient_and_changed_by_its_unit(world):
    assessment = services.start_assessment(by=world.gp, patient=world.patient)
    path = f"{ASSESSMENTS}{assessment.uuid}/"
    refer(world, needs_assessment=assessment)  # the RVE sees the patient now
    assert world.rve_epj.get(path).status_code == 200
    refused = world.rve_epj.patch(path, {"cognition": "Redusert"}, format="json")
    assert refused.status_code == 403  # before If-Match: it is the GP office's assessment
    bodo = factories.api_client(world.cast.bodo, "Bodø EPJ")
    assert bodo.get(path).status_code == 404
    assert str(assessment.uuid) not in uuids(bodo.get(ASSESSMENTS))
    assert AuditEvent.objects.filter(object_type="needsassessment",
                                     object_id=str(assessment.uuid),
                                     action=AuditAction.VIEW).count() == 1
    level = world.gp_epj.patch(path, {"level": "3"}, format="json", HTTP_IF_MATCH='W/"1"',
                               HTTP_ACCEPT_LANGUAGE="en")
    assert error(level)["fields"] == {"level": ["This field is read-only."]}
    bad = world.gp_epj.patch(path, {"barthel_index": 101, "domain_scores": [
        {"domain": "flying", "difficulty": 9}]}, format="json", HTTP_IF_MATCH='W/"1"')
    assert bad.status_code == 400
    assert set(error(bad)["fields"]) == {"barthel_index", "domain_scores.0.domain",
                                         "domain_scores.0.difficulty"}
    assert NeedsAssessment.objects.get(pk=assessment.pk).version == 1
    empty = world.gp_epj.patch(path, {}, format="json", HTTP_IF_MATCH='W/"1"')
    assert empty.status_code == 400


@pytest.mark.django_db
def test_an_assessment_of_another_patients_admission_is_refused(world, cast):
    stay = factories.admit(cast)
    planner_epj = factories.api_client(cast.unn, "DIPS UNN")
    pathways.grant_care_relationship(world.patient, cast.unn, "admission", by=cast.planner)
    response = planner_epj.post(ASSESSMENTS, {"patient": str(world.patient.uuid),
                                              "admission": str(stay.uuid)}, format="json")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"admission"}
    assert NeedsAssessment.objects.count() == 0


@pytest.mark.django_db
def test_a_kes_staff_member_keeps_the_municipalitys_lists(cast, api):
    service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    referral = services.refer(by=cast.ke_tromso, patient=cast.tromso_only, service=service,
                              reason="Hverdagsrehabilitering")
    services.accept(referral, by=cast.ke_tromso)
    ke = api(cast.ke_tromso)
    assert uuids(ke.get("/api/v1/waiting-lists/", {"service": str(service.uuid)})) == {
        str(referral.uuid)}
    entry = ke.get(f"/api/v1/waiting-lists/{referral.uuid}/")
    assert entry.status_code == 200
    assert "ETag" not in entry
    assert api(cast.planner).get(f"/api/v1/waiting-lists/{referral.uuid}/").status_code == 404
    coordinator = factories.user("kari_k", cast.tromso, Role.COORDINATOR)
    assert uuids(api(coordinator).get("/api/v1/waiting-lists/")) == set()
