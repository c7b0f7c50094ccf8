"""The referral in FHIR R4: ServiceRequest (what is asked of whom), Task (the receiving unit's
assessment, its deadline and the date care must start) and the needs assessment's scores as an
Observation; each validated with fhir.resources, scoped and audited as the REST API."""

import datetime

import pytest
from django.utils import timezone

from fhir_api import mapping as m
from referrals import services
from referrals.models import FunctionDomain, Referral, ReferralStatus
from registry.models import AuditAction, AuditEvent, ServiceLevel
from tests import factories
from tests.referrals.conftest import referral_world

from .conftest import FHIR_JSON, ids, validate, validate_bundle

BASE = "/fhir/r4/"
LOINC = "http://loinc.org"


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def rw(cast):
    """The referral world (tests/referrals/conftest.py) with the EPJ systems of the GP office,
    the RVE, the institutions and Bodø."""
    world = referral_world(cast)
    world.cast = cast
    for name, organization in (("gp_epj", world.gp_office), ("rve_epj", world.rve),
                               ("valnesfjord_epj", world.valnesfjord),
                               ("skibotn_epj", world.skibotn), ("bodo_epj", cast.bodo)):
        setattr(world, name, factories.api_client(organization, name))
    return world


def assessed(rw, *, complete=False):
    """The GP's needs assessment of the patient: goals, Barthel 25, Rankin 4 (suggesting 5.1),
    mobility moderately hard, potential good."""
    draft = services.start_assessment(by=rw.gp, patient=rw.patient)
    draft = services.save_assessment(
        draft, by=rw.gp, changes={"patient_goals": "Gå til butikken", "barthel_index": 25,
                                  "modified_rankin": 4, "rehabilitation_potential": "good",
                                  "potential_note": "Motivert"},
        scores={FunctionDomain.objects.get(code="mobility").pk: (2, "Rullator")})
    if complete:
        draft = services.complete_assessment(draft, by=rw.gp,
                                             level=ServiceLevel.objects.get(code="5.1"))
    return draft


def refer(rw, **fields):
    return services.refer(by=rw.gp, patient=rw.patient, service=rw.valnesfjord_rehab,
                          reason="Intensiv rehabilitering etter hjerneslag", **fields)


def accept(rw, referral, **fields):
    return services.accept(referral, by=rw.rve_assessor, has_right=True,
                           care_start_deadline=later(60), expected_start=later(21),
                           allocated_service=rw.valnesfjord_rehab, **fields)


def read(client, path) -> dict:
    response = client.get(f"{BASE}{path}", HTTP_ACCEPT=FHIR_JSON)
    assert response.status_code == 200, (path, response.content)
    resource = response.json()
    validate(resource)
    return resource


def search(client, query) -> dict:
    response = client.get(f"{BASE}{query}")
    assert response.status_code == 200, (query, response.content)
    bundle = response.json()
    validate_bundle(bundle)
    return bundle


@pytest.mark.django_db
def test_an_accepted_referral_reads_as_a_service_request_with_its_assessment_task(rw):
    assessment = assessed(rw, complete=True)
    referral = accept(rw, refer(rw, needs_assessment=assessment))

    request = read(rw.rve_epj, f"ServiceRequest/{referral.uuid}")
    assert (request["status"], request["intent"]) == ("active", "order")
    assert request["meta"]["versionId"] == "2"
    assert request["subject"]["reference"] == f"Patient/{rw.patient.uuid}"
    assert request["requester"]["reference"] == f"Organization/{rw.gp_office.uuid}"
    # The receiving unit, and the institution where it gave the patient a place.
    assert [p["reference"] for p in request["performer"]] == [
        f"Organization/{rw.rve.uuid}", f"Organization/{rw.valnesfjord.uuid}"]
    assert request["code"]["coding"][0] == {"system": m.SERVICE_LEVEL_SYSTEM, "code": "5.1",
                                            "display": request["code"]["coding"][0]["display"]}
    assert request["code"]["text"] == rw.valnesfjord_rehab.name
    assert request["reasonCode"] == [{"text": "Intensiv rehabilitering etter hjerneslag"}]
    assert request["supportingInfo"][0]["reference"] == f"Observation/{assessment.uuid}"
    assert request["occurrenceDateTime"] == later(21).isoformat()
    assert request["authoredOn"] == m.instant(referral.received_at)

    task = read(rw.rve_epj, f"Task/referral-{referral.uuid}")
    assert (task["status"], task["intent"]) == ("completed", "order")
    assert task["businessStatus"]["coding"] == [{
        "system": m.REFERRAL_STATUS_SYSTEM, "code": "accepted", "display": "Accepted, waiting"}]
    assert task["code"]["coding"][0]["code"] == "assess-referral"
    assert task["focus"] == {"reference": f"ServiceRequest/{referral.uuid}"}
    assert task["basedOn"] == [{"reference": f"ServiceRequest/{referral.uuid}"}]
    assert task["owner"]["reference"] == f"Organization/{rw.rve.uuid}"
    assert task["requester"]["reference"] == f"Organization/{rw.gp_office.uuid}"
    # The two deadlines: assessed within 10 working days, care to start by the date set.
    assert task["restriction"]["period"]["end"] == referral.assessment_due.isoformat()
    inputs = {i["type"]["coding"][0]["code"]: i for i in task["input"]}
    assert inputs["care-start-deadline"]["valueDate"] == later(60).isoformat()
    outputs = {o["type"]["coding"][0]["code"]: o for o in task["output"]}
    assert outputs["right-to-necessary-care"]["valueBoolean"] is True
    assert outputs["expected-start"]["valueDate"] == later(21).isoformat()
    assert task["executionPeriod"] == {"start": m.instant(referral.received_at),
                                       "end": m.instant(referral.decided_at)}


@pytest.mark.django_db
def test_the_needs_assessment_reads_as_an_observation_with_its_scores(rw):
    assessment = assessed(rw, complete=True)
    refer(rw, needs_assessment=assessment)
    for client in (rw.gp_epj, rw.rve_epj):  # its unit, and the unit the referral went to
        observation = read(client, f"Observation/{assessment.uuid}")
    assert (observation["status"], observation["meta"]["versionId"]) == (
        "final", str(assessment.version))
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["performer"] == [{"reference": f"Organization/{rw.gp_office.uuid}",
                                         "display": rw.gp_office.name}]
    assert observation["issued"] == m.instant(assessment.completed_at)
    components = {c["code"]["coding"][0]["code"]: c for c in observation["component"]}
    assert components["96761-2"]["code"]["coding"][0]["system"] == LOINC
    assert components["96761-2"]["valueInteger"] == 25
    assert components["75859-9"]["valueInteger"] == 4
    assert components["mobility"]["valueCodeableConcept"]["coding"][0]["code"] == "2"
    assert components["rehabilitation-potential"]["valueCodeableConcept"]["coding"][0][
        "code"] == "good"
    assert observation["note"] == [{"text": "Motivert"}]
    assert "dataAbsentReason" not in observation

    # A revision is derived from the version it revises; a draft with nothing scored yet
    # says so.
    revision = services.start_assessment(by=rw.gp, patient=rw.patient)
    revised = read(rw.gp_epj, f"Observation/{revision.uuid}")
    assert revised["status"] == "preliminary"
    assert revised["derivedFrom"][0]["reference"] == f"Observation/{assessment.uuid}"
    fresh = services.start_assessment(by=rw.cast.ke_bodo, patient=rw.cast.bodo_only)
    empty = read(rw.bodo_epj, f"Observation/{fresh.uuid}")
    assert "component" not in empty
    assert empty["dataAbsentReason"]["coding"][0]["code"] == "not-performed"


def _information_requested(rw):
    return services.request_information(refer(rw), by=rw.rve_assessor, question="Epikrise?")


def _started(rw):
    referral = accept(rw, refer(rw))
    return services.record_start(referral, by=rw.valnesfjord_assessor)


def _forwarded(rw):
    services.forward(refer(rw), by=rw.rve_assessor, to_service=rw.skibotn_rehab,
                     reason="Passer bedre")
    return Referral.objects.get(status=ReferralStatus.FORWARDED)


def _declined(rw):
    return services.decline(refer(rw), by=rw.rve_assessor, reason="Ikke behov")


def _withdrawn_before(rw):
    return services.withdraw(refer(rw), by=rw.gp, reason="referrer_withdrew")


def _withdrawn_after(rw):
    return services.withdraw(accept(rw, refer(rw)), by=rw.gp, reason="patient_declined",
                             note="Ønsker ikke opphold nå")


# referral state → (ServiceRequest.status, Task.status, Task.statusReason)
STATES = {
    "received": (refer, "active", "received", None),
    "information_requested": (_information_requested, "active", "on-hold", None),
    "accepted": (lambda rw: accept(rw, refer(rw)), "active", "completed", None),
    "started": (_started, "completed", "completed", None),
    "forwarded": (_forwarded, "revoked", "completed", "Passer bedre"),
    "declined": (_declined, "revoked", "completed", "Ikke behov"),
    "withdrawn before a decision": (_withdrawn_before, "revoked", "cancelled",
                                    "The referrer withdrew the referral"),
    "withdrawn after acceptance": (_withdrawn_after, "revoked", "completed",
                                   "The patient declined: Ønsker ikke opphold nå"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_each_state_maps_to_the_request_and_task_status_and_is_found_by_it(rw, state):
    make, request_status, task_status, reason = STATES[state]
    referral = make(rw)
    request = read(rw.gp_epj, f"ServiceRequest/{referral.uuid}")
    task = read(rw.gp_epj, f"Task/referral-{referral.uuid}")
    assert (request["status"], task["status"]) == (request_status, task_status)
    assert task["businessStatus"]["coding"][0]["code"] == referral.status
    assert task.get("statusReason", {}).get("text") == reason
    assert str(referral.uuid) in ids(search(
        rw.gp_epj, f"ServiceRequest?status={request_status}&patient={rw.patient.uuid}"))
    assert f"referral-{referral.uuid}" in ids(search(
        rw.gp_epj, f"Task?status={task_status}&code=assess-referral"))
    other = "completed" if request_status != "completed" else "active"
    assert str(referral.uuid) not in ids(search(rw.gp_epj, f"ServiceRequest?status={other}"))


@pytest.mark.django_db
def test_a_forwarded_referral_is_replaced_by_the_new_request(rw):
    onward = services.forward(refer(rw), by=rw.rve_assessor, to_service=rw.skibotn_rehab,
                              reason="Passer bedre")
    request = read(rw.skibotn_epj, f"ServiceRequest/{onward.uuid}")
    assert request["replaces"][0]["reference"] == f"ServiceRequest/{onward.forwarded_from.uuid}"
    assert request["performer"][0]["reference"] == f"Organization/{rw.skibotn.uuid}"
    task = read(rw.skibotn_epj, f"Task/referral-{onward.uuid}")
    # The new unit's deadline runs from the original receipt.
    assert task["restriction"]["period"]["end"] == onward.assessment_due.isoformat()
    assert task["owner"]["reference"] == f"Organization/{rw.skibotn.uuid}"


@pytest.mark.django_db
def test_the_note_carries_the_questions_answers_and_the_decision(rw):
    referral = services.request_information(refer(rw), by=rw.rve_assessor,
                                            question="Siste epikrise?")
    referral = services.give_information(referral, by=rw.gp, reply="Vedlagt")
    referral = services.decline(referral, by=rw.rve_assessor, reason="Ikke behov")
    notes = read(rw.gp_epj, f"ServiceRequest/{referral.uuid}")["note"]
    assert [(n["authorString"], n["text"]) for n in notes] == [
        (rw.rve.name, "Siste epikrise?"), (rw.gp_office.name, "Vedlagt"),
        (rw.rve.name, "Ikke behov")]


@pytest.mark.django_db
def test_another_organisation_finds_nothing_and_an_institution_only_its_own(rw):
    assessment = assessed(rw)
    via_rve = accept(rw, refer(rw, needs_assessment=assessment))
    factories.relate(rw.patient, rw.cast.unn, rw.gp)
    direct = services.refer(by=rw.cast.planner, patient=rw.patient, service=rw.skibotn_rehab,
                            reason="Direkte fra sykehuset")
    for path in (f"ServiceRequest/{via_rve.uuid}", f"Task/referral-{via_rve.uuid}",
                 f"Observation/{assessment.uuid}"):
        response = rw.bodo_epj.get(f"{BASE}{path}")
        assert response.status_code == 404, path
        validate(response.json())
    for query in ("ServiceRequest", "Task", "Observation"):
        assert ids(search(rw.bodo_epj, query)) == set()
    assert ids(search(rw.valnesfjord_epj, "ServiceRequest")) == {str(via_rve.uuid)}
    assert ids(search(rw.skibotn_epj, "ServiceRequest")) == {str(direct.uuid)}
    assert ids(search(rw.skibotn_epj, "Task?code=assess-referral")) == {
        f"referral-{direct.uuid}"}
    assert rw.skibotn_epj.get(f"{BASE}ServiceRequest/{via_rve.uuid}").status_code == 404
    # The patient's assessment is seen with the patient.
    assert str(assessment.uuid) in ids(search(rw.skibotn_epj,
                                              f"Observation?patient={rw.patient.uuid}"))


@pytest.mark.django_db
def test_reads_and_searches_are_audited(rw):
    assessment = assessed(rw)
    referral = refer(rw, needs_assessment=assessment)
    read(rw.rve_epj, f"ServiceRequest/{referral.uuid}")
    search(rw.rve_epj, "Task?code=assess-referral")
    search(rw.rve_epj, f"Observation?patient={rw.patient.uuid}&status=preliminary")
    user = rw.rve_epj.api_client.user
    events = AuditEvent.objects.filter(user=user, action=AuditAction.VIEW)
    assert sorted(events.values_list("object_type", "object_id", "detail")) == sorted([
        ("referral", str(referral.uuid), "fhir read"),
        ("task", f"referral-{referral.uuid}", "fhir search"),
        ("needsassessment", str(assessment.uuid), "fhir search"),
    ])
    assert all(event.patient_uuid == rw.patient.uuid for event in events)


@pytest.mark.django_db
def test_the_capability_statement_lists_the_referral_resources(api_client):
    statement = api_client.get(f"{BASE}metadata").json()
    validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for resource_type in ("ServiceRequest", "Observation"):
        params = {p["name"] for p in resources[resource_type]["searchParam"]}
        assert {"_id", "_lastUpdated", "patient", "status"} <= params
        assert {i["code"] for i in resources[resource_type]["interaction"]} == {
            "read", "search-type"}
        assert "coordination:read" in resources[resource_type]["documentation"]
    task_codes = next(p for p in resources["Task"]["searchParam"] if p["name"] == "code")
    assert "assess-referral" in task_codes["documentation"]


@pytest.mark.django_db
def test_a_bad_status_or_code_is_a_400_naming_it(rw):
    for query, name in (("ServiceRequest?status=draft", "status"),
                        ("Observation?status=amended", "status"),
                        ("Task?code=assess-everything", "code")):
        response = rw.gp_epj.get(f"{BASE}{query}")
        assert response.status_code == 400, query
        outcome = response.json()
        validate(outcome)
        assert outcome["issue"][0]["expression"] == [name]


@pytest.mark.django_db
def test_the_tasks_of_three_kinds_walk_in_one_order(rw, cast):
    """A hospital's EPJ sees its admissions' notices and its referrals' assessments as one
    list of Tasks, each once, however the walk is cut."""
    unn_epj = factories.api_client(cast.unn, "DIPS UNN")
    factories.admit(cast)
    factories.relate(rw.patient, cast.unn, rw.gp)
    referrals = [services.refer(by=cast.planner, patient=rw.patient, service=service,
                                reason="Direkte") for service in (rw.valnesfjord_rehab,
                                                                  rw.skibotn_rehab)]
    everything = search(unn_epj, "Task?_count=200")
    expected = [entry["resource"]["id"] for entry in everything["entry"]]
    assert {f"referral-{r.uuid}" for r in referrals} <= set(expected)
    walked, query = [], "Task?_count=1"
    while query:
        bundle = search(unn_epj, query)
        walked += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        query = following[0].split(BASE, 1)[1] if following else None
    assert len(walked) == 3  # the notice to send, and the two referrals to assess
    assert walked == expected
