"""Hospitals' wards over the API (registry data, read-only): what an EPJ system reads to learn
the codes and UUIDs an admission's `ward` takes, under the registry's scope."""

import datetime
import uuid

import pytest
from django.utils import timezone

from registry.models import OrganizationKind
from tests import factories
from tests.factories import api_client

from .support import error, openapi, responses_of, schema_of

URL = "/api/v1/wards/"


@pytest.fixture
def wards(cast):
    """UNN's stroke unit (the cast's), a closed and a rehabilitation ward beside it, and a ward
    of another hospital with the same code as one of UNN's."""
    nlsh = factories.organization(OrganizationKind.HOSPITAL,
                                  "Nordlandssykehuset Bodø", parent=cast.unn_hf)
    return {
        "slag": cast.stroke_unit,
        "closed": factories.ward(cast.unn, "Gammel post", code="GML", active=False),
        "rehab": factories.ward(cast.unn, "Rehabilitering", code="REHAB",
                                department="Fysikalsk medisin og rehabilitering"),
        "nlsh_slag": factories.ward(nlsh, "Slagenheten", code="SLAG",
                                    department="Medisinsk avdeling"),
        "nlsh": nlsh,
    }


def codes(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(row["hospital_name"], row["code"]) for row in response.json()["results"]]


def test_it_lists_every_hospitals_wards_by_hospital_department_and_name(cast, api, wards):
    response = api(cast.ke_bodo).get(URL)  # anyone signed in: not patient data
    assert codes(response) == [
        ("Nordlandssykehuset Bodø", "SLAG"),  # Medisinsk avdeling
        ("UNN Tromsø", "REHAB"),  # Fysikalsk medisin og rehabilitering
        ("UNN Tromsø", "GML"),  # Nevrologisk avdeling: Gammel post
        ("UNN Tromsø", "SLAG"),  # Nevrologisk avdeling: Slag
    ]
    assert response.json()["count"] == 4


def test_it_shows_a_ward_with_its_department_and_hospital(cast, api, wards):
    ward = cast.stroke_unit
    response = api(cast.planner).get(f"{URL}{ward.uuid}/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "uuid": str(ward.uuid), "url": f"http://testserver{URL}{ward.uuid}/",
        "code": "SLAG", "name": "Slag",
        "department": str(ward.department.uuid), "department_name": "Nevrologisk avdeling",
        "hospital": str(cast.unn.uuid), "hospital_name": "UNN Tromsø", "active": True,
        "created_at": body["created_at"], "updated_at": body["updated_at"],
    }
    listed = api(cast.planner).get(URL, {"hospital": str(cast.unn.uuid), "code": "SLAG"})
    assert listed.json()["results"] == [body]


@pytest.mark.parametrize(("params", "expected"), [
    ({"hospital": "unn"}, ["GML", "REHAB", "SLAG"]),
    ({"hospital": "nlsh"}, ["SLAG"]),
    ({"hospital": "unn", "active": "true"}, ["REHAB", "SLAG"]),
    ({"active": "false"}, ["GML"]),
    ({"code": " slag "}, ["SLAG", "SLAG"]),  # any case, at both hospitals
    ({"hospital": "unn", "code": "rehab"}, ["REHAB"]),
    ({"code": "NOPE"}, []),
])
def test_it_filters_wards(cast, api, wards, params, expected):
    hospitals = {"unn": cast.unn, "nlsh": wards["nlsh"]}
    if "hospital" in params:
        params = {**params, "hospital": str(hospitals[params["hospital"]].uuid)}
    response = api(cast.planner).get(URL, params)
    assert sorted(code for _hospital, code in codes(response)) == expected


@pytest.mark.parametrize("hospital", [
    pytest.param(lambda cast: uuid.uuid4(), id="unknown"),
    pytest.param(lambda cast: cast.tromso.uuid, id="a-municipality"),
])
def test_a_hospital_filter_that_names_no_hospital_is_a_400_naming_it(cast, api, wards,
                                                                     hospital):
    response = api(cast.planner).get(URL, {"hospital": str(hospital(cast))},
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error(response)["fields"] == {"hospital": ["No hospital has this UUID."]}
    in_bokmal = api(cast.planner).get(URL, {"hospital": str(hospital(cast))})
    assert error(in_bokmal)["fields"] == {"hospital": ["Ingen sykehus har denne UUID-en."]}


def test_a_malformed_hospital_filter_is_a_400_naming_it(cast, api, wards):
    response = api(cast.planner).get(URL, {"hospital": "UNN"})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["hospital"]


def test_it_answers_404_for_an_unknown_or_malformed_ward(cast, api):
    client = api(cast.planner)
    for path in (f"{URL}{uuid.uuid4()}/", f"{URL}SLAG/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error(response)["code"] == "not_found"


def test_it_refuses_wards_to_anonymous_callers(cast, api):
    for path in (URL, f"{URL}{cast.stroke_unit.uuid}/"):
        response = api().get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert error(response)["code"] == "not_authenticated"
        assert "SLAG" not in response.content.decode()


def test_an_epj_system_reads_wards_with_the_registry_scope_only(cast, wards):
    reader = api_client(cast.unn, "DIPS UNN", scopes=["registry:read"])
    response = reader.get(URL, {"hospital": str(cast.unn.uuid), "active": "true"})
    assert [row["code"] for row in response.json()["results"]] == ["REHAB", "SLAG"]
    without = api_client(cast.unn, "DIPS uten register", scopes=["pathways:write"])
    refused = without.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "registry:read" in error(refused)["message"]


def test_a_code_read_from_the_list_admits_to_that_ward(cast, wards):
    epj = api_client(cast.unn, "DIPS UNN")
    listed = epj.get(URL, {"hospital": str(cast.unn.uuid), "code": "rehab"}).json()["results"]
    response = epj.post("/api/v1/admissions/", {
        "patient": str(cast.shared.uuid), "ward": listed[0]["code"],
        "admitted_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["ward"], response.json()["ward_name"]) == ("REHAB", "Rehabilitering")


def test_it_is_read_only(cast, api):
    client = api(cast.planner)
    created = client.post(URL, {"code": "X", "name": "X"}, format="json")
    changed = client.patch(f"{URL}{cast.stroke_unit.uuid}/", {"name": "X"}, format="json")
    assert created.status_code == changed.status_code == 405
    assert error(changed)["code"] == "method_not_allowed"
    cast.stroke_unit.refresh_from_db()
    assert cast.stroke_unit.name == "Slag"


def test_the_schema_documents_the_ward_resource():
    paths = openapi()["paths"]
    listing = paths[URL]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert {"hospital", "active", "code", "updated_since", "page", "page_size", "cursor"} \
        <= set(parameters)
    assert parameters["hospital"]["schema"]["format"] == "uuid"
    assert parameters["active"]["schema"]["type"] == "boolean"
    assert {"200", "400", "401", "403", "404"} <= responses_of(URL, "get")
    for item in (paths[URL], paths[f"{URL}{{uuid}}/"]):
        assert "get" in item
        assert not {"post", "put", "patch", "delete"} & set(item)
    assert {"200", "401", "404"} <= responses_of(f"{URL}{{uuid}}/", "get")
    properties = schema_of("Ward")
    assert list(properties) == ["uuid", "url", "code", "name", "department", "department_name",
                                "hospital", "hospital_name", "active", "created_at",
                                "updated_at"]
    assert properties["hospital"]["format"] == properties["department"]["format"] == "uuid"
    assert all(field.get("readOnly") for field in properties.values())
