"""Search input that used to answer 500, identifier searches that must leave a trace, and
links that must not carry an identifier (review findings)."""

import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fhir_api.resources import HANDLERS
from pathways.identity import parse_identity_number
from pathways.models import Admission
from registry.models import AuditAction, AuditEvent
from tests import factories

from .conftest import admit, ids, system, validate

BASE = "/fhir/r4/"
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
SUPERSCRIPTS = "²" * 11  # str.isdigit() says yes, int() says no


def post_search(client, resource_type, path=None, **params):
    return client.generic("POST", path or f"{BASE}{resource_type}/_search", urlencode(params),
                          content_type="application/x-www-form-urlencoded")


def links(bundle) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


# -- 400 rather than 500 ----------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", ["Encounter", "Task"])
@pytest.mark.parametrize("query, parameter", [
    ("_count=%C2%B2", "_count"),
    ("_offset=%C2%B2", "_offset"),
    ("_offset=99999999999999999999999", "_offset"),
    ("_offset=10001", "_offset"),
    ("_offset=" + "9" * 5000, "_offset"),
    ("_lastUpdated=9999", "_lastUpdated"),
    ("_lastUpdated=9999-12", "_lastUpdated"),
    ("_lastUpdated=9999-12-31", "_lastUpdated"),
    ("_lastUpdated=gt9999-12-31T23:59:59Z", "_lastUpdated"),
    ("_lastUpdated=0001-01-01", "_lastUpdated"),
    ("_lastUpdated=0001-01-01T00:00:00%2B01:00", "_lastUpdated"),
    ("_lastUpdated=0000", "_lastUpdated"),
])
def test_a_search_value_out_of_range_is_400_naming_the_parameter(cast, world, tromso_epj,
                                                                 resource_type, query,
                                                                 parameter):
    response = tromso_epj.get(f"{BASE}{resource_type}?{query}")
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["expression"] == [parameter]


@pytest.mark.django_db
def test_the_deepest_offset_and_a_huge_count_are_still_answered(cast, world, tromso_epj):
    deepest = tromso_epj.get(f"{BASE}Task?_offset=10000")
    assert deepest.status_code == 200, deepest.content
    assert "entry" not in deepest.json()
    huge = tromso_epj.get(f"{BASE}Encounter?_count={'9' * 5000}")
    assert huge.status_code == 200
    assert links(huge.json())["self"].endswith("_count=200")


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", ["Encounter", "Task"])
def test_a_time_with_any_utc_offset_is_compared_in_utc(cast, tromso_epj, resource_type):
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (it was a 500 there).
    # +23:59 on New Year's Day is 00:01 UTC on New Year's Eve.
    admission = admit(cast)
    Admission.objects.filter(pk=admission.pk).update(
        updated_at=datetime.datetime(2019, 12, 31, 0, 30, tzinfo=datetime.UTC))
    moment = "2020-01-01T00:00:00%2B23:59"
    after = tromso_epj.get(f"{BASE}{resource_type}?_lastUpdated=ge{moment}")
    assert after.status_code == 200, after.content
    assert after.json()["total"] == 1
    assert tromso_epj.get(f"{BASE}{resource_type}?_lastUpdated=lt{moment}").json()["total"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("number", [
    pytest.param(SUPERSCRIPTS, id="superscript-digits"),
    pytest.param("mistyped", id="wrong-check-digit"),
])
def test_an_identifier_that_cannot_be_one_is_a_400_as_in_rest(cast, tromso_epj, number):
    if number == "mistyped":
        valid = cast.shared.identity_number
        number = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    with translation.override("nb"):
        try:
            parse_identity_number(number)
        except ValidationError as exc:
            expected = f"identifier: {' '.join(exc.messages)}"
    for response in (tromso_epj.get(f"{BASE}Patient?identifier={number}"),
                     post_search(tromso_epj, "Patient", identifier=f"{FNR}|{number}")):
        assert response.status_code == 400, response.content
        outcome = response.json()
        validate(outcome)
        assert outcome["issue"][0]["code"] == "invalid"
        assert outcome["issue"][0]["diagnostics"] == expected
        assert outcome["issue"][0]["expression"] == ["identifier"]


@pytest.mark.django_db
def test_an_unexpected_error_is_a_500_operation_outcome(cast, tromso_epj, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(HANDLERS["Encounter"], "page", broken)
    response = tromso_epj.get(f"{BASE}Encounter")
    assert response.status_code == 500
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["code"] == "exception"
    assert "a bug" not in response.content.decode()


# -- audit ------------------------------------------------------------------------------------

def searches():
    return AuditEvent.objects.filter(action=AuditAction.SEARCH)


@pytest.mark.django_db
def test_an_identifier_search_that_finds_nothing_is_audited_without_the_number(cast, world,
                                                                               tromso_epj):
    unknown = factories.identity_number()
    response = post_search(tromso_epj, "Patient", identifier=f"{FNR}|{unknown}")
    assert response.json()["total"] == 0
    tromso_epj.get(f"{BASE}Patient?identifier={factories.identity_number()}")
    # Out of scope looks like unknown, and is logged like it.
    post_search(tromso_epj, "Patient", identifier=cast.bodo_only.identity_number)
    # _count=0 answers the total only: whether the number exists. Logged as well.
    counted = post_search(tromso_epj, "Patient", identifier=cast.shared.identity_number,
                          _count="0")
    assert counted.json()["total"] == 1
    events = list(searches().order_by("id"))
    assert [(e.object_type, e.patient_uuid) for e in events] == [("patient", None)] * 4
    assert [e.detail for e in events] == ["fhir search by identifier, no match"] * 3 + [
        "fhir search by identifier, no entries returned"]
    for event in events:
        for number in (unknown, cast.bodo_only.identity_number, cast.shared.identity_number):
            assert number not in event.detail
            assert number not in event.object_id
    assert {e.via for e in events} == {"api"}


@pytest.mark.django_db
def test_a_search_without_identifier_or_of_the_registry_logs_no_search(cast, world,
                                                                       tromso_epj):
    assert tromso_epj.get(f"{BASE}Patient?_id={cast.bodo_only.uuid}").json()["total"] == 0
    assert tromso_epj.get(f"{BASE}Organization?identifier=nothing").json()["total"] == 0
    assert not searches().exists()


# -- links of a POSTed search -----------------------------------------------------------------

@pytest.mark.django_db
def test_the_links_of_a_posted_search_leave_the_identifier_out(cast, world, tromso_epj):
    number = cast.shared.identity_number
    found = post_search(tromso_epj, "Patient", identifier=f"{FNR}|{number}").json()
    assert ids(found) == {str(cast.shared.uuid)}
    self_link = links(found)["self"]
    assert number not in self_link
    assert urlsplit(self_link).path == f"{BASE}Patient/_search"
    # Following the link with GET does not widen the search to every patient.
    assert tromso_epj.get(self_link).status_code == 405
    # A GET search keeps its parameters in the links (they were in the URL already).
    got = tromso_epj.get(f"{BASE}Organization?identifier=urn:oid:2.16.578.1.12.4.1.4.101|"
                         f"{cast.unn.orgnr}").json()
    assert cast.unn.orgnr in links(got)["self"]


@pytest.mark.django_db
def test_a_posted_search_pages_by_posting_the_body_to_the_next_link(cast, tromso_epj):
    every_orgnr = "urn:oid:2.16.578.1.12.4.1.4.101|"  # any organisation with an orgnr
    first = post_search(tromso_epj, "Organization", identifier=every_orgnr, _count="2").json()
    assert first["total"] == 5 and len(first["entry"]) == 2
    seen = ids(first)
    link = links(first)
    while "next" in link:
        assert "identifier" not in parse_qs(urlsplit(link["next"]).query)
        page = post_search(tromso_epj, "Organization", path=link["next"],
                           identifier=every_orgnr).json()
        assert page["total"] == 5
        seen |= ids(page)
        link = links(page)
    assert len(seen) == 5
    assert "previous" in link


@pytest.mark.django_db
def test_the_capability_statement_says_resources_are_versioned(api_client):
    statement = api_client.get(f"{BASE}metadata").json()
    validate(statement)
    versioning = {r["type"]: r["versioning"] for r in statement["rest"][0]["resource"]}
    # The indicators' Measure and MeasureReport are computed aggregates without versions.
    assert versioning.pop("Measure") == versioning.pop("MeasureReport") == "no-version"
    assert set(versioning.values()) == {"versioned"}


def test_a_nul_in_a_search_value_is_a_400(cast):
    response = system(cast.unn).get("/fhir/r4/Organization", {"identifier": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
