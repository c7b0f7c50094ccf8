"""What the portal tells browsers and caches: a strict Content-Security-Policy and a
Permissions-Policy on the pages, and no-store on every answer that may carry patient data
(pages seen signed in, the whole REST API and the FHIR facade)."""

from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from rehab_portal.api import router
from tests.pathways.pathway_helpers import one_of_everything


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split(None, 1)[1] for part in policy.split("; ")}


def not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def pathway(cast):
    return one_of_everything(cast)


def test_a_page_gets_a_strict_policy_and_no_permissions(cast, client):
    response = client.get("/accounts/login/")
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= set(
        response["Permissions-Policy"].split(", "))


def test_only_the_api_viewer_may_use_inline_styles_and_never_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" in policy["style-src"]
    assert "<script>" not in response.content.decode()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith(
        "application/javascript")


@pytest.mark.parametrize("member, pages", [
    ("planner", ["/", "/ward/", "/patients/", "/notifications/", "/services/",
                 "/patients/{admission.patient.uuid}/pathway/", "/meetings/{meeting.uuid}/"]),
    ("ke_tromso", ["/inbox/ke/", "/ke/overview/", "/plans/{plan.uuid}/",
                   "/patients/{plan.patient.uuid}/"]),
])
def test_every_page_seen_signed_in_is_not_stored(cast, client, pathway, member, pages):
    client.force_login(getattr(cast, member))
    for page in pages:
        response = client.get(page.format(**pathway))
        assert response.status_code == 200, page
        assert not_stored(response), page
        assert "private" in response["Cache-Control"], page
        assert directives(response)["script-src"] == "'self'", page


def test_the_public_schema_is_left_to_caches(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and not not_stored(response)


def _api_routes():
    """Each list's URL, its basename and the field its detail URL is looked up by (None: a
    list without details, such as capacity)."""
    for prefix, viewset, basename in router.registry:
        lookup = getattr(viewset, "lookup_field", "pk") if hasattr(viewset, "retrieve") else None
        yield f"/api/v1/{prefix}/", basename, ("uuid" if lookup == "pk" else lookup)


@pytest.mark.parametrize("member", ["planner", "ke_tromso"])
def test_every_api_list_and_detail_is_not_stored(cast, pathway, member):
    client = APIClient()
    client.force_login(getattr(cast, member))
    seen_details = 0
    for url, basename, lookup in _api_routes():
        response = client.get(url)
        assert not_stored(response), (url, response.status_code)
        assert "private" in response["Cache-Control"], url
        if response.status_code != 200 or lookup is None:
            continue
        body = response.json()
        items = body.get("results", body) if isinstance(body, dict) else body
        for item in items[:1]:
            detail = client.get(f"{url}{item[lookup]}/")
            assert detail.status_code == 200, (basename, detail.status_code)
            assert not_stored(detail), basename
            seen_details += 1
    assert seen_details >= 5  # lists with rows: the test saw real patient data
    missing = client.get("/api/v1/admissions/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and not_stored(missing)


def test_fhir_answers_are_not_stored(cast, pathway):
    client = APIClient()
    client.force_login(cast.planner)
    patient = pathway["admission"].patient
    for url in ["/fhir/r4/metadata", f"/fhir/r4/Patient/{patient.uuid}",
                "/fhir/r4/Encounter", "/fhir/r4/Patient?identifier="
                f"urn:oid:2.16.578.1.12.4.1.4.1|{patient.identity_number}"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert not_stored(response), url
    searched = client.post(
        "/fhir/r4/Patient/_search",
        urlencode({"identifier": f"urn:oid:2.16.578.1.12.4.1.4.1|{patient.identity_number}"}),
        content_type="application/x-www-form-urlencoded")
    assert searched.status_code == 200 and not_stored(searched)
