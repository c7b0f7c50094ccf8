"""Reading the aggregates: an indicator's value for areas and periods, suppressed.

Every read is a fixed number of queries whatever the number of figures or areas: the
areas (indicators.areas, at most 3, or none when given), the sums of the figures grouped
by municipality number and hospital (1), the histograms of the medians' figures (1, only
when a median is asked for) and the population for rates (at most 2 per year asked).
The sums are then added up per area in Python.

How a value is worked out follows the indicator's unit:
- share: 100 · numerator / denominator;
- hours, days: the median of the months' and municipalities' histograms added together;
- days_per_1000, per_1000, per_10000: numerator / population · 1 000 (10 000), with the
  area's population of the period's year (indicators.population.population_for); a
  hospital has no population of its own, so no rate;
- nok: the numerator's sum;
- points, points_change: the mean, numerator / denominator / 100 (the numerator is kept in
  hundredths of a point), the denominator (goals, respondents) the count that decides
  suppression; a change shows its sign ("+1,3").
A municipality, health-trust or region area sums every figure of its municipality numbers
(whichever hospital); a hospital area sums the figures it answers for (any municipality).

`dimension`: None reads the whole: an indicator's figures without a dimension where it has
them (level_share writes the whole beside a row per level), else the sum of its split
figures (waiting time, only per level); a string reads that dimension only.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum, Value
from django.utils import formats
from django.utils.translation import gettext as _

from . import suppression
from .areas import HOSPITAL, MUNICIPALITY, REGION, Area, Areas, areas
from .models import Figure, Indicator, PopulationKind, Unit
from .periods import Period
from .population import population_for

NONE_DISPLAY = "–"
MEDIAN_UNITS = (Unit.HOURS, Unit.DAYS)
RATE_UNITS = {Unit.DAYS_PER_1000: 1000, Unit.PER_1000: 1000, Unit.PER_10000: 10000}
POINT_UNITS = (Unit.POINTS, Unit.POINTS_CHANGE)
HUNDREDTHS = 100
ONE_DECIMAL = Decimal("0.1")


@dataclass
class Cell:
    """One indicator's figure for one area in one period. `count` is the count that decides
    suppression; a suppressed cell keeps none of numerator, denominator, value and count."""

    numerator: int | None
    denominator: int | None
    value: Decimal | None
    suppressed: bool
    count: int | None
    display: str
    unit: str = ""
    population: int | None = None  # the rates' population
    population_year: int | None = None  # the year that population is of (the newest known)
    population_source: str = ""

    @property
    def empty(self) -> bool:
        """No value and not suppressed: nothing happened, or no population to divide by."""
        return self.value is None and not self.suppressed


# -- values ---------------------------------------------------------------------------------


def median(histogram: Counter | dict) -> Decimal | None:
    """The median of a histogram {value: count} (values as numbers or their text)."""
    pairs = sorted((Decimal(str(value)), count) for value, count in histogram.items()
                   if count and count > 0)
    total = sum(count for _value, count in pairs)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found = []
    seen = 0
    for value, count in pairs:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return ((found[0] + found[1]) / 2).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _number(value: Decimal, places: int = 1) -> str:
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def display(unit: str, value: Decimal | None) -> str:
    """The value as a person reads it, in the active language: "62,5 %", "12,0",
    "1 234 567 kr"."""
    if value is None:
        return NONE_DISPLAY
    if unit == Unit.SHARE:
        return f"{_number(value)} %"
    if unit == Unit.NOK:
        return _("NOK %(amount)s") % {"amount": _number(value, 0)}
    if unit == Unit.POINTS_CHANGE and value > 0:
        return f"+{_number(value)}"
    return _number(value)


def _cell(unit: str, numerator: int, denominator: int, histogram: Counter | None,
          population=None) -> Cell:
    value, count = None, numerator
    extra = {}
    if unit == Unit.SHARE:
        count = denominator
        if denominator:
            value = (Decimal(100 * numerator) / Decimal(denominator)).quantize(
                ONE_DECIMAL, ROUND_HALF_UP)
    elif unit in MEDIAN_UNITS:
        count = sum(histogram.values()) if histogram else 0
        value = median(histogram) if histogram else None
    elif unit in RATE_UNITS:
        if population is not None:
            extra = {"population": population[0], "population_year": population[1],
                     "population_source": population[2]}
            if population[0]:
                value = (Decimal(numerator * RATE_UNITS[unit]) / Decimal(population[0])
                         ).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    elif unit in POINT_UNITS:
        count = denominator
        if denominator:
            value = (Decimal(numerator) / Decimal(HUNDREDTHS * denominator)).quantize(
                ONE_DECIMAL, ROUND_HALF_UP)
    elif unit == Unit.NOK:
        # The days or stays the amount is for; an amount without them has an unknown count
        # (None), which suppression treats as small: a cost divided by the daily rate would
        # give the days away.
        count = denominator if denominator or not numerator else None
        value = Decimal(numerator) if numerator or denominator else None
    return Cell(numerator=numerator, denominator=denominator, value=value, suppressed=False,
                count=count, display=display(unit, value), unit=unit, **extra)


# -- population -----------------------------------------------------------------------------


def populations(numbers, year: int, kind: str = PopulationKind.REGISTERED) -> dict:
    """{number: PopulationValue} for the year or the newest earlier one, under the current
    numbers (indicators.population.population_for; at most 2 queries)."""
    return population_for(sorted(numbers), year, kind=kind)


def _populations(numbers: set[str], year: int) -> dict[str, tuple[int, int, str]]:
    return {number: (value.population, value.year, value.source)
            for number, value in populations(numbers, year).items()}


def _area_population(area: Area, populations: dict) -> tuple[int, int, str] | None:
    if area.kind == HOSPITAL:
        return None
    known = [populations[n] for n in area.municipality_numbers if n in populations]
    if not known or len(known) < len(area.municipality_numbers):
        # A municipality without a figure would make the rate too high: none rather than wrong.
        return None
    sources = sorted({source for _p, _y, source in known if source})
    return (sum(p for p, _y, _s in known), min(y for _p, y, _s in known), "; ".join(sources))


# -- reading --------------------------------------------------------------------------------


def _indicators(indicators) -> list[Indicator]:
    items = list(indicators)
    codes = [item for item in items if isinstance(item, str)]
    if not codes:
        return items
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    return [by_code[item] if isinstance(item, str) else item for item in items
            if not isinstance(item, str) or item in by_code]


def _group_of(area: Area) -> tuple:
    if area.kind == HOSPITAL:
        return (HOSPITAL, area.parent_key)
    if area.kind == REGION:
        return (REGION,)
    return ("area", area.parent_key)


def read(indicators, periods: Sequence[Period], areas_: Sequence[Area], *,
         exempt_numbers=frozenset(), dimension: str | None = None,
         within: Areas | None = None) -> dict[tuple[str, str, str, str], Cell]:
    """{(code, period key, area kind, area key): Cell} for every indicator, period and area,
    suppressed (with the secondary suppression over each area's siblings, read too)."""
    indicators = _indicators(indicators)
    exempt_numbers = frozenset(exempt_numbers)
    periods = list(periods)
    areas_ = list(areas_)
    if not (indicators and periods and areas_):
        return {}
    universe = within if within is not None else areas()

    # Every requested area with its siblings: secondary suppression needs them all.
    computed: dict[tuple[str, str], Area] = {}
    for area in areas_:
        known = universe.get(area.kind, area.key)
        for sibling in (universe.siblings(known) if known is not None else [area]):
            computed.setdefault((sibling.kind, sibling.key), sibling)
        computed[(area.kind, area.key)] = area
    numbers = {n for a in computed.values() if a.kind != HOSPITAL for n in a.municipality_numbers}
    hospital_ids = {a.hospital_id for a in computed.values() if a.kind == HOSPITAL}

    month_period: dict[datetime.date, list[int]] = defaultdict(list)
    for index, period in enumerate(periods):
        for month in period.months():
            month_period[month].append(index)
    figures = Figure.objects.filter(indicator__in=[i.pk for i in indicators],
                                    month__in=sorted(month_period))
    every_number = {n for a in universe.municipalities for n in a.municipality_numbers}
    if not (numbers >= every_number and hospital_ids >= {a.hospital_id
                                                         for a in universe.hospitals}):
        figures = figures.filter(Q(municipality_number__in=sorted(numbers))
                                 | Q(hospital_id__in=sorted(hospital_ids)))
    if dimension is not None:
        figures = figures.filter(dimension=dimension)
    by_month = len(periods) > 1 or any(p.kind != periods[0].kind for p in periods)
    # By hospital only when a hospital is asked for: otherwise the database adds up each
    # municipality's hospitals (a region's figures come back one row per municipality,
    # however many hospitals its residents were admitted to).
    group = ["indicator_id", "municipality_number"] + (
        ["hospital_id"] if hospital_ids else []) + (["month"] if by_month else [])

    # Sums per (indicator, period, number) and (indicator, period, hospital): [numerator,
    # denominator] of the rows without a dimension (the whole) and of the split rows apart.
    by_number: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_hospital: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if dimension is None:
        whole, split = Q(dimension=""), ~Q(dimension="")
        sums_of = figures.values(*group).annotate(
            n=Sum("numerator", filter=whole), d=Sum("denominator", filter=whole),
            sn=Sum("numerator", filter=split), sd=Sum("denominator", filter=split),
            wholes=Count("pk", filter=whole))
    else:  # one dimension: its rows are the whole
        sums_of = figures.values(*group).annotate(
            n=Sum("numerator"), d=Sum("denominator"), sn=Value(0), sd=Value(0),
            wholes=Count("pk"))
    has_whole: set[int] = set()  # indicators with rows of the whole
    sums_of = sums_of.order_by()
    for row in sums_of:
        if row["wholes"]:
            has_whole.add(row["indicator_id"])
        values = (row["n"] or 0, row["d"] or 0, row["sn"] or 0, row["sd"] or 0)
        for index in (month_period[row["month"]] if by_month else [0]):
            targets = [by_number[(row["indicator_id"], index, row["municipality_number"])]]
            if row.get("hospital_id") is not None:
                targets.append(by_hospital[(row["indicator_id"], index, row["hospital_id"])])
            for sums in targets:
                for position, value in enumerate(values):
                    sums[position] += value

    medians = [i.pk for i in indicators if i.unit in MEDIAN_UNITS]
    hist_number: dict[tuple, Counter] = defaultdict(Counter)
    hist_hospital: dict[tuple, Counter] = defaultdict(Counter)
    if medians:
        rows = (figures.filter(indicator__in=medians, histogram__isnull=False)
                .values_list("indicator_id", "month", "municipality_number", "hospital_id",
                             "dimension", "histogram").order_by())
        for indicator_id, month, number, hospital_id, part, histogram in rows:
            if not isinstance(histogram, dict):
                continue
            is_split = dimension is None and part != ""
            if not is_split:
                has_whole.add(indicator_id)
            for index in month_period[month]:
                targets = [hist_number[(indicator_id, index, number, is_split)]]
                if hospital_id is not None and hospital_ids:
                    targets.append(hist_hospital[(indicator_id, index, hospital_id, is_split)])
                for value, count in histogram.items():
                    for counts in targets:
                        counts[str(value)] += int(count)

    populations: dict[int, dict] = {}
    if any(i.unit in RATE_UNITS for i in indicators):
        for year in sorted({p.year for p in periods}):
            populations[year] = _populations(numbers, year)

    cells: dict[tuple, Cell] = {}
    groups: dict[tuple, list] = defaultdict(list)
    exempt = set()
    for indicator in indicators:
        for index, period in enumerate(periods):
            # The whole is the rows without a dimension where the indicator has them, else
            # the sum of its split rows (a split-only indicator: waiting per level).
            is_split = indicator.pk not in has_whole
            part = slice(2, 4) if is_split else slice(0, 2)
            for area in computed.values():
                key = (indicator.code, period.key, area.kind, area.key)
                if area.kind == HOSPITAL:
                    sums = by_hospital.get((indicator.pk, index, area.hospital_id),
                                           [0, 0, 0, 0])[part]
                    histogram = hist_hospital.get((indicator.pk, index, area.hospital_id,
                                                   is_split))
                else:
                    sums, histogram = [0, 0], Counter()
                    for number in area.municipality_numbers:
                        found = by_number.get((indicator.pk, index, number))
                        if found:
                            sums[0] += found[part][0]
                            sums[1] += found[part][1]
                        hist_key = (indicator.pk, index, number, is_split)
                        if medians and hist_key in hist_number:
                            histogram.update(hist_number[hist_key])
                population = (_area_population(area, populations.get(period.year, {}))
                              if indicator.unit in RATE_UNITS else None)
                cells[key] = _cell(indicator.unit, sums[0], sums[1], histogram, population)
                groups[(indicator.code, period.key, *_group_of(area))].append(key)
                if area.kind == MUNICIPALITY and set(area.municipality_numbers) <= exempt_numbers:
                    exempt.add(key)
    cells = suppression.suppress(cells, groups.values(), exempt)
    wanted = {(a.kind, a.key) for a in areas_}
    return {key: cell for key, cell in cells.items() if (key[2], key[3]) in wanted}


def table(indicators, period: Period, areas_: Sequence[Area], *, exempt_numbers=frozenset(),
          dimension: str | None = None, within: Areas | None = None
          ) -> dict[tuple[str, str, str], Cell]:
    """{(code, area kind, area key): Cell} for one period: a comparison table's cells."""
    found = read(indicators, [period], areas_, exempt_numbers=exempt_numbers,
                 dimension=dimension, within=within)
    return {(code, kind, key): cell for (code, _period, kind, key), cell in found.items()}


def trend(indicator, periods: Sequence[Period], area: Area, *, exempt_numbers=frozenset(),
          dimension: str | None = None, within: Areas | None = None
          ) -> list[tuple[Period, Cell]]:
    """The indicator's cell for the area in each period, in the periods' order."""
    code = indicator if isinstance(indicator, str) else indicator.code
    found = read([indicator], periods, [area], exempt_numbers=exempt_numbers,
                 dimension=dimension, within=within)
    empty = Cell(0, 0, None, False, 0, NONE_DISPLAY)
    return [(period, found.get((code, period.key, area.kind, area.key), empty))
            for period in periods]


def dimensions(indicator, period: Period) -> list[str]:
    """The dimensions (levels, services) the indicator's figures of the period are split
    by, in order; [] when they are not split. One query."""
    indicator_id = indicator.pk if isinstance(indicator, Indicator) else None
    figures = Figure.objects.filter(month__gte=period.start, month__lt=period.end)
    figures = (figures.filter(indicator_id=indicator_id) if indicator_id
               else figures.filter(indicator__code=indicator))
    return sorted(set(figures.exclude(dimension="").values_list("dimension", flat=True)
                      .distinct().order_by()))
