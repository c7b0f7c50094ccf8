"""What a created Encounter or Communication may not carry: elements FHIR R4 does not define
(at the top or nested), modifier extensions and implicitRules the portal does not understand
(FHIR forbids ignoring them), a contained resource of a type R4 lacks. Each is a 400
OperationOutcome naming every offending element, and nothing is written. What a create
ignores, as FHIR lets a server: the id and meta the client sends."""

import pytest

from pathways.models import Admission, EarlyNotification

from .conftest import admit, validate
from .test_create import communication, encounter, post

UNKNOWN = "urn:example:unknown-modifier"


def expressions(response) -> set[str]:
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    return {e for i in outcome["issue"] for e in i.get("expression", [])}


@pytest.mark.django_db
def test_it_refuses_unknown_encounter_elements_naming_each(cast, unn_epj):
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"}, isAdmin=True)
    body["location"][0]["location"]["colour"] = "blue"
    body["period"]["length"] = 3
    assert expressions(post(unn_epj, "Encounter", body)) == {
        "Encounter.isAdmin", "Encounter.location[0].location.colour", "Encounter.period.length"}
    assert not Admission.objects.filter(hospital=cast.unn).exists()


@pytest.mark.django_db
def test_it_refuses_unknown_elements_in_a_contained_patient(cast, unn_epj):
    body = encounter({"reference": "#p"}, contained=[{
        "resourceType": "Patient", "id": "p", "isAdmin": True,
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1",
                        "value": cast.tromso_only.identity_number, "secret": "x"}]}])
    assert expressions(post(unn_epj, "Encounter", body)) == {
        "Encounter.contained[0].isAdmin", "Encounter.contained[0].identifier[0].secret"}
    assert not Admission.objects.filter(hospital=cast.unn).exists()


@pytest.mark.django_db
def test_it_refuses_unknown_communication_elements_naming_each(cast, unn_epj):
    body = communication(admit(cast), isAdmin=True)
    body["payload"][1]["priority"] = "high"
    assert expressions(post(unn_epj, "Communication", body)) == {
        "Communication.isAdmin", "Communication.payload[1].priority"}
    assert not EarlyNotification.objects.exists()


@pytest.mark.django_db
def test_it_refuses_modifier_extensions_it_does_not_understand(cast, unn_epj):
    modifier = [{"url": UNKNOWN, "valueBoolean": True}]
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"}, modifierExtension=modifier)
    body["location"][0]["modifierExtension"] = modifier
    assert expressions(post(unn_epj, "Encounter", body)) == {
        "Encounter.modifierExtension[0]", "Encounter.location[0].modifierExtension[0]"}
    assert not Admission.objects.filter(hospital=cast.unn).exists()

    notice = communication(admit(cast))
    notice["payload"][0]["modifierExtension"] = modifier
    response = post(unn_epj, "Communication", notice)
    assert expressions(response) == {"Communication.payload[0].modifierExtension[0]"}
    assert response.json()["issue"][0]["code"] == "not-supported"
    assert UNKNOWN in response.json()["issue"][0]["diagnostics"]
    assert not EarlyNotification.objects.exists()


@pytest.mark.django_db
def test_it_refuses_implicit_rules_it_does_not_know(cast, unn_epj):
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"},
                     implicitRules="http://example.org/our-rules")
    assert expressions(post(unn_epj, "Encounter", body)) == {"Encounter.implicitRules"}
    assert not Admission.objects.filter(hospital=cast.unn).exists()


@pytest.mark.django_db
def test_a_contained_resource_of_a_type_r4_lacks_is_a_400(cast, unn_epj):
    body = encounter({"reference": "#p"}, contained=[{"resourceType": "Nonsense", "id": "p"}])
    assert expressions(post(unn_epj, "Encounter", body)) == {"Encounter.contained"}


@pytest.mark.django_db
def test_it_ignores_the_id_and_meta_the_client_sends_on_create(cast, unn_epj):
    """FHIR's create: the server assigns the id and meta; the client's are not kept."""
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"},
                     id="chosen-by-client", meta={"versionId": "99"})
    response = post(unn_epj, "Encounter", body)
    assert response.status_code == 201, response.content
    resource = response.json()
    assert resource["id"] == str(Admission.objects.get(hospital=cast.unn).uuid)
    assert resource["meta"].get("versionId") != "99"
