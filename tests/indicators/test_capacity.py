"""Capacity against the norms (indicators.capacity): level-4 beds against 1 per 3 000
inhabitants, specialised places (5.1-5.3, private institutions included) against 1 per
7 000 on the projected population where there is one, per area, with the population's
source and year on every row, in a constant number of queries."""

from decimal import Decimal

import pytest

from indicators.areas import areas
from indicators.capacity import capacity
from indicators.models import PopulationKind
from registry.models import OrganizationKind
from tests import factories

from .figures import population, region

pytestmark = pytest.mark.django_db

PROJECTED = PopulationKind.PROJECTED


@pytest.fixture
def north(cast):
    north = region(cast)
    factories.service(cast.tromso, "4", capacity=20)
    factories.service(north.balsfjord, "4", capacity=2)
    factories.service(north.balsfjord, "4", capacity=50, active=False)  # closed
    factories.service(north.karlsoy, "4")  # no capacity given
    factories.service(cast.tromso, "3", capacity=99)  # not an inpatient level
    valnesfjord = factories.organization(OrganizationKind.PRIVATE_INSTITUTION,
                                         "Valnesfjord", located_in=north.saltdal)
    factories.service(valnesfjord, "5.1", capacity=40)
    factories.service(cast.unn, "5.2", capacity=30)  # UNN Tromsø says not where it lies
    north.nlsh.located_in = cast.bodo
    north.nlsh.save()
    factories.service(north.nlsh, "5.3", capacity=10)
    somewhere = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Et sted")
    factories.service(somewhere, "5.1", capacity=8)
    for number, people in (("5501", 78_000), ("5532", 5_600), ("5534", 2_200),
                           ("1804", 53_000), ("1840", 4_600)):
        population(number, 2024, people)
    for number, people in (("5501", 80_000), ("5532", 5_500), ("5534", 2_100)):
        population(number, 2024, people, kind=PROJECTED)
    population("1804", 2023, 52_000, kind=PROJECTED)  # not for 2024
    return north


def rows_by_name(year=2024, wanted=None):
    found = areas()
    return {row.area.name: row for row in capacity(year, wanted(found) if wanted else None,
                                                   within=found)}


def test_every_health_trust_area_and_the_region_gets_need_registered_and_gap(north):
    rows = rows_by_name()
    assert list(rows) == ["Nordlandssykehuset HF", "Universitetssykehuset Nord-Norge HF",
                          "Helse Nord"]
    unn = rows["Universitetssykehuset Nord-Norge HF"]
    # Level 4 on the registered population: 85 800 / 3 000 = 28.6 beds; 22 registered.
    assert (unn.municipal.population, unn.municipal.population_kind) == (85_800, "registered")
    assert (unn.municipal.need, unn.municipal.registered, unn.municipal.gap,
            unn.municipal.share) == (Decimal("28.6"), 22, Decimal("-6.6"), Decimal("76.9"))
    # 5.x on the projection for 2024: 87 600 / 7 000 = 12.5; UNN Tromsø's 30 places fall to
    # its trust's area, as it does not say where it lies.
    assert (unn.specialised.population, unn.specialised.population_kind) == (87_600,
                                                                             "projected")
    assert "13600" in unn.specialised.population_source
    assert (unn.specialised.need, unn.specialised.registered, unn.specialised.gap) == (
        Decimal("12.5"), 30, Decimal("17.5"))
    assert unn.specialised.share == Decimal("240.0")
    # Every row says where its population comes from and which year it is.
    assert (unn.population_year, unn.population) == (2024, 85_800)
    assert "07459" in unn.population_source


def test_without_a_projection_for_the_year_the_registered_population_is_used_and_said(north):
    nlsh = rows_by_name()["Nordlandssykehuset HF"]
    assert (nlsh.specialised.population, nlsh.specialised.population_kind) == (57_600,
                                                                               "registered")
    # The private institution in Saltdal and NLSH Bodø (located in Bodø): 50 places.
    assert (nlsh.specialised.need, nlsh.specialised.registered) == (Decimal("8.2"), 50)
    assert nlsh.municipal.gap == Decimal("-19.2")
    assert nlsh.municipal.share == Decimal("0.0")
    region_row = rows_by_name()["Helse Nord"]
    # The region counts the institution that does not say where it lies too.
    assert region_row.specialised.registered == 88
    assert region_row.specialised.population_kind == "registered"  # 1804 has none for 2024
    assert region_row.municipal.need == Decimal("47.8")


def test_a_municipality_and_a_hospital_have_rows_too(north):
    rows = rows_by_name(wanted=lambda found: [found.get("municipality", "5501"),
                                              found.get("hospital", str(north.unn.uuid))])
    tromso = rows["Tromsø"]
    assert (tromso.municipal.need, tromso.municipal.registered) == (Decimal("26.0"), 20)
    assert tromso.specialised.need == Decimal("11.4")
    hospital = rows["UNN Tromsø"]
    assert (hospital.municipal.need, hospital.specialised.need) == (None, None)
    assert hospital.specialised.registered == 30


def test_a_year_without_population_figures_shows_no_need_rather_than_a_guess(north):
    rows = rows_by_name(year=2019)
    unn = rows["Universitetssykehuset Nord-Norge HF"]
    assert (unn.municipal.need, unn.municipal.population, unn.municipal.gap) == (None, None,
                                                                                 None)
    assert unn.municipal.registered == 22


def test_capacity_costs_the_same_queries_for_many_services_and_areas(
        north, django_assert_max_num_queries):
    found = areas()
    with django_assert_max_num_queries(5):  # services 1, populations 2 x 2
        capacity(2024, found.all(), within=found)
    for n in range(15):
        municipality = factories.organization(name=f"Kommune {n}",
                                              municipality_number=f"{1820 + n}")
        factories.service(municipality, "4", capacity=n + 1)
        population(municipality.municipality_number, 2024, 1000 + n)
    found = areas()
    with django_assert_max_num_queries(5):
        capacity(2024, found.all(), within=found)
