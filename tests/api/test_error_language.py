"""Every answer under /api/ is the error envelope (under /fhir/ an OperationOutcome), also a
404 from the URL resolver and a 500; and every error message is in the request's language:
bokmål without Accept-Language, English with Accept-Language: en."""

import pytest
from django.test import Client

from tests import factories

from .support import error

LANGUAGES = [pytest.param({}, "nb", id="default-bokmål"),
             pytest.param({"HTTP_ACCEPT_LANGUAGE": "en"}, "en", id="accept-language-en")]


def message(response) -> str:
    return error(response)["message"]


def diagnostics(response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]["diagnostics"]


@pytest.fixture
def epj_key(cast):
    return f"Bearer {factories.api_client(cast.unn, 'DIPS UNN').key}"


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
@pytest.mark.parametrize("path", ["/api/v1/nonexistent/", "/api/v1/admissions/not-a-uuid/x/",
                                  "/api/nothing-here"])
def test_it_answers_a_path_that_resolves_nowhere_with_the_envelope(cast, epj_key, path,
                                                                    headers, language):
    response = Client(HTTP_AUTHORIZATION=epj_key, **headers).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error(response)["code"] == "not_found"
    assert message(response) == {"nb": "Ressursen finnes ikke.",
                                 "en": "No such resource."}[language]


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_answers_a_bug_with_the_envelope_under_api_and_an_outcome_under_fhir(
        settings, headers, language):
    settings.ROOT_URLCONF = "tests.api.boom_urls"
    client = Client(raise_request_exception=False, **headers)
    expected = {"nb": "Det oppstod en feil på tjeneren; feilen er logget.",
                "en": "The server failed; the error is logged."}[language]

    api = client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert error(api)["code"] == "server_error"
    assert message(api) == expected

    fhir = client.get("/fhir/boom/")
    assert fhir.status_code == 500
    assert fhir["Content-Type"] == "application/fhir+json"
    assert diagnostics(fhir) == expected
    for response in (api, fhir):
        assert "secret" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_refuses_a_body_too_large_in_the_requests_language(cast, epj_key, settings, headers,
                                                               language):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = Client(HTTP_AUTHORIZATION=epj_key, **headers)
    body = '{"given_name": "' + "x" * 200 + '"}'
    api = client.post("/api/v1/patients/", body, content_type="application/json")
    assert api.status_code == 413
    assert message(api) == {"nb": "Forespørselen er større enn 100 byte.",
                            "en": "The request body is larger than 100 bytes."}[language]
    fhir = client.post("/fhir/r4/Encounter", body, content_type="application/fhir+json")
    assert fhir.status_code == 413
    assert diagnostics(fhir) == message(api)


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_refuses_a_bad_api_key_in_the_requests_language(cast, headers, language):
    expected = {"nb": "Ugyldig eller tilbakekalt API-nøkkel.",
                "en": "Invalid or revoked API key."}[language]
    client = Client(HTTP_AUTHORIZATION="Bearer rp_nokey_nosecret", **headers)
    api = client.get("/api/v1/patients/")
    assert api.status_code == 401
    assert message(api) == expected
    fhir = client.get("/fhir/r4/Patient")
    assert fhir.status_code == 401
    assert diagnostics(fhir) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_refuses_idempotency_keys_in_the_requests_language(cast, epj_key, headers, language):
    client = Client(HTTP_AUTHORIZATION=epj_key, **headers)
    search = "/api/v1/patients/search/"

    malformed = client.post(search, {}, content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="two words")
    assert malformed.status_code == 400
    assert message(malformed) == {
        "nb": "Idempotency-Key er 1 til 255 synlige ASCII-tegn, uten mellomrom.",
        "en": "Idempotency-Key is 1 to 255 printable ASCII characters, no spaces."}[language]

    url = "/api/v1/services/"
    first = client.post(url, {"name": "x"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 400  # stored: a 4xx other than 401/403/429 is replayed
    reused = client.post(url, {"name": "y"}, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    assert message(reused) == {
        "nb": "Denne Idempotency-Key ble brukt til en annen forespørsel: bruk en ny nøkkel "
              "til en ny forespørsel.",
        "en": "This Idempotency-Key was used for another request: use a new key for a new "
              "request."}[language]


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_answers_fhir_refusals_in_the_requests_language(cast, epj_key, headers, language):
    client = Client(HTTP_AUTHORIZATION=epj_key, **headers)
    unknown = client.get("/fhir/r4/Nothing")
    assert unknown.status_code == 404
    assert diagnostics(unknown) == {"nb": "Denne tjeneren har ingen ressurstype 'Nothing'.",
                                    "en": "This server has no resource type 'Nothing'."}[
        language]
    empty = client.get("/fhir/r4/Encounter?status=")
    assert empty.status_code == 400
    assert diagnostics(empty) == {"nb": "status har ingen verdi.",
                                  "en": "status has no value."}[language]
    deep = client.post("/fhir/r4/Encounter", "[" * 100 + "]" * 100,
                       content_type="application/fhir+json")
    assert deep.status_code == 400
    assert diagnostics(deep) == {
        "nb": "JSON-en har mer enn 32 nivåer med lister og objekter inni hverandre.",
        "en": "The JSON nests more than 32 levels of arrays and objects."}[language]
