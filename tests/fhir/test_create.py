"""Create an Encounter (an admission) and a Communication (an early notification) through
the same services as the REST API."""

import datetime

import pytest
from django.utils import timezone

from pathways.models import Admission, CareRelationship, EarlyNotification, Patient
from registry.models import AuditAction, AuditEvent
from tests import factories

from .conftest import FHIR_JSON, admit, system, validate

BASE = "/fhir/r4/"
IMP = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}


def encounter(subject: dict, **extra) -> dict:
    start = (timezone.now() - datetime.timedelta(hours=1)).isoformat(timespec="seconds")
    return {"resourceType": "Encounter", "status": "in-progress", "class": IMP,
            "subject": subject, "period": {"start": start},
            "location": [{"location": {"display": "Slag"}}], **extra}


def post(client, path, body):
    return client.post(f"{BASE}{path}", body, format="json", HTTP_ACCEPT=FHIR_JSON)


@pytest.mark.django_db
def test_it_admits_a_patient_and_the_rest_api_shows_the_admission(cast, unn_epj):
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"},
                     serviceProvider={"reference": f"Organization/{cast.unn.uuid}"},
                     reasonCode=[{"text": "Hjerneslag"}])
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 201, response.content
    resource = response.json()
    validate(resource)
    admission = Admission.objects.get(uuid=resource["id"])
    assert response["Location"].endswith(f"/fhir/r4/Encounter/{admission.uuid}")
    assert (admission.patient, admission.hospital, admission.ward, admission.reason) == (
        cast.shared, cast.unn, cast.stroke_unit, "Hjerneslag")
    rest = unn_epj.get(f"/api/v1/admissions/{admission.uuid}/")
    assert rest.status_code == 200
    assert rest.json()["status"] == "admitted"
    read = unn_epj.get(f"{BASE}Encounter/{admission.uuid}")
    assert read.status_code == 200
    # The ward as the registry has it: its code as an identifier, its name as the display.
    assert read.json()["location"] == [{"location": {
        "identifier": {"system": "urn:rehab-portal:ward-code", "value": "SLAG"},
        "display": "Slag"}}]


@pytest.mark.django_db
@pytest.mark.parametrize("location", [
    {"identifier": {"system": "urn:rehab-portal:ward-code", "value": "slag"}},
    {"identifier": {"value": "{uuid}"}},
    {"display": "SLAG"},
])
def test_it_finds_the_ward_by_its_code_uuid_or_name(cast, unn_epj, location):
    if "identifier" in location and location["identifier"]["value"] == "{uuid}":
        location = {"identifier": {"value": str(cast.stroke_unit.uuid)}}
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"},
                     location=[{"location": location}])
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 201, response.content
    assert Admission.objects.get().ward == cast.stroke_unit


@pytest.mark.django_db
def test_an_unknown_ward_is_refused_naming_the_location(cast, unn_epj):
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"},
                     location=[{"location": {"display": "Slagenheten, nevrologisk avdeling"}}])
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 400, response.content
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Encounter.location"]
    assert "UNN Tromsø" in issue["diagnostics"]
    assert "Slagenheten, nevrologisk avdeling" in issue["diagnostics"]
    assert not Admission.objects.exists()


FNR = "urn:oid:2.16.578.1.12.4.1.4.1"


def contained_patient(number, family, given, **extra) -> dict:
    """An Encounter whose subject is a contained Patient: identifier and name as the EPJ
    system has them."""
    return encounter({"reference": "#p"}, contained=[{
        "resourceType": "Patient", "id": "p",
        "identifier": [{"system": FNR, "value": number}],
        "name": [{"family": family, "given": given}], **extra}])


@pytest.mark.django_db
def test_it_admits_by_identity_number_a_patient_registered_elsewhere(cast, unn_epj):
    number = cast.tromso_only.identity_number
    response = post(unn_epj, "Encounter", contained_patient(number, "Tindvik", ["Tor"]))
    assert response.status_code == 201, response.content
    assert response.json()["subject"]["reference"] == f"Patient/{cast.tromso_only.uuid}"


@pytest.mark.django_db
def test_it_refuses_to_link_a_patient_whose_names_differ(cast, unn_epj):
    """Patient.name is checked against the patient registered with the number: a mismatch
    is a 422 naming both name elements, audited, with nothing written."""
    patient = cast.tromso_only
    response = post(unn_epj, "Encounter",
                    contained_patient(patient.identity_number, "Tindvik", ["Kari"]))
    assert response.status_code == 422, response.content
    outcome = response.json()
    validate(outcome)
    assert {e for i in outcome["issue"] for e in i.get("expression", [])} == {
        "Encounter.contained[0].name[0].given", "Encounter.contained[0].name[0].family"}
    assert "Tor" not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.SEARCH, patient_uuid=patient.uuid,
        detail="admission by identity number refused (linked by admission): "
               "family_name, given_name").count() == 1
    assert not Admission.objects.exists()
    assert not CareRelationship.objects.filter(patient=patient,
                                               organization=cast.unn).exists()


@pytest.mark.django_db
def test_an_identifier_alone_does_not_link_a_patient_outside_scope(cast, unn_epj):
    response = post(unn_epj, "Encounter", encounter({"identifier": {
        "system": FNR, "value": cast.tromso_only.identity_number}}))
    assert response.status_code == 422, response.content
    issues = response.json()["issue"]
    assert [i["expression"] for i in issues] == [["Encounter.subject"]] * 2
    assert not Admission.objects.exists()
    assert not CareRelationship.objects.filter(patient=cast.tromso_only,
                                               organization=cast.unn).exists()


@pytest.mark.django_db
def test_it_registers_a_new_patient_from_the_contained_patient(cast, unn_epj):
    number = factories.identity_number(datetime.date(1950, 3, 1))
    body = contained_patient(number, "Nyvik", ["Nils", "Olav"], address=[{"extension": [{
        "url": "http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode",
        "valueCoding": {"system": "urn:oid:2.16.578.1.12.4.1.1.3402",
                        "code": cast.tromso.municipality_number}}]}])
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 201, response.content
    patient = Patient.objects.get(identity_number=number)
    assert (patient.given_name, patient.family_name, patient.municipality) == (
        "Nils Olav", "Nyvik", cast.tromso)


@pytest.mark.django_db
def test_a_patient_outside_scope_or_a_second_admission_is_refused(cast, unn_epj):
    hidden = post(unn_epj, "Encounter", encounter({"reference": f"Patient/{cast.bodo_only.uuid}"}))
    assert hidden.status_code == 400
    assert hidden.json()["issue"][0]["expression"] == ["Encounter.subject"]
    admit(cast)
    again = post(unn_epj, "Encounter", encounter({"reference": f"Patient/{cast.shared.uuid}"}))
    # The same refusal as REST's: a state conflict is a 409 in both.
    rest = unn_epj.post("/api/v1/admissions/", {
        "patient": str(cast.shared.uuid), "ward": "Slag",
        "admitted_at": "2026-01-05T08:00:00+01:00"}, format="json")
    assert (again.status_code, rest.status_code) == (409, 409), rest.content
    outcome = again.json()
    validate(outcome)
    assert outcome["issue"][0]["code"] == "conflict"
    assert outcome["issue"][0]["expression"] == ["Encounter.subject"]


@pytest.mark.django_db
def test_a_municipality_may_not_admit(cast, tromso_epj):
    response = post(tromso_epj, "Encounter",
                    encounter({"reference": f"Patient/{cast.shared.uuid}"},
                              serviceProvider={"reference": f"Organization/{cast.unn.uuid}"}))
    assert response.status_code == 403
    assert not Admission.objects.exists()


@pytest.mark.django_db
def test_creating_needs_the_write_scope(cast):
    reader = system(cast.unn, scopes=["pathways:read", "patients:read"])
    response = post(reader, "Encounter", encounter({"reference": f"Patient/{cast.shared.uuid}"}))
    assert response.status_code == 403
    assert "pathways:write" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.django_db
@pytest.mark.parametrize("body, expression", [
    ({"resourceType": "Encounter", "status": "nonsense", "class": IMP}, "Encounter.status"),
    ({"resourceType": "Encounter", "status": "in-progress"}, "Encounter.class"),
    ({"resourceType": "Encounter", "status": "in-progress", "class": IMP,
      "period": {"start": "yesterday"}}, "Encounter.period.start"),
    ({"resourceType": "Patient"}, "Encounter.resourceType"),
    ({"resourceType": "Encounter", "status": "in-progress", "class": IMP,
      "subject": {"reference": "Patient/x"}}, "Encounter.period.start"),
])
def test_an_invalid_encounter_is_400_naming_the_element(cast, unn_epj, body, expression):
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    assert expression in [e for i in outcome["issue"] for e in i.get("expression", [])]


@pytest.mark.django_db
def test_malformed_json_and_odd_shapes_are_400(cast, unn_epj):
    for raw in ("{not json", "[]", '"text"', "null", '{"resourceType": "Encounter", '
                '"status": "in-progress", "class": IMP}'):
        response = unn_epj.generic("POST", f"{BASE}Encounter", raw,
                                   content_type=FHIR_JSON)
        assert response.status_code == 400, (raw, response.content)
        assert response.json()["resourceType"] == "OperationOutcome"
    bad_subject = encounter({"identifier": {"value": "12345678901"}})
    assert post(unn_epj, "Encounter", bad_subject).status_code == 400


def communication(admission, status="completed", **extra):
    return {"resourceType": "Communication", "status": status,
            "encounter": {"reference": f"Encounter/{admission.uuid}"},
            "payload": [
                {"extension": [{"url": "urn:rehab-portal:notice-section",
                                "valueCode": "expected_course"}],
                 "contentString": "Bedring over uker"},
                {"extension": [{"url": "urn:rehab-portal:notice-section",
                                "valueCode": "barthel_index"}],
                 "contentString": "40"},
            ], **extra}


@pytest.mark.django_db
def test_it_sends_an_early_notification_and_the_rest_api_shows_it(cast, unn_epj, tromso_epj):
    admission = admit(cast)
    response = post(unn_epj, "Communication", communication(admission))
    assert response.status_code == 201, response.content
    resource = response.json()
    validate(resource)
    notice = EarlyNotification.objects.get(uuid=resource["id"])
    assert (notice.state, notice.expected_course, notice.barthel_index) == (
        "sent", "Bedring over uker", 40)
    assert resource["status"] == "completed" and resource["sent"]
    rest = tromso_epj.get(f"/api/v1/early-notifications/{notice.uuid}/")
    assert rest.status_code == 200
    assert rest.json()["barthel_index"] == 40
    # A later one is a change unless it says otherwise; calling it new is a business
    # rule broken, 422, and nothing is sent.
    wrong = post(unn_epj, "Communication", communication(admission, extension=[
        {"url": "urn:rehab-portal:message-status", "valueCode": "new"}]))
    assert wrong.status_code == 422, wrong.content
    assert EarlyNotification.objects.filter(admission__uuid=admission.uuid).count() == 1
    again = post(unn_epj, "Communication", communication(admission))
    assert again.status_code == 201, again.content
    later = EarlyNotification.objects.get(uuid=again.json()["id"])
    assert (later.sequence, later.message_status) == (2, "change")


@pytest.mark.django_db
def test_a_draft_is_saved_then_updated_and_only_the_hospital_sees_it(cast, unn_epj,
                                                                      tromso_epj):
    admission = admit(cast)
    first = post(unn_epj, "Communication", communication(admission, status="preparation"))
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "preparation"
    second = post(unn_epj, "Communication", communication(admission, status="preparation"))
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert tromso_epj.get(f"{BASE}Communication/{first.json()['id']}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("change, expression", [
    ({"status": "in-progress"}, "Communication.status"),
    ({"encounter": None}, "Communication.encounter"),
    ({"encounter": {"reference": "Encounter/00000000-0000-0000-0000-000000000000"}},
     "Communication.encounter"),
    ({"payload": [{"contentString": "x"}]}, "Communication.payload[0].extension"),
    ({"payload": [{"extension": [{"url": "urn:rehab-portal:notice-section",
                                  "valueCode": "barthel_index"}], "contentString": "many"}]},
     "Communication.payload[0].contentString"),
    ({"sent": "not a date"}, "Communication.sent"),
])
def test_an_invalid_communication_is_400_naming_the_element(cast, unn_epj, change, expression):
    body = communication(admit(cast))
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    response = post(unn_epj, "Communication", body)
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    assert expression in [e for i in outcome["issue"] for e in i.get("expression", [])]
    assert not EarlyNotification.objects.exists()
