"""One envelope for every error, whatever raised it."""

import pytest
from rest_framework.test import APIClient

from .support import error, responses_of, written


def test_it_enforces_csrf_for_browser_sessions(cast):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(cast.planner)
    before = written()
    response = browser.post("/api/v1/patients/search/",
                            {"identity_number": cast.shared.identity_number}, format="json",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "CSRF" in error(response)["message"]
    assert written() == before


def test_it_answers_404_in_the_envelope_for_a_page_past_the_end(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/patients/", {"page": 9})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_it_pages_with_page_size(cast, api):
    body = api(cast.ke_tromso).get("/api/v1/patients/", {"page_size": 1}).json()
    assert (body["count"], len(body["results"])) == (2, 1)
    assert "page=2" in body["next"]


def test_it_carries_a_request_id_that_the_audit_trail_shares(cast, api):
    from registry.models import AuditEvent

    response = api(cast.ke_tromso).get(f"/api/v1/patients/{cast.shared.uuid}/",
                                       HTTP_X_REQUEST_ID="trace-1234567")
    assert response["X-Request-ID"] == "trace-1234567"
    assert AuditEvent.objects.filter(request_id="trace-1234567",
                                     patient_uuid=cast.shared.uuid).exists()


def test_it_answers_an_unknown_api_path_with_the_envelope(client, cast):
    client.force_login(cast.ke_tromso)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_406_405_and_415_in_the_envelope_as_the_schema_declares(cast, epj):
    url = f"/api/v1/patients/{cast.shared.uuid}/"
    not_acceptable = epj.get(url, HTTP_ACCEPT="application/xml")
    assert not_acceptable.status_code == 406
    assert error(not_acceptable)["code"] == "not_acceptable"
    assert "406" in responses_of("/api/v1/patients/{uuid}/", "get")

    not_allowed = epj.put(url, {}, format="json")
    assert not_allowed.status_code == 405
    assert error(not_allowed)["code"] == "method_not_allowed"
    assert not_allowed["Allow"] == "GET, PATCH, HEAD, OPTIONS"

    before = written()
    unsupported = epj.post("/api/v1/patients/", "given_name=Kari", content_type="text/plain")
    assert unsupported.status_code == 415
    assert error(unsupported)["code"] == "unsupported_media_type"
    assert "415" in responses_of("/api/v1/patients/", "post")
    assert written() == before


@pytest.mark.parametrize("size", ["0", "201", "null", "²", "-1"])
def test_it_refuses_a_page_size_it_would_not_use_naming_it(cast, api, size):
    response = api(cast.ke_tromso).get("/api/v1/patients/", {"page_size": size},
                                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error(response)["fields"] == {"page_size": ["A whole number from 1 to 200."]}


@pytest.mark.parametrize("page", ["", "last", "zwei", "²", "-1", "1.0"])
def test_it_refuses_a_page_that_is_no_whole_number_naming_it(cast, api, page):
    response = api(cast.ke_tromso).get("/api/v1/referrals/", {"page": page},
                                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error(response)["fields"] == {"page": ["A whole number from 1."]}
    assert api(cast.ke_tromso).get("/api/v1/referrals/", {"page": "1"}).status_code == 200
