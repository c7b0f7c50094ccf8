"""Every resource type reads and searches as valid FHIR R4, in the caller's scope."""

import datetime
from urllib.parse import urlencode

import pytest

from pathways.models import Admission
from registry.models import AuditEvent

from .conftest import FHIR_JSON, ids, system, validate, validate_bundle

BASE = "/fhir/r4/"


def expected_ids(cast, world) -> dict[str, str]:
    """One resource id per type that Tromsø's EPJ system may see."""
    from fhir_api import mapping

    return {
        "Patient": str(cast.shared.uuid),
        "Organization": str(cast.unn.uuid),
        "Encounter": str(world.admission.uuid),
        "Communication": str(world.notice.uuid),
        "Task": mapping.notice_task_id(world.admission),
        "CarePlan": str(world.plan.uuid),
        "Goal": str(world.goal.uuid),
        "CareTeam": str(world.plan.uuid),
        "Appointment": str(world.meeting.uuid),
        "AppointmentResponse": str(world.ke_participant.uuid),
    }


@pytest.mark.django_db
def test_it_reads_and_searches_every_resource_type_as_valid_fhir(cast, world, tromso_epj):
    for resource_type, resource_id in expected_ids(cast, world).items():
        response = tromso_epj.get(f"{BASE}{resource_type}/{resource_id}",
                                  HTTP_ACCEPT=FHIR_JSON)
        assert response.status_code == 200, (resource_type, response.content)
        assert response["Content-Type"].startswith(FHIR_JSON)
        resource = response.json()
        assert resource["resourceType"] == resource_type
        assert resource["id"] == resource_id
        validate(resource)

        bundle = tromso_epj.get(f"{BASE}{resource_type}").json()
        assert bundle["type"] == "searchset", resource_type
        validate_bundle(bundle)
        assert resource_id in ids(bundle), resource_type
        assert bundle["total"] == len(bundle["entry"])
        for entry in bundle["entry"]:
            assert entry["fullUrl"].endswith(f"/fhir/r4/{resource_type}/{entry['resource']['id']}")


@pytest.mark.django_db
def test_it_maps_the_patient_with_the_norwegian_identifier_systems(cast, world, tromso_epj):
    patient = tromso_epj.get(f"{BASE}Patient/{cast.shared.uuid}").json()
    assert patient["identifier"] == [{"use": "official",
                                      "system": "urn:oid:2.16.578.1.12.4.1.4.1",
                                      "value": cast.shared.identity_number}]
    assert patient["name"][0]["family"] == "Aune"
    assert patient["birthDate"] == cast.shared.birth_date.isoformat()
    code = patient["address"][0]["extension"][0]["valueCoding"]
    assert code == {"system": "urn:oid:2.16.578.1.12.4.1.1.3402", "code": "5501",
                    "display": "Tromsø"}


@pytest.mark.django_db
def test_a_d_number_has_its_own_system(cast, tromso_epj):
    from tests import factories

    number = factories.identity_number(d_number=True)
    from pathways import services

    patient = services.register_patient(
        by=cast.ke_tromso, identity_number=number, given_name="Dina", family_name="Dahl",
        birth_date=datetime.date(1950, 3, 14), municipality=cast.tromso)
    resource = tromso_epj.get(f"{BASE}Patient/{patient.uuid}").json()
    validate(resource)
    assert resource["identifier"][0]["system"] == "urn:oid:2.16.578.1.12.4.1.4.2"


@pytest.mark.django_db
def test_it_maps_organisations_with_orgnr_her_id_and_municipality_number(cast, tromso_epj):
    cast.unn.her_id = "8765432"
    cast.unn.save()
    unn = tromso_epj.get(f"{BASE}Organization/{cast.unn.uuid}").json()
    validate(unn)
    assert {"use": "official", "system": "urn:oid:2.16.578.1.12.4.1.4.101",
            "value": cast.unn.orgnr} in unn["identifier"]
    assert {"system": "urn:oid:2.16.578.1.12.4.1.2", "value": "8765432"} in unn["identifier"]
    assert unn["partOf"]["reference"] == f"Organization/{cast.unn_hf.uuid}"
    tromso = tromso_epj.get(f"{BASE}Organization/{cast.tromso.uuid}").json()
    assert {"system": "urn:oid:2.16.578.1.12.4.1.1.3402", "value": "5501"} \
        in tromso["identifier"]


@pytest.mark.django_db
def test_a_discharged_encounter_carries_the_discharge_disposition(cast, world, tromso_epj):
    from pathways import services
    from registry.models import ServiceLevel

    services.discharge_patient(world.admission, by=cast.planner,
                               destination="municipal_rehabilitation",
                               discharge_level=ServiceLevel.objects.get(code="3"))
    encounter = tromso_epj.get(f"{BASE}Encounter/{world.admission.uuid}").json()
    validate(encounter)
    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == "IMP"
    disposition = encounter["hospitalization"]["dischargeDisposition"]
    assert disposition["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
        "code": "rehab", "display": "Rehabilitation"}
    assert "end" in encounter["period"]
    assert encounter["serviceProvider"]["reference"] == f"Organization/{cast.unn.uuid}"


@pytest.mark.django_db
def test_goal_is_expressed_by_the_patient_and_the_plan_links_its_parts(cast, world,
                                                                      tromso_epj):
    goal = tromso_epj.get(f"{BASE}Goal/{world.goal.uuid}").json()
    patient_ref = f"Patient/{cast.tromso_only.uuid}"
    assert goal["expressedBy"]["reference"] == patient_ref
    assert goal["description"]["text"] == "Gå tur med hunden selv"
    assert "dueDate" in goal["target"][0]
    plan = tromso_epj.get(f"{BASE}CarePlan/{world.plan.uuid}").json()
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["goal"] == [{"reference": f"Goal/{world.goal.uuid}"}]
    assert plan["activity"][0]["detail"]["goal"] == [{"reference": f"Goal/{world.goal.uuid}"}]
    team = tromso_epj.get(f"{BASE}CareTeam/{world.plan.uuid}").json()
    members = [p["member"] for p in team["participant"]]
    assert {"display": "Kora Koordinator"} in members
    assert any(m.get("reference") == patient_ref for m in members)
    assert team["managingOrganization"][0]["reference"] == f"Organization/{cast.tromso.uuid}"


@pytest.mark.django_db
def test_tasks_follow_the_notice_deadline_and_the_municipal_answer(cast, world, tromso_epj):
    from fhir_api import mapping

    notice = tromso_epj.get(f"{BASE}Task/{mapping.notice_task_id(world.admission)}").json()
    assert notice["status"] == "completed"
    assert notice["restriction"]["period"]["end"] == mapping.instant(
        world.admission.notification_deadline)
    answer = tromso_epj.get(f"{BASE}Task/{mapping.answer_task_id(world.declaration)}").json()
    validate(answer)
    assert answer["status"] == "completed"
    assert answer["owner"]["reference"] == f"Organization/{cast.tromso.uuid}"
    requested = tromso_epj.get(f"{BASE}Task?status=requested").json()
    assert requested["total"] == 0
    completed = tromso_epj.get(f"{BASE}Task?status=completed&code=answer-ready-for-discharge")
    assert ids(completed.json()) == {mapping.answer_task_id(world.declaration)}


@pytest.mark.django_db
def test_appointment_and_responses_show_who_accepted(cast, world, tromso_epj):
    appointment = tromso_epj.get(f"{BASE}Appointment/{world.meeting.uuid}").json()
    assert appointment["status"] == "booked"
    statuses = {p["actor"].get("reference"): p["status"] for p in appointment["participant"]}
    assert statuses[f"Organization/{cast.tromso.uuid}"] == "accepted"
    assert statuses[f"Patient/{cast.shared.uuid}"] == "needs-action"
    bundle = tromso_epj.get(
        f"{BASE}AppointmentResponse?appointment=Appointment/{world.meeting.uuid}"
        "&part-status=accepted").json()
    validate_bundle(bundle)
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["participantStatus"] == "accepted"


@pytest.mark.django_db
def test_communication_is_the_early_notification(cast, world, tromso_epj):
    resource = tromso_epj.get(f"{BASE}Communication/{world.notice.uuid}").json()
    assert resource["status"] == "completed"
    assert resource["encounter"]["reference"] == f"Encounter/{world.admission.uuid}"
    assert resource["sender"]["reference"] == f"Organization/{cast.unn.uuid}"
    assert resource["recipient"][0]["reference"] == f"Organization/{cast.tromso.uuid}"
    sections = {p["extension"][0]["valueCode"]: p["contentString"] for p in resource["payload"]}
    assert sections["expected_course"] == "Bedring over uker"
    assert sections["barthel_index"] == "55"


# -- scope ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_another_organisations_patient_is_404_and_missing_from_search(cast, world):
    bodo = system(cast.bodo)
    assert bodo.get(f"{BASE}Patient/{cast.shared.uuid}").status_code == 404
    response = bodo.get(f"{BASE}Encounter/{world.admission.uuid}")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert bodo.get(f"{BASE}CarePlan/{world.plan.uuid}").status_code == 404
    patients = bodo.get(f"{BASE}Patient").json()
    assert ids(patients) == {str(cast.bodo_only.uuid)}
    assert bodo.get(f"{BASE}Encounter").json()["total"] == 0
    by_patient = bodo.get(f"{BASE}Encounter?patient=Patient/{cast.shared.uuid}").json()
    assert by_patient["total"] == 0


@pytest.mark.django_db
def test_a_client_without_coordination_read_gets_403_on_careplan(cast, world):
    client = system(cast.tromso, scopes=["patients:read", "pathways:read", "registry:read"])
    response = client.get(f"{BASE}CarePlan/{world.plan.uuid}")
    assert response.status_code == 403
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert "coordination:read" in outcome["issue"][0]["diagnostics"]
    assert client.get(f"{BASE}Goal").status_code == 403
    assert client.get(f"{BASE}Encounter/{world.admission.uuid}").status_code == 200


@pytest.mark.django_db
def test_anonymous_is_401_but_metadata_is_public(cast, world, api_client):
    response = api_client.get(f"{BASE}Patient")
    assert response.status_code == 401
    validate(response.json())
    metadata = api_client.get(f"{BASE}metadata")
    assert metadata.status_code == 200
    statement = metadata.json()
    validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    # The patient-bearing types and the catalogue, the referrals' (tests/fhir/
    # test_referral_resources.py) and the indicators' aggregates (tests/indicators/test_fhir.py).
    assert set(resources) == set(expected_ids(cast, world)) | {
        "ServiceRequest", "Observation", "Measure", "MeasureReport"}
    assert {i["code"] for i in resources["Encounter"]["interaction"]} == {
        "read", "search-type", "create"}
    assert {i["code"] for i in resources["Patient"]["interaction"]} == {"read", "search-type"}


@pytest.mark.django_db
def test_a_malformed_or_unknown_id_is_404(cast, world, tromso_epj):
    for path in ("Patient/not-a-uuid", "Encounter/00000000-0000-0000-0000-000000000000",
                 "Task/notice-xyz", "Task/bogus", "AppointmentResponse/abc",
                 f"AppointmentResponse/{world.ke_participant.pk}",  # the database id
                 "Nonsense/123", "Patient/a$b"):
        response = tromso_epj.get(f"{BASE}{path}")
        assert response.status_code == 404, path
        assert response.json()["resourceType"] == "OperationOutcome", path


@pytest.mark.django_db
def test_reads_and_searches_are_audited(cast, world, tromso_epj):
    before = AuditEvent.objects.count()
    tromso_epj.get(f"{BASE}Encounter/{world.admission.uuid}")
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.object_id, event.patient_uuid) == (
        "admission", str(world.admission.uuid), cast.shared.uuid)
    assert event.via == "api"
    tromso_epj.get(f"{BASE}Patient")
    assert AuditEvent.objects.count() == before + 1 + 2  # the read, then two patients
    tromso_epj.get(f"{BASE}AppointmentResponse/{world.ke_participant.uuid}")
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.object_id) == (
        "meetingparticipant", str(world.ke_participant.uuid))


# -- search parameters -------------------------------------------------------------------------

@pytest.mark.django_db
def test_search_by_patient_status_and_last_updated(cast, world, tromso_epj):
    other = Admission.objects.get(pk=world.admission.pk)
    url = f"{BASE}Encounter"
    assert ids(tromso_epj.get(f"{url}?patient={cast.shared.uuid}").json()) == {
        str(other.uuid)}
    assert tromso_epj.get(f"{url}?patient=Patient/{cast.tromso_only.uuid}").json()["total"] == 0
    assert tromso_epj.get(f"{url}?status=in-progress").json()["total"] == 1
    assert tromso_epj.get(f"{url}?status=finished").json()["total"] == 0
    assert tromso_epj.get(f"{url}?status=finished,in-progress").json()["total"] == 1
    assert tromso_epj.get(f"{url}?_lastUpdated=ge2020-01-01").json()["total"] == 1
    assert tromso_epj.get(f"{url}?_lastUpdated=lt2020-01-01").json()["total"] == 0
    assert tromso_epj.get(f"{url}?_lastUpdated=gt2020-01-01T00:00:00Z").json()["total"] == 1
    plans = tromso_epj.get(f"{BASE}CarePlan?status=active&patient={cast.tromso_only.uuid}")
    assert ids(plans.json()) == {str(world.plan.uuid)}
    assert tromso_epj.get(f"{BASE}CarePlan?status=completed").json()["total"] == 0
    goals = tromso_epj.get(f"{BASE}Goal?lifecycle-status=accepted").json()
    assert ids(goals) == {str(world.goal.uuid)}


@pytest.mark.django_db
def test_search_by_identifier_with_post_search(cast, world, tromso_epj):
    number = cast.shared.identity_number
    response = tromso_epj.generic(
        "POST", f"{BASE}Patient/_search",
        urlencode({"identifier": f"urn:oid:2.16.578.1.12.4.1.4.1|{number}"}),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert ids(response.json()) == {str(cast.shared.uuid)}
    assert tromso_epj.get(f"{BASE}Patient/_search").status_code == 405
    wrong_system = tromso_epj.get(
        f"{BASE}Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.2|{number}").json()
    assert wrong_system["total"] == 0
    # Outside the caller's scope: not found, like an unknown number.
    bodo = system(cast.bodo)
    assert bodo.get(f"{BASE}Patient?identifier={number}").json()["total"] == 0
    orgs = tromso_epj.get(
        f"{BASE}Organization?identifier=urn:oid:2.16.578.1.12.4.1.4.101|{cast.unn.orgnr}")
    assert ids(orgs.json()) == {str(cast.unn.uuid)}
    municipality = tromso_epj.get(
        f"{BASE}Organization?identifier=urn:oid:2.16.578.1.12.4.1.1.3402|1804")
    assert ids(municipality.json()) == {str(cast.bodo.uuid)}


@pytest.mark.django_db
def test_paging_follows_next_links(cast, world, tromso_epj):
    first = tromso_epj.get(f"{BASE}Organization?_count=2").json()
    assert first["total"] == 5 and len(first["entry"]) == 2
    seen = ids(first)
    link = {link["relation"]: link["url"] for link in first["link"]}
    while "next" in link:
        page = tromso_epj.get(link["next"]).json()
        validate_bundle(page)
        seen |= ids(page)
        link = {link["relation"]: link["url"] for link in page["link"]}
    assert len(seen) == 5
    assert tromso_epj.get(f"{BASE}Organization?_count=1000").json()["total"] == 5


@pytest.mark.django_db
@pytest.mark.parametrize("query, parameter", [
    ("Encounter?status=bogus", "status"),
    ("Encounter?_lastUpdated=yesterday", "_lastUpdated"),
    ("Encounter?_lastUpdated=ge2026-13-01", "_lastUpdated"),
    ("Encounter?patient=not-a-uuid", "patient"),
    ("Encounter?patient=Organization/00000000-0000-0000-0000-000000000000", "patient"),
    ("Encounter?colour=blue", "colour"),
    ("Encounter?_count=-1", "_count"),
    ("Encounter?_offset=x", "_offset"),
    ("Patient?status=active", "status"),
    ("Task?code=nothing", "code"),
])
def test_a_bad_search_parameter_is_400_naming_it(cast, tromso_epj, query, parameter):
    response = tromso_epj.get(f"{BASE}{query}")
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["expression"] == [parameter]


@pytest.mark.django_db
def test_unsupported_methods_are_405(cast, world, tromso_epj):
    assert tromso_epj.delete(f"{BASE}Encounter/{world.admission.uuid}").status_code == 405
    assert tromso_epj.put(f"{BASE}Patient/{cast.shared.uuid}", {}, format="json") \
        .status_code == 405
    response = tromso_epj.post(f"{BASE}Patient", {"resourceType": "Patient"}, format="json")
    assert response.status_code == 405
    validate(response.json())
