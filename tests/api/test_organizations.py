import uuid

import pytest

from registry.models import Organization, OrganizationKind, Region
from registry.validators import synthetic_orgnr
from tests import factories

from .support import error, schema_of


def test_it_lists_organisations_to_any_signed_in_user(cast, api):
    response = api(cast.ke_bodo).get("/api/v1/organizations/")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert {"Tromsø", "Bodø", "UNN Tromsø", "Helse Nord RHF"} <= names


def test_it_refuses_organisations_to_anonymous_callers(cast, api):
    response = api().get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert error(response)["code"] == "not_authenticated"


def test_it_refers_to_the_parent_by_uuid(cast, api):
    response = api(cast.planner).get(f"/api/v1/organizations/{cast.unn.uuid}/")
    body = response.json()
    assert body["parent"] == str(cast.unn_hf.uuid)
    assert "id" not in body


def test_it_documents_the_missing_parent_and_the_blank_email_it_answers(cast, api):
    # Schemathesis found both: the schema promised a UUID and an e-mail address, and a
    # client generated from it chokes on the health authority's null and "".
    body = api(cast.planner).get(f"/api/v1/organizations/{cast.rhf.uuid}/").json()
    assert (body["parent"], body["email"]) == (None, "")
    for component in ("Organization", "OrganizationDetail"):
        properties = schema_of(component)
        assert properties["parent"]["nullable"] is True
        assert {"type": "string", "enum": [""]} in properties["email"]["anyOf"]


def test_it_shows_the_coordinating_units_contact_in_the_detail(cast, api):
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00", opening_hours="08–15")
    response = api(cast.planner).get(f"/api/v1/organizations/{cast.tromso.uuid}/")
    assert response.status_code == 200
    unit = response.json()["coordinating_unit"]
    assert unit["name"] == "KE Tromsø"
    assert unit["phone"] == "77 79 00 00"
    assert unit["inbox_address"] == f"ke{cast.tromso.pk}@example.org"


def test_it_shows_no_coordinating_unit_where_there_is_none(cast, api):
    response = api(cast.planner).get(f"/api/v1/organizations/{cast.unn.uuid}/")
    assert response.json()["coordinating_unit"] is None


def test_it_answers_404_for_an_unknown_organisation(cast, api):
    response = api(cast.planner).get(f"/api/v1/organizations/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("params, expected", [
    ({"kind": "municipality"}, {"Bodø", "Tromsø"}),
    ({"q": "unn"}, {"UNN Tromsø"}),
    ({"municipality_number": "1804"}, {"Bodø"}),
    ({"kind": "hospital", "region": "helse_nord"}, {"UNN Tromsø"}),
    ({"region": "helse_vest"}, set()),
])
def test_it_filters_organisations(cast, api, params, expected):
    response = api(cast.planner).get("/api/v1/organizations/", params)
    assert {row["name"] for row in response.json()["results"]} == expected


def test_it_filters_by_orgnr(cast, api):
    response = api(cast.planner).get("/api/v1/organizations/", {"orgnr": cast.bodo.orgnr})
    assert [row["uuid"] for row in response.json()["results"]] == [str(cast.bodo.uuid)]


def test_it_is_read_only(cast, api):
    client = api(cast.planner)
    created = client.post("/api/v1/organizations/", {"name": "X"}, format="json")
    changed = client.patch(f"/api/v1/organizations/{cast.bodo.uuid}/", {"name": "X"},
                           format="json")
    assert created.status_code == changed.status_code == 405
    assert error(changed)["code"] == "method_not_allowed"
    cast.bodo.refresh_from_db()
    assert cast.bodo.name == "Bodø"


def test_it_pages_by_at_most_200_and_refuses_a_bigger_page_size(cast, api):
    Organization.objects.bulk_create([
        Organization(kind=OrganizationKind.GP_OFFICE, name=f"Legekontor {n:03d}",
                     orgnr=synthetic_orgnr(50_000 + n), region=Region.NORTH)
        for n in range(201)
    ])
    client = api(cast.planner)
    body = client.get("/api/v1/organizations/", {"page_size": 200}).json()
    assert body["count"] == 206
    assert len(body["results"]) == 200
    assert body["next"] is not None
    # Not quietly fewer rows than asked for: the client hears the limit.
    refused = client.get("/api/v1/organizations/", {"page_size": 500})
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"page_size"}


def test_it_refuses_an_organisation_to_anonymous_callers(cast, api):
    response = api().get(f"/api/v1/organizations/{cast.tromso.uuid}/")
    assert response.status_code == 401
    assert "orgnr" not in response.content.decode()
