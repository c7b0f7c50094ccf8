"""The FHIR facade's own refusals (search parameters, resources sent to create) in the
request's language: bokmål without Accept-Language, English with Accept-Language: en. The
FHIRPath in `expression` and the element names quoted in the text stay as they are."""

import pytest

from pathways.models import Admission, EarlyNotification

from .conftest import FHIR_JSON, admit, validate
from .test_create import IMP, communication, encounter

BASE = "/fhir/r4/"
LANGUAGES = [pytest.param({}, "nb", id="default-bokmål"),
             pytest.param({"HTTP_ACCEPT_LANGUAGE": "en"}, "en", id="accept-language-en")]


def refusal(response, status=400) -> dict:
    assert response.status_code == status, response.content
    outcome = response.json()
    validate(outcome)
    return outcome["issue"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
@pytest.mark.parametrize(("query", "expression", "texts"), [
    pytest.param("Encounter?_count=ten", "_count", {
        "nb": "_count er et heltall på 0 eller mer.",
        "en": "_count is a whole number of 0 or more."}, id="bad-count"),
    pytest.param("Encounter?_offset=99999", "_offset", {
        "nb": "_offset er høyst 10000.", "en": "_offset is at most 10000."}, id="deep-offset"),
    pytest.param("Encounter?_lastUpdated=yesterday", "_lastUpdated", {
        "nb": "_lastUpdated: yesterday er ikke en dato eller et tidspunkt med tidssone "
              "(f.eks. 2026-01-31 eller 2026-01-31T12:00:00Z).",
        "en": "_lastUpdated: yesterday is not a date or a date and time with a time zone "
              "(e.g. 2026-01-31 or 2026-01-31T12:00:00Z)."}, id="bad-lastUpdated"),
    pytest.param("Encounter?colour=blue", "colour", {
        "nb": "Ukjent søkeparameter 'colour' for Encounter.",
        "en": "Unknown search parameter 'colour' for Encounter."}, id="unknown-parameter"),
    pytest.param("Task?shoe=1", "shoe", {
        "nb": "Ukjent søkeparameter 'shoe' for Task.",
        "en": "Unknown search parameter 'shoe' for Task."}, id="unknown-task-parameter"),
    pytest.param("Encounter?status=asleep", "status", {
        "nb": "status: ukjent kode 'asleep'; bruk en av ",
        "en": "status: unknown code 'asleep'; use one of "}, id="unknown-status"),
    pytest.param("Encounter?patient=Organization/x", "patient", {
        "nb": "patient viser til en Patient.", "en": "patient refers to a Patient."},
        id="patient-of-another-type"),
    pytest.param("Encounter?_cursor=forged", "_cursor", {
        "nb": "_cursor er ikke en markør denne serveren ga for dette søket",
        "en": "_cursor is not a cursor this server gave for this search"}, id="bad-cursor"),
    pytest.param("Encounter?_total=exact", "_total", {
        "nb": "_total er en av none, estimate, accurate.",
        "en": "_total is one of none, estimate, accurate."}, id="bad-total"),
    pytest.param("Encounter?_count=1&_count=2", "_count", {
        "nb": "Oppgi _count én gang.", "en": "Give _count once."}, id="count-twice"),
    pytest.param("Patient?identifier=12345678901", "identifier", {
        "nb": "identifier: Kontrollsifrene stemmer ikke: nummeret er feiltastet.",
        "en": "identifier: The check digits do not match: the number is mistyped."},
        id="bad-identifier"),
])
def test_it_refuses_a_search_in_the_requests_language(cast, tromso_epj, query, expression,
                                                       texts, headers, language):
    found = refusal(tromso_epj.get(f"{BASE}{query}", **headers))
    assert found["diagnostics"].startswith(texts[language])
    assert found["expression"] == [expression]


def post(client, path, body, headers):
    return client.post(f"{BASE}{path}", body, format="json", HTTP_ACCEPT=FHIR_JSON, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
@pytest.mark.parametrize(("body", "expression", "texts"), [
    pytest.param({"resourceType": "Encounter", "status": "in-progress", "class": IMP,
                  "period": {"start": "2026-01-31T12:00:00Z"},
                  "location": [{"location": {"display": "Slag"}}]}, "Encounter.subject", {
        "nb": "Oppgi pasienten i subject.", "en": "Name the patient in subject."},
        id="missing-subject"),
    pytest.param({"resourceType": "Encounter", "status": "in-progress"}, "Encounter.class", {
        "nb": "Encounter.class må oppgis.", "en": "Encounter.class is required."},
        id="missing-class"),
    pytest.param({"resourceType": "Encounter", "status": "in-progress", "class": IMP,
                  "period": {"start": "yesterday"}}, "Encounter.period.start", {
        "nb": "Encounter.period.start er ikke gyldig (", "en": "Encounter.period.start is not "
                                                                "valid ("}, id="bad-date"),
    pytest.param({"resourceType": "Encounter", "status": "planned", "class": IMP},
                 "Encounter.status", {
        "nb": "Et innleggelsesopphold opprettes med status in-progress.",
        "en": "An admission is created in-progress."}, id="planned"),
    pytest.param({"resourceType": "Patient"}, "Encounter.resourceType", {
        "nb": "Forventet resourceType Encounter.", "en": "Expected resourceType Encounter."},
        id="other-resource-type"),
])
def test_it_refuses_an_invalid_encounter_in_the_requests_language(cast, unn_epj, body,
                                                                  expression, texts,
                                                                  headers, language):
    found = refusal(post(unn_epj, "Encounter", body, headers))
    assert found["diagnostics"].startswith(texts[language])
    assert found["expression"] == [expression]
    assert not Admission.objects.filter(hospital=cast.unn).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_it_refuses_an_invalid_communication_in_the_requests_language(cast, unn_epj, headers,
                                                                      language):
    body = communication(admit(cast), status="in-progress")
    found = refusal(post(unn_epj, "Communication", body, headers))
    assert found["diagnostics"] == {
        "nb": "status er preparation (lagre avdelingens utkast) eller completed (send "
              "tidligmeldingen).",
        "en": "status is preparation (save the ward's draft) or completed (send the "
              "notice)."}[language]
    assert found["expression"] == ["Communication.status"]
    assert not EarlyNotification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "language"), LANGUAGES)
def test_a_municipality_is_refused_admitting_in_the_requests_language(cast, tromso_epj,
                                                                       headers, language):
    body = encounter({"reference": f"Patient/{cast.shared.uuid}"})
    found = refusal(post(tromso_epj, "Encounter", body, headers), status=403)
    assert found["diagnostics"] == {
        "nb": "Bare sykehusets utskrivningskoordinatorer eller EPJ-system kan legge inn "
              "pasienter.",
        "en": "Only a hospital's discharge planners or EPJ system may admit patients."}[
        language]
