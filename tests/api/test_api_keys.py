"""EPJ systems authenticate with `Authorization: Bearer rp_<prefix>_<secret>`."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from pathways.models import Patient
from registry.models import ApiClient, ApiKey, AuditAction, AuditEvent, Role
from registry.services import revoke_api_key
from tests import factories

from .support import error, patient_url


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_it_shows_an_api_client_its_organisations_patients(cast, epj):
    response = epj.get("/api/v1/patients/")
    assert response.status_code == 200
    assert {row["uuid"] for row in response.json()["results"]} == {
        str(cast.shared.uuid), str(cast.tromso_only.uuid)
    }


def test_it_audits_reads_by_an_api_client_under_its_organisation(cast, epj):
    epj.get(patient_url(cast.tromso_only))
    event = AuditEvent.objects.get(action=AuditAction.VIEW, patient_uuid=cast.tromso_only.uuid)
    assert event.user == epj.api_client.user
    assert (event.organization, event.role, event.via) == (cast.tromso, Role.API_CLIENT, "api")


def test_it_answers_404_for_another_organisations_patient(cast, epj):
    response = epj.get(patient_url(cast.bodo_only))
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_it_lets_an_api_client_register_a_patient_for_its_organisation(cast, epj):
    response = epj.post("/api/v1/patients/", {
        "identity_number": factories.identity_number(datetime.date(1944, 8, 9)),
        "given_name": "Ingrid", "family_name": "Isaksen", "birth_date": "1944-08-09",
        "municipality": str(cast.tromso.uuid),
    }, format="json")
    assert response.status_code == 201, response.json()
    patient = Patient.objects.get(uuid=response.json()["uuid"])
    assert patient.care_relationships.get().organization == cast.tromso
    assert patient in Patient.objects.visible_to(cast.ke_tromso)


def test_it_refuses_a_revoked_key_with_401(cast, epj):
    revoke_api_key(ApiKey.objects.get(client=epj.api_client))
    response = epj.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert error(response)["code"] == "authentication_failed"


def test_it_refuses_the_key_of_a_deactivated_client(cast, epj):
    epj.api_client.active = False
    epj.api_client.save()
    assert epj.get("/api/v1/patients/").status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer rp_nosuchkey",
    "Bearer rp_abcd1234_wrongsecret",
    "Bearer something-else",
    "Basic dXNlcjpwYXNz",
])
def test_it_refuses_malformed_or_unknown_keys_with_401(cast, api, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 401
    error(response)


def test_it_refuses_a_key_with_the_right_prefix_and_a_wrong_secret(cast, epj):
    prefix = epj.key.split("_")[1]
    response = bearer(f"rp_{prefix}_not-the-secret").get("/api/v1/patients/")
    assert response.status_code == 401


def test_it_creates_an_api_client_from_the_command_line_and_prints_the_key_once(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_client", "--org", cast.bodo.orgnr, "--name", "Profil Bodø",
                 stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("rp_")
    assert "only this once" in err.getvalue()
    assert key not in err.getvalue()
    stored = ApiKey.objects.get(client__name="Profil Bodø")
    assert key.split("_", 2)[2] not in (stored.digest, stored.prefix)
    response = bearer(key).get("/api/v1/patients/")
    assert [row["uuid"] for row in response.json()["results"]] == [str(cast.bodo_only.uuid)]


def test_it_refuses_an_unknown_organisation_number_on_the_command_line(cast):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("create_api_client", "--org", "999999999", "--name", "X",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiKey.objects.exists()


def test_it_lets_an_api_client_read_the_registry_but_not_add_services(cast, epj):
    assert epj.get("/api/v1/organizations/").status_code == 200
    assert epj.get("/api/v1/services/").status_code == 200
    response = epj.post("/api/v1/services/", {
        "provider": str(cast.tromso.uuid), "level": "2", "name": "Hverdagsrehabilitering",
    }, format="json")
    assert response.status_code == 403


def test_it_lets_an_api_client_search_only_within_its_organisation(cast, epj):
    found = epj.post("/api/v1/patients/search/",
                     {"identity_number": cast.tromso_only.identity_number}, format="json")
    hidden = epj.post("/api/v1/patients/search/",
                      {"identity_number": cast.bodo_only.identity_number}, format="json")
    assert [row["uuid"] for row in found.json()["results"]] == [str(cast.tromso_only.uuid)]
    assert hidden.json()["count"] == 0


def test_the_command_grants_the_scopes_it_is_given(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_client", "--org", cast.bodo.orgnr, "--name", "Gerica Bodø",
                 "--scope", "pathways:write", "--scope", "patients:read", stdout=out, stderr=err)
    client = ApiClient.objects.get(name="Gerica Bodø")
    assert client.scopes == ["pathways:write", "patients:read"]
    assert client.allows("pathways", write=True) and not client.allows("patients", write=True)
    assert "pathways:write patients:read" in err.getvalue()
