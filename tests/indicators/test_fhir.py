"""The indicators in FHIR R4: the catalogue as Measure, figures as summary MeasureReports
(numerator and denominator counts and the score; a suppressed one with neither, and an
extension saying so), all valid FHIR R4 by fhir.resources, for readers indicators.access
admits and API clients with `indicators:read`; in the CapabilityStatement."""

import pytest
from rest_framework.test import APIClient

from indicators.models import Unit
from registry.models import Role
from tests import factories
from tests.fhir.conftest import validate, validate_bundle

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
FHIR_JSON = "application/fhir+json"


@pytest.fixture
def north(cast):
    north = region(cast)
    north.share = indicator(Unit.SHARE, code="test-on-time", name="Tidligmelding i tide",
                            name_en="Early notice on time", direction="higher",
                            caveats="Bare meldinger sendt i portalen.", target=100)
    figure(north.share, "2024-03", "5501", 30, 48, hospital=cast.unn)
    figure(north.share, "2024-03", "5532", 1, 3, hospital=cast.unn)
    figure(north.share, "2024-03", "5534", 9, 10, hospital=cast.unn)
    north.hours = indicator(Unit.HOURS, code="test-notice-hours", direction="lower")
    figure(north.hours, "2024-03", "5501", histogram={"5": 3, "20": 4})
    north.rate = indicator(Unit.PER_1000, code="test-specialised", direction="neither")
    figure(north.rate, "2024-03", "5501", 700)
    population("5501", 2024, 70_000)
    return north


def fhir(user=None, **headers):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    client.credentials(HTTP_ACCEPT=FHIR_JSON, **headers)
    return client


def test_an_indicator_is_a_valid_measure_with_scoring_and_improvement(cast, north):
    response = fhir(cast.ke_tromso).get(f"{BASE}Measure/test-on-time")
    assert response.status_code == 200, response.content
    resource = response.json()
    validate(resource)
    assert (resource["id"], resource["title"], resource["status"]) == (
        "test-on-time", "Tidligmelding i tide", "active")
    assert resource["scoring"]["coding"][0]["code"] == "proportion"
    assert resource["improvementNotation"]["coding"][0]["code"] == "increase"
    assert resource["guidance"] == "Bare meldinger sendt i portalen."
    assert [p["code"]["coding"][0]["code"] for p in resource["group"][0]["population"]] == [
        "numerator", "denominator"]
    english = fhir(cast.ke_tromso, HTTP_ACCEPT_LANGUAGE="en").get(
        f"{BASE}Measure/test-on-time").json()
    assert english["title"] == "Early notice on time"
    hours = fhir(cast.ke_tromso).get(f"{BASE}Measure/test-notice-hours").json()
    validate(hours)
    assert hours["scoring"]["coding"][0]["code"] == "continuous-variable"
    assert hours["improvementNotation"]["coding"][0]["code"] == "decrease"
    rate = fhir(cast.ke_tromso).get(f"{BASE}Measure/test-specialised").json()
    assert rate["scoring"]["coding"][0]["code"] == "ratio"
    assert "improvementNotation" not in rate
    bundle = fhir(cast.ke_tromso).get(f"{BASE}Measure", {"_id": "test-on-time"}).json()
    assert [r["id"] for r in validate_bundle(bundle)] == ["test-on-time"]
    assert fhir(cast.ke_tromso).get(f"{BASE}Measure/nothing-here").status_code == 404


def test_a_measure_report_carries_the_counts_and_the_score_and_validates(cast, north):
    response = fhir(cast.ke_bodo).get(f"{BASE}MeasureReport", {
        "measure": "Measure/test-on-time", "period": "2024",
        "subject": "municipality:5501,health_trust:" + str(north.unn_hf.uuid)})
    assert response.status_code == 200, response.content
    reports = validate_bundle(response.json())
    assert response.json()["total"] == 2
    tromso, trust = reports
    assert (tromso["status"], tromso["type"]) == ("complete", "summary")
    assert tromso["measure"] == "urn:rehab-portal:measure:test-on-time"
    assert tromso["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert tromso["subject"]["identifier"] == {"system": "urn:oid:2.16.578.1.12.4.1.1.3402",
                                               "value": "5501"}
    group = tromso["group"][0]
    assert [(p["code"]["coding"][0]["code"], p["count"]) for p in group["population"]] == [
        ("numerator", 30), ("denominator", 48)]
    assert group["measureScore"]["value"] == 62.5
    assert group["measureScore"]["code"] == "%"
    assert trust["subject"]["identifier"]["value"] == north.unn_hf.orgnr
    assert trust["group"][0]["population"][1]["count"] == 61
    # The report is read by its id too.
    read = fhir(cast.ke_bodo).get(f"{BASE}MeasureReport/{tromso['id']}")
    assert read.status_code == 200, read.content
    assert validate(read.json()) and read.json()["group"] == tromso["group"]


def test_a_suppressed_report_has_no_counts_and_says_it_is_suppressed(cast, north):
    bundle = fhir(cast.ke_bodo).get(f"{BASE}MeasureReport", {
        "measure": "test-on-time", "period": "2024", "subject": "municipality:5532"}).json()
    (report,) = validate_bundle(bundle)
    group = report["group"][0]
    assert "population" not in group and "measureScore" not in group
    assert {"url": "urn:rehab-portal:suppressed", "valueBoolean": True} in group["extension"]
    assert {"url": "urn:rehab-portal:display", "valueString": "<5"} in group["extension"]
    # Tromsø's own KE sees its municipality's small counts; Balsfjord's stay hidden.
    own = fhir(cast.ke_tromso).get(f"{BASE}MeasureReport", {
        "measure": "test-on-time", "period": "2024-Q1",
        "subject": "municipality:5532"}).json()
    assert "population" not in validate_bundle(own)[0]["group"][0]


def test_medians_and_rates_report_their_populations(cast, north):
    bundle = fhir(cast.ke_tromso).get(f"{BASE}MeasureReport", {
        "measure": "test-notice-hours,test-specialised", "period": "2024-03",
        "subject": "urn:oid:2.16.578.1.12.4.1.1.3402|5501"}).json()
    hours, rate = validate_bundle(bundle)
    assert hours["group"][0]["population"][0]["count"] == 7
    assert hours["group"][0]["measureScore"] == {"value": 20.0, "unit": "h",
                                                 "system": "http://unitsofmeasure.org",
                                                 "code": "h"}
    assert [p["count"] for p in rate["group"][0]["population"]] == [700, 70_000]
    assert rate["group"][0]["measureScore"]["value"] == 10.0


def test_the_default_is_the_readers_own_areas_in_the_current_year(cast, north):
    bundle = fhir(cast.ke_tromso).get(f"{BASE}MeasureReport",
                                      {"measure": "test-on-time"}).json()
    reports = validate_bundle(bundle)
    assert [r["subject"]["display"] for r in reports] == ["Tromsø", "Helse Nord"]


@pytest.mark.parametrize(("query", "name"), [
    ({"period": "2024-13"}, "period"), ({"subject": "municipality:0000"}, "subject"),
    ({"subject": "Tromsø"}, "subject"), ({"colour": "blue"}, "colour"),
])
def test_a_bad_search_parameter_is_a_400_naming_it(cast, north, query, name):
    response = fhir(cast.ke_tromso).get(f"{BASE}MeasureReport",
                                        {"measure": "test-on-time", **query})
    assert response.status_code == 400
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["expression"] == [name]


def test_readers_without_an_indicator_scope_get_an_operation_outcome(cast, north):
    for path in ("Measure", "Measure/test-on-time", "MeasureReport"):
        response = fhir(cast.coordinator).get(f"{BASE}{path}")
        assert response.status_code == 403, path
        assert response.json()["resourceType"] == "OperationOutcome"
    without = factories.api_client(cast.tromso, "Uten", scopes=["patients:read"])
    assert without.get(f"{BASE}Measure", HTTP_ACCEPT=FHIR_JSON).status_code == 403
    gerica = factories.api_client(cast.tromso, "Gerica", scopes=["indicators:read"])
    bundle = gerica.get(f"{BASE}MeasureReport", {"measure": "test-on-time", "period": "2024"},
                        HTTP_ACCEPT=FHIR_JSON).json()
    assert validate_bundle(bundle)[0]["group"][0]["population"][0]["count"] == 30


def test_a_regional_planner_reads_measures_but_no_patient_resource(cast, north):
    regional = factories.user("regional", cast.unn_hf, Role.REGIONAL_PLANNER)
    client = fhir(regional)
    assert client.get(f"{BASE}Measure/test-on-time").status_code == 200
    bundle = client.get(f"{BASE}MeasureReport", {"measure": "test-on-time",
                                                 "period": "2024"}).json()
    assert {r["subject"]["display"] for r in validate_bundle(bundle)} == {
        "Universitetssykehuset Nord-Norge HF (området)", "Nordlandssykehuset HF (området)",
        "Helse Nord"}
    for path in ("Patient", "Encounter", "CarePlan"):
        response = client.get(f"{BASE}{path}")
        assert response.status_code in (200, 403), path
        if response.status_code == 200:
            assert not response.json().get("entry"), path
    assert client.get(f"{BASE}Patient/{cast.shared.uuid}").status_code in (403, 404)


def test_the_capability_statement_lists_measure_and_measure_report():
    statement = APIClient().get(f"{BASE}metadata").json()
    validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    report = resources["MeasureReport"]
    assert {p["name"] for p in report["searchParam"]} >= {"measure", "period", "subject"}
    assert "indicators:read" in report["documentation"]
    assert resources["Measure"]["versioning"] == "no-version"


def test_a_search_costs_the_same_queries_for_many_figures_and_areas(
        cast, north, django_assert_max_num_queries):
    client = fhir(cast.ke_tromso)

    def ask(subjects):
        # session, user, memberships, areas (3), indicators, figures, histograms,
        # population (2), the last computation
        with django_assert_max_num_queries(13):
            response = client.get(f"{BASE}MeasureReport", {"period": "2024",
                                                            "subject": subjects})
            assert response.status_code == 200

    ask("municipality:5501")
    for n in range(10):
        municipality = factories.organization(name=f"Kommune {n}",
                                              municipality_number=f"{1820 + n}")
        population(municipality.municipality_number, 2024, 2_000)
        for month in range(1, 13):
            figure(north.share, f"2024-{month:02d}", municipality.municipality_number, 5, 9)
            figure(north.hours, f"2024-{month:02d}", municipality.municipality_number,
                   histogram={"4": 6})
    ask(",".join(f"municipality:{1820 + n}" for n in range(10)) + ",region:helse_nord")
