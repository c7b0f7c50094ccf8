"""Reading the aggregates (indicators.reading, periods, areas): each unit's arithmetic on
hand-made figures, sums over months and areas, empty periods, and query counts that do not
grow with figures or areas."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from indicators import reading
from indicators.areas import areas
from indicators.models import PopulationKind, Unit
from indicators.periods import Period, month_start
from tests import factories

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(cast):
    return region(cast)


# -- periods ----------------------------------------------------------------------------------


def test_it_parses_a_year_a_quarter_and_a_month_and_names_them_in_bokmal():
    year, quarter, month = Period.parse("2024"), Period.parse("2024-Q1"), Period.parse("2024-03")
    assert (year.kind, year.start, year.end) == ("year", datetime.date(2024, 1, 1),
                                                 datetime.date(2025, 1, 1))
    assert quarter.months() == [datetime.date(2024, m, 1) for m in (1, 2, 3)]
    assert month.end == datetime.date(2024, 4, 1)
    assert [p.key for p in (year, quarter, month)] == ["2024", "2024-Q1", "2024-03"]
    assert [p.label for p in (year, quarter, month)] == ["2024", "1. kvartal 2024",
                                                         "mars 2024"]
    with translation.override("en"):
        assert [quarter.label, month.label] == ["Q1 2024", "March 2024"]


@pytest.mark.parametrize("key", ["", "24", "2024-13", "2024-Q5", "2024-00", "mars", "1800",
                                 "2024-3"])
def test_it_refuses_what_is_not_a_period_with_a_readable_message(key):
    with pytest.raises(ValueError, match="periode|måned|kvartal|årene"):
        Period.parse(key)


def test_it_steps_back_for_a_trend_and_finds_the_current_period():
    march = Period.parse("2024-03")
    assert [p.key for p in march.previous(4)] == ["2023-12", "2024-01", "2024-02", "2024-03"]
    assert [p.key for p in Period.parse("2024-Q2").previous(3)] == [
        "2023-Q4", "2024-Q1", "2024-Q2"]
    assert Period.current("quarter", datetime.date(2024, 8, 15)).key == "2024-Q3"
    # 23:30 UTC on 31 March is 1 April in Oslo.
    late = datetime.datetime(2024, 3, 31, 23, 30, tzinfo=datetime.UTC)
    assert month_start(late) == datetime.date(2024, 4, 1)
    assert Period.current("month", late).key == "2024-04"


# -- areas ------------------------------------------------------------------------------------


def test_it_builds_the_areas_from_the_registry_in_three_queries(north,
                                                                 django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        found = areas("helse_nord")
    unn = found.get("health_trust", str(north.unn_hf.uuid))
    assert unn.municipality_numbers == ("5501", "5532", "5534")
    assert unn.parent_key == "helse_nord"
    assert found.trust_of("1804").name == "Nordlandssykehuset HF"
    assert found.region_of("5501").key == "helse_nord"
    assert found.get("region", "helse_nord").municipality_numbers == (
        "1804", "1840", "5501", "5532", "5534")
    tromso = found.get("municipality", "5501")
    assert (tromso.name, tromso.parent_key) == ("Tromsø", str(north.unn_hf.uuid))
    harstad = found.get("hospital", str(north.harstad.uuid))
    assert (harstad.hospital_id, harstad.parent_key) == (north.harstad.pk, str(north.unn_hf.uuid))
    assert {a.name for a in found.siblings(tromso)} == {"Tromsø", "Balsfjord", "Karlsøy"}
    assert found.parse("municipality:5501") == tromso
    with pytest.raises(ValueError, match="ikke et område"):
        found.parse("5501")
    with pytest.raises(ValueError, match="finnes ikke"):
        found.parse("municipality:9999")


# -- arithmetic -------------------------------------------------------------------------------


def test_a_share_is_the_numerator_over_the_denominator_summed_over_months_and_areas(north):
    share = indicator(Unit.SHARE)
    figure(share, "2024-01", "5501", 30, 40, hospital=north.unn)
    figure(share, "2024-02", "5501", 20, 40, hospital=north.harstad)
    figure(share, "2024-01", "5532", 6, 8, hospital=north.unn)
    figure(share, "2023-12", "5501", 1, 100)  # another year: not counted
    found = areas()
    q1 = Period.parse("2024-Q1")
    cells = reading.table([share], q1, [found.get("municipality", "5501"),
                                        found.get("health_trust", str(north.unn_hf.uuid)),
                                        found.get("hospital", str(north.unn.uuid))],
                          within=found)
    tromso = cells[(share.code, "municipality", "5501")]
    assert (tromso.numerator, tromso.denominator, tromso.value) == (50, 80, Decimal("62.5"))
    assert tromso.display == "62,5 %"
    trust = cells[(share.code, "health_trust", str(north.unn_hf.uuid))]
    assert (trust.numerator, trust.denominator) == (56, 88)
    hospital = cells[(share.code, "hospital", str(north.unn.uuid))]
    assert (hospital.numerator, hospital.denominator, hospital.display) == (36, 48, "75,0 %")
    with translation.override("en"):
        assert reading.table([share], q1, [found.get("municipality", "5501")], within=found)[
            (share.code, "municipality", "5501")].display == "62.5 %"


def test_an_empty_period_has_no_value_and_shows_a_dash(north):
    share = indicator(Unit.SHARE)
    hours = indicator(Unit.HOURS)
    cells = reading.table([share, hours], Period.parse("2024"),
                          [areas().get("municipality", "5501")])
    for code in (share.code, hours.code):
        cell = cells[(code, "municipality", "5501")]
        assert (cell.value, cell.suppressed, cell.display) == (None, False, "–")


def test_a_median_comes_from_the_histograms_added_together(north):
    hours = indicator(Unit.HOURS)
    figure(hours, "2024-01", "5501", histogram={"2": 3, "30": 1}, hospital=north.unn)
    figure(hours, "2024-02", "5501", histogram={"10": 2}, hospital=north.harstad)
    figure(hours, "2024-02", "5532", histogram={"50": 6}, hospital=north.unn)
    found = areas()
    cells = reading.table([hours], Period.parse("2024"), [
        found.get("municipality", "5501"), found.get("health_trust", str(north.unn_hf.uuid))],
        within=found)
    # Tromsø: 2, 2, 2, 10, 10, 30: the middle two are 2 and 10.
    tromso = cells[(hours.code, "municipality", "5501")]
    assert (tromso.value, tromso.count, tromso.display) == (Decimal("6.0"), 6, "6,0")
    # The trust: 2, 2, 2, 10, 10, 30, 50 (6 times): 30 and 50.
    assert cells[(hours.code, "health_trust", str(north.unn_hf.uuid))].value == Decimal("40.0")


def test_a_rate_divides_by_the_population_of_the_periods_year(north):
    days = indicator(Unit.DAYS_PER_1000)
    coordinators = indicator(Unit.PER_10000)
    figure(days, "2024-03", "5501", 150, 0)
    figure(days, "2024-03", "5532", 20, 0)
    figure(coordinators, "2024-03", "5501", 25)
    population("5501", 2024, 75_000)
    population("5501", 2023, 70_000)
    population("5532", 2023, 5_000)  # the newest figure before 2024 counts for 2024
    population("5501", 2024, 99_000, kind=PopulationKind.PROJECTED)  # not for rates
    found = areas()
    cells = reading.table([days, coordinators], Period.parse("2024"), [
        found.get("municipality", "5501"), found.get("municipality", "5532"),
        found.get("hospital", str(north.unn.uuid))], within=found)
    tromso = cells[(days.code, "municipality", "5501")]
    assert (tromso.value, tromso.population, tromso.population_year) == (
        Decimal("2.0"), 75_000, 2024)
    assert "07459" in tromso.population_source
    assert cells[(days.code, "municipality", "5532")].value == Decimal("4.0")
    assert cells[(coordinators.code, "municipality", "5501")].value == Decimal("3.3")
    # A hospital has no population of its own.
    assert cells[(days.code, "hospital", str(north.unn.uuid))].value is None


def test_a_rate_without_a_population_figure_is_left_empty_rather_than_guessed(north):
    days = indicator(Unit.PER_1000)
    figure(days, "2024-03", "5534", 40)
    cell = reading.table([days], Period.parse("2024"),
                         [areas().get("municipality", "5534")])[(days.code, "municipality",
                                                                 "5534")]
    assert (cell.value, cell.display, cell.numerator) == (None, "–", 40)


def test_nok_is_the_sum_of_the_numerators(north):
    cost = indicator(Unit.NOK)
    figure(cost, "2024-01", "5501", 5745 * 10, 10, hospital=north.unn)
    figure(cost, "2024-02", "5501", 5745 * 2, 2, hospital=north.harstad)
    cell = reading.table([cost], Period.parse("2024"),
                         [areas().get("municipality", "5501")])[(cost.code, "municipality",
                                                                 "5501")]
    assert cell.value == Decimal(68_940)
    assert cell.display == "68\xa0940 kr"


def test_an_amount_without_its_days_is_suppressed_except_for_its_own_municipality(north):
    # Its count is not known, and the amount divided by the daily rate would give the days.
    cost = indicator(Unit.NOK)
    figure(cost, "2024-01", "5501", 5745 * 3)
    tromso = areas().get("municipality", "5501")
    key = (cost.code, "municipality", "5501")
    assert reading.table([cost], Period.parse("2024"), [tromso])[key].display == "<5"
    own = reading.table([cost], Period.parse("2024"), [tromso], exempt_numbers={"5501"})[key]
    assert own.value == Decimal(17_235)


def test_a_dimension_reads_its_own_figures_and_the_whole_is_the_row_without_one(north):
    # As level_share writes it: the whole (levels 4 and 5.1 chosen) beside a row per level.
    levels = indicator(Unit.SHARE)
    figure(levels, "2024-01", "5501", 30, 40)
    figure(levels, "2024-01", "5501", 10, 40, dimension="4")
    figure(levels, "2024-01", "5501", 20, 40, dimension="5.1")
    figure(levels, "2024-01", "5501", 10, 40, dimension="2")
    tromso = areas().get("municipality", "5501")
    q1 = Period.parse("2024-Q1")
    only_4 = reading.table([levels], q1, [tromso], dimension="4")
    assert only_4[(levels.code, "municipality", "5501")].value == Decimal("25.0")
    whole = reading.table([levels], q1, [tromso])[(levels.code, "municipality", "5501")]
    assert (whole.numerator, whole.denominator, whole.value) == (30, 40, Decimal("75.0"))
    assert reading.dimensions(levels, q1) == ["2", "4", "5.1"]


def test_an_indicator_split_only_by_dimension_adds_its_parts_up_for_the_whole(north):
    # As waiting_days writes it: a histogram per level, none for the whole.
    waiting = indicator(Unit.DAYS)
    figure(waiting, "2024-01", "5501", histogram={"10": 5}, dimension="4")
    figure(waiting, "2024-02", "5501", histogram={"30": 4}, dimension="5.1")
    tromso = areas().get("municipality", "5501")
    whole = reading.table([waiting], Period.parse("2024"), [tromso])[
        (waiting.code, "municipality", "5501")]
    assert (whole.count, whole.value) == (9, Decimal("10.0"))
    level = reading.table([waiting], Period.parse("2024"), [tromso], dimension="5.1")[
        (waiting.code, "municipality", "5501")]
    assert level.suppressed  # 4 values


def test_a_trend_gives_each_period_its_own_cell(north):
    share = indicator(Unit.SHARE)
    figure(share, "2024-01", "5501", 10, 20)
    figure(share, "2024-03", "5501", 15, 20)
    tromso = areas().get("municipality", "5501")
    months = Period.parse("2024-03").previous(3)
    found = reading.trend(share, months, tromso)
    assert [(p.key, c.display) for p, c in found] == [
        ("2024-01", "50,0 %"), ("2024-02", "–"), ("2024-03", "75,0 %")]


def test_reading_costs_the_same_queries_for_many_figures_and_areas(
        north, django_assert_max_num_queries):
    share, hours, rate = indicator(Unit.SHARE), indicator(Unit.DAYS), indicator(Unit.PER_1000)
    population("5501", 2024, 75_000)

    def read_all():
        found = areas()  # 3 queries
        year = Period.parse("2024")
        # sums (1), histograms (1), population (at most 2)
        with django_assert_max_num_queries(4):
            reading.table([share, hours, rate], year, found.all(), within=found)
        with django_assert_max_num_queries(4):  # sums, histograms (no rate asked)
            reading.trend(hours, Period.parse("2024-12").previous(12), found.regions[0],
                          within=found)
        with django_assert_max_num_queries(5):  # sums, population of 2023 and 2024 (2 each)
            reading.trend(rate, Period.parse("2024-06").previous(12), found.regions[0],
                          within=found)

    read_all()
    for month in range(1, 13):
        for number in ("5501", "5532", "5534", "1804", "1840"):
            figure(share, f"2024-{month:02d}", number, 3, 9, hospital=north.unn)
            figure(hours, f"2024-{month:02d}", number, histogram={"3": 2}, hospital=north.nlsh)
            figure(rate, f"2024-{month:02d}", number, 7)
    read_all()


def test_a_rate_counts_the_population_imported_under_old_numbers_and_merged_ones(north):
    from indicators.models import MunicipalityNumberChange

    for old, new, year, kind in (("1902", "5401", 2020, "renumbered"),
                                 ("5401", "5501", 2024, "renumbered"),
                                 ("5498", "5532", 2024, "merged"),
                                 ("5499", "5532", 2024, "merged")):
        MunicipalityNumberChange.objects.create(from_number=old, to_number=new, year=year,
                                                kind=kind, source="test")
    rate = indicator(Unit.PER_1000)
    # The computation writes figures under the current numbers.
    figure(rate, "2019-05", "5501", 152)
    figure(rate, "2023-05", "5532", 30)
    population("1902", 2019, 76_000)  # Tromsø's figure of 2019, under its number of then
    population("5498", 2023, 3_600)  # two municipalities merged into 5532 in 2024
    population("5499", 2023, 2_400)
    found = areas()
    tromso = reading.table([rate], Period.parse("2019"), [found.get("municipality", "5501")],
                           within=found)[(rate.code, "municipality", "5501")]
    assert (tromso.value, tromso.population, tromso.population_year) == (
        Decimal("2.0"), 76_000, 2019)
    merged = reading.table([rate], Period.parse("2023"), [found.get("municipality", "5532")],
                           within=found)[(rate.code, "municipality", "5532")]
    assert (merged.population, merged.value) == (6_000, Decimal("5.0"))
    # A municipality the registry still knows under an old number is its current number's
    # area, whose figures the computation writes.
    MunicipalityNumberChange.objects.create(from_number="1917", to_number="5514", year=2020,
                                            kind="renumbered", source="test")
    factories.organization(name="Ibestad", municipality_number="1917")
    assert areas().get("municipality", "5514").name == "Ibestad"
