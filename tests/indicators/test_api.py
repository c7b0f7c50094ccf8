"""Indicators and capacity over the REST API: the catalogue, an indicator's figures for a
period and areas (suppressed, without counts), capacity for a year; 400s naming the field,
403 for readers without a scope, the `indicators:read` scope for EPJ systems, the OpenAPI
schema, and query counts that hold for many figures and areas."""

import pytest
from rest_framework.test import APIClient

from indicators.models import Unit
from registry.models import Role
from tests import factories
from tests.api.support import error, openapi

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(cast):
    north = region(cast)
    north.share = indicator(Unit.SHARE, code="test-notices-on-time", name="Tidligmelding i tide")
    figure(north.share, "2024-03", "5501", 30, 48, hospital=cast.unn)
    figure(north.share, "2024-03", "5532", 1, 3, hospital=cast.unn)
    figure(north.share, "2024-03", "5534", 9, 10, hospital=cast.unn)
    figure(north.share, "2024-03", "1804", 40, 50)
    return north


def signed_in(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_the_catalogue_lists_published_indicators_by_code(cast, north):
    indicator(Unit.SHARE, code="test-unpublished", published=False)
    response = signed_in(cast.ke_tromso).get("/api/v1/indicators/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert "test-notices-on-time" in codes and "test-unpublished" not in codes
    detail = signed_in(cast.ke_tromso).get("/api/v1/indicators/test-notices-on-time/").json()
    assert (detail["name"], detail["unit"]) == ("Tidligmelding i tide", "share")
    assert detail["figures"].endswith("/api/v1/indicators/test-notices-on-time/figures/")
    assert signed_in(cast.ke_tromso).get(
        "/api/v1/indicators/test-unpublished/").status_code == 404
    no_sync = signed_in(cast.ke_tromso).get("/api/v1/indicators/", {"cursor": ""})
    assert no_sync.status_code == 400 and list(error(no_sync)["fields"]) == ["cursor"]


def test_a_ke_gets_its_own_areas_by_default_with_its_small_counts(cast, north):
    response = signed_in(cast.ke_tromso).get(
        "/api/v1/indicators/test-notices-on-time/figures/", {"period": "2024-Q1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"key": "2024-Q1", "kind": "quarter", "label": "1. kvartal 2024",
                              "start": "2024-01-01", "end": "2024-04-01"}
    assert [(r["area"]["ref"], r["value"], r["display"]) for r in body["results"]] == [
        ("municipality:5501", 62.5, "62,5 %"), ("region:helse_nord", 72.1, "72,1 %")]
    assert body["results"][0]["numerator"] == 30


def test_another_municipalitys_small_cell_comes_without_counts(cast, north):
    response = signed_in(cast.ke_bodo).get(
        "/api/v1/indicators/test-notices-on-time/figures/",
        {"period": "2024", "area": ["municipality:5532", "municipality:5534,municipality:5501"]})
    assert response.status_code == 200, response.content
    rows = {r["area"]["key"]: r for r in response.json()["results"]}
    for number in ("5532", "5534"):  # Balsfjord's 3, and Karlsøy with it (secondary)
        assert rows[number]["suppressed"] is True
        assert rows[number]["display"] == "<5"
        assert (rows[number]["value"], rows[number]["numerator"], rows[number]["denominator"],
                rows[number]["count"]) == (None, None, None, None)
    assert rows["5501"]["denominator"] == 48
    assert "\"numerator\": 1," not in response.content.decode()


@pytest.mark.parametrize(("query", "field"), [
    ({"period": "2024-13"}, "period"), ({"period": "fjor"}, "period"), ({"period": ""}, "period"),
    ({"area": "municipality:9999"}, "area"), ({"area": "oslo"}, "area"),
    ({"area": "health_trust:not-a-uuid"}, "area"),
])
def test_a_bad_period_or_area_is_a_400_naming_it(cast, north, query, field):
    response = signed_in(cast.ke_tromso).get(
        "/api/v1/indicators/test-notices-on-time/figures/", query)
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]


def test_capacity_for_a_year_for_every_health_trust_area(cast, north):
    factories.service(cast.tromso, "4", capacity=20)
    for number, people in (("5501", 78_000), ("5532", 5_600), ("5534", 2_200)):
        population(number, 2024, people)
    regional = factories.user("regional", cast.unn_hf, Role.REGIONAL_PLANNER)
    response = signed_in(regional).get("/api/v1/capacity/", {"year": "2024"})
    assert response.status_code == 200, response.content
    rows = {row["area"]["name"]: row for row in response.json()["results"]}
    unn = rows["Universitetssykehuset Nord-Norge HF"]
    assert unn["municipal"]["need"] == 28.6 and unn["municipal"]["registered"] == 20
    assert unn["municipal"]["gap"] == -8.6
    assert unn["municipal"]["population_year"] == 2024
    assert "07459" in unn["municipal"]["population_source"]
    assert rows["Nordlandssykehuset HF"]["municipal"]["need"] is None  # no population known
    for year in ("1800", "twenty", ""):
        bad = signed_in(regional).get("/api/v1/capacity/", {"year": year})
        assert bad.status_code == 400 and list(error(bad)["fields"]) == ["year"]


def test_readers_without_an_indicator_scope_are_refused(cast, north):
    for url in ("/api/v1/indicators/", "/api/v1/indicators/test-notices-on-time/figures/",
                "/api/v1/capacity/"):
        response = signed_in(cast.coordinator).get(url)
        assert response.status_code == 403, url
        assert error(response)["code"] == "permission_denied"
        assert APIClient().get(url).status_code in (401, 403)


def test_an_epj_system_needs_the_indicators_scope_and_reads_as_its_organisation(cast, north):
    without = factories.api_client(cast.tromso, "Uten", scopes=["patients:read"])
    assert without.get("/api/v1/indicators/").status_code == 403
    gerica = factories.api_client(cast.tromso, "Gerica", scopes=["indicators:read"])
    body = gerica.get("/api/v1/indicators/test-notices-on-time/figures/",
                      {"period": "2024"}).json()
    assert body["results"][0]["area"]["ref"] == "municipality:5501"
    dips = factories.api_client(cast.unn, "DIPS", scopes=["indicators:read"])
    rows = dips.get("/api/v1/indicators/test-notices-on-time/figures/",
                    {"period": "2024"}).json()["results"]
    assert [r["area"]["kind"] for r in rows] == ["hospital", "health_trust", "region"]
    assert rows[0]["denominator"] == 61  # UNN Tromsø answers for all three municipalities


def test_the_api_costs_the_same_queries_for_many_figures_and_areas(
        cast, north, django_assert_max_num_queries):
    client = signed_in(cast.ke_tromso)
    many = ",".join(f"municipality:{n}" for n in ("5501", "5532", "5534", "1804"))

    def ask():
        # session, user, memberships, areas (3), indicator, figures
        with django_assert_max_num_queries(9):
            assert client.get("/api/v1/indicators/test-notices-on-time/figures/",
                              {"period": "2024", "area": many}).status_code == 200
        with django_assert_max_num_queries(8):  # session, user, memberships, areas, page
            assert client.get("/api/v1/indicators/").status_code == 200
        with django_assert_max_num_queries(7):
            assert client.get("/api/v1/indicators/test-notices-on-time/").status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get("/api/v1/capacity/", {"year": "2024"}).status_code == 200

    ask()
    for n in range(12):
        municipality = factories.organization(name=f"Kommune {n}",
                                              municipality_number=f"{1820 + n}")
        factories.service(municipality, "4", capacity=3)
        population(municipality.municipality_number, 2024, 1_000 + n)
        for month in range(1, 13):
            figure(north.share, f"2024-{month:02d}", municipality.municipality_number, 5, 10)
        indicator(Unit.DAYS)
    many += ",municipality:1820,municipality:1821"
    ask()


def test_the_schema_documents_the_indicator_operations():
    paths = openapi()["paths"]
    figures = paths["/api/v1/indicators/{code}/figures/"]["get"]
    names = {p["name"] for p in figures["parameters"]}
    assert {"period", "area", "dimension", "code"} <= names
    assert {"200", "400", "403", "404"} <= set(figures["responses"])
    assert "year" in {p["name"] for p in paths["/api/v1/capacity/"]["get"]["parameters"]}
    assert "/api/v1/indicators/" in paths and "/api/v1/indicators/{code}/" in paths
