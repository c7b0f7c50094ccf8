"""The patient's own pages and endpoints, for every member of the cast and an EPJ system,
against every patient: an edit lands only in scope, a search finds only in scope, every read is
audited. What each may see follows from their care relationship only (see tests/conftest.py):
outside it, a patient does not exist. Reads and lists of every route, the patient's among them,
are the generated matrix's (tests/test_route_matrix.py)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import AuditAction, AuditEvent
from tests import factories

PATIENTS = ("shared", "tromso_only", "bodo_only")
SEES = {
    "planner": {"shared"},
    "ke_tromso": {"shared", "tromso_only"},
    "coordinator": {"shared"},
    "ke_bodo": {"bodo_only"},
    "unn_system": {"shared"},
}
MEMBERS = sorted(SEES)


@pytest.fixture
def as_member(cast):
    """A client acting as a member of the cast: signed in, or with the UNN system's API key."""

    def make(member):
        if member == "unn_system":
            return factories.api_client(cast.unn, "DIPS UNN")
        client = APIClient()
        client.force_login(getattr(cast, member))
        return client

    return make


def cells():
    return [(member, patient) for member in MEMBERS for patient in PATIENTS]


@pytest.mark.parametrize(("member", "name"), cells())
def test_api_patient_update(cast, as_member, member, name):
    patient = getattr(cast, name)
    response = as_member(member).patch(
        f"/api/v1/patients/{patient.uuid}/", {"phone": "+47 999 99 999"}, format="json",
        HTTP_IF_MATCH=f'W/"{patient.version}"',
    )
    allowed = name in SEES[member]
    assert response.status_code == (200 if allowed else 404)
    patient.refresh_from_db()
    assert (patient.phone == "+47 999 99 999") is allowed


@pytest.mark.parametrize(("member", "name"), cells())
def test_api_patient_search(cast, as_member, member, name):
    patient = getattr(cast, name)
    response = as_member(member).post("/api/v1/patients/search/",
                                      {"identity_number": patient.identity_number},
                                      format="json")
    assert response.status_code == 200
    found = {row["uuid"] for row in response.json()["results"]}
    assert found == ({str(patient.uuid)} if name in SEES[member] else set())


WEB_MEMBERS = [m for m in MEMBERS if m != "unn_system"]


@pytest.mark.parametrize(("member", "name"),
                         [(m, p) for m in WEB_MEMBERS for p in PATIENTS])
def test_web_patient_page(cast, client, member, name):
    patient = getattr(cast, name)
    client.force_login(getattr(cast, member))
    response = client.get(reverse("pathways:patient_detail", args=[patient.uuid]))
    assert response.status_code == (200 if name in SEES[member] else 404)
    if response.status_code == 200:
        assert patient.family_name in response.content.decode()


@pytest.mark.parametrize(("member", "name"),
                         [(m, p) for m in WEB_MEMBERS for p in PATIENTS])
def test_web_patient_search(cast, client, member, name):
    patient = getattr(cast, name)
    client.force_login(getattr(cast, member))
    by_number = client.post(reverse("pathways:patient_search"),
                            {"identity_number": patient.identity_number})
    by_name = client.post(reverse("pathways:patient_search"), {"name": patient.family_name})
    for response in (by_number, by_name):
        assert response.status_code == 200
        assert (str(patient.uuid) in response.content.decode()) is (name in SEES[member])


@pytest.mark.parametrize("member", WEB_MEMBERS)
def test_every_patient_read_is_in_the_access_log(cast, client, member):
    client.force_login(getattr(cast, member))
    for name in SEES[member]:
        patient = getattr(cast, name)
        client.get(reverse("pathways:patient_detail", args=[patient.uuid]))
        assert AuditEvent.objects.filter(
            user=getattr(cast, member), action=AuditAction.VIEW, patient_uuid=patient.uuid
        ).exists()


def test_anonymous_gets_nothing(cast, client):
    page = client.get(reverse("pathways:patient_detail", args=[cast.shared.uuid]))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    api = APIClient().get("/api/v1/patients/")
    assert api.status_code == 401
    assert "results" not in api.json()
