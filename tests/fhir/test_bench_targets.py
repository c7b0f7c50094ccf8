"""`make bench` times the first and the last page of FHIR searches: its last page is the one a
client reaches by following the next links to the end."""

import pytest
from django.test import Client

from registry.services import create_api_client
from rehab_portal.bench import pages as bench_pages

from .conftest import ALL_SCOPES, admit
from .test_paging import flat, make_patients, walk


@pytest.mark.django_db
def test_the_bench_times_the_first_and_the_last_fhir_page(cast, monkeypatch):
    monkeypatch.setattr(bench_pages, "PAGE_SIZE", 2)
    for patient in make_patients(cast, 5):
        admit(cast, patient)
    api_client, key = create_api_client(cast.unn, "Bench EPJ", scopes=ALL_SCOPES)
    pages = bench_pages.Pages.__new__(bench_pages.Pages)  # the API client alone
    pages.api_user, pages.runs = api_client.user, 1
    pages.clients = {"api": Client(HTTP_AUTHORIZATION=f"Bearer {key}")}
    targets = pages.fhir_targets()
    assert [t.name for t in targets] == [
        "FHIR Encounter first page", "FHIR Encounter last page (cursor)",
        "FHIR Patient first page", "FHIR Patient last page (cursor)"]
    results = pages.measure(targets)
    assert {row["status"] for row in results.values()} == {200}
    assert {row["rows"] for row in results.values()} == {2}
    for target in targets[1::2]:
        walked = walk(pages.clients["api"], f"{target.url}?_count=2")
        last = pages.clients["api"].get(target.url, target.params).json()
        assert [e["resource"]["id"] for e in last["entry"]] == flat(walked)[-2:]
