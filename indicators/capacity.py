"""Capacity against the norms, per area and year (issue 13 §2, seed 001 Table 6).

Level 4 (earmarked municipal rehabilitation beds): need = population / 3 000 (seed 001
§4.2.4), on the registered population of the year (or the newest earlier figure);
registered = the capacity of active level-4 services whose provider is a municipality of
the area or lies in one (Organization.located_in).

Specialised inpatient rehabilitation (5.1–5.3, private institutions included): need =
population / 7 000 (seed 001 §4.3.1), on SSB's projection for the year where one is
imported for every municipality of the area (the report planned on projected population),
else on the registered figure; each row says which. Registered = the capacity of active
5.x services whose provider lies in the area; a hospital (or trust) without located_in
falls to its health trust's area, a private institution without it to its region's.

A hospital area has no population: no need, its own 5.x places as registered.
Beds with one decimal; a constant number of queries (areas 3 unless given, services 1,
population at most 4).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from registry.models import OrganizationKind, ServiceOffering

from .areas import HEALTH_TRUST, HOSPITAL, REGION, Area, Areas, areas, current_numbers
from .models import PopulationKind
from .reading import populations

MUNICIPAL_LEVEL = "4"
SPECIALISED_PREFIX = "5"
MUNICIPAL_NORM = 3000  # inhabitants per bed
SPECIALISED_NORM = 7000  # inhabitants per place
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Norm:
    """One norm for one area: the population it rests on (and where it comes from), the
    beds it asks for, the beds registered, the gap (registered - need: negative is a
    shortfall) and registered as a share of need (per cent)."""

    levels: str  # "4" or "5.1–5.3"
    inhabitants_per_bed: int
    population: int | None
    population_year: int | None
    population_kind: str  # PopulationKind: registered or projected
    population_source: str
    population_table: str
    need: Decimal | None
    registered: int
    gap: Decimal | None
    share: Decimal | None


@dataclass(frozen=True)
class CapacityRow:
    area: Area
    year: int
    municipal: Norm  # level 4
    specialised: Norm  # 5.1–5.3

    @property
    def population(self) -> int | None:
        return self.municipal.population

    @property
    def population_year(self) -> int | None:
        return self.municipal.population_year

    @property
    def population_source(self) -> str:
        return self.municipal.population_source


def _beds(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _norm(levels: str, per_bed: int, population, kind: str, registered: int) -> Norm:
    need = gap = share = None
    if population is not None:
        need = _beds(Decimal(population[0]) / per_bed)
        gap = _beds(registered - need)
        if need:
            share = _beds(Decimal(100 * registered) / need)
    return Norm(levels=levels, inhabitants_per_bed=per_bed,
                population=population[0] if population else None,
                population_year=population[1] if population else None,
                population_kind=kind if population else "",
                population_source=population[2] if population else "",
                population_table=population[3] if population else "",
                need=need, registered=registered, gap=gap, share=share)


def _sum_population(area: Area, found: dict, *, exact_year: int | None = None):
    """(population, year, source, table) of the area's municipalities, or None when one of
    them has no figure (never a guess). `exact_year`: every figure must be of that year."""
    if area.kind == HOSPITAL or not area.municipality_numbers:
        return None
    values = [found.get(number) for number in area.municipality_numbers]
    if any(v is None for v in values):
        return None
    if exact_year is not None and any(v.year != exact_year for v in values):
        return None
    return (sum(v.population for v in values), min(v.year for v in values),
            "; ".join(sorted({v.source for v in values if v.source})),
            "/".join(sorted({v.table for v in values if v.table})))


def _services() -> list[dict]:
    """The active level-4 and 5.x services with a capacity, and where their provider lies.
    One query."""
    return list(
        ServiceOffering.objects.filter(active=True, capacity__isnull=False)
        .filter(Q(level__code=MUNICIPAL_LEVEL) | Q(level__code__startswith=SPECIALISED_PREFIX))
        .values("capacity", "level__code", "provider_id", "provider__kind",
                "provider__municipality_number", "provider__located_in__municipality_number",
                "provider__uuid", "provider__parent__uuid", "provider__parent__kind",
                "provider__region"))


def capacity(year: int, areas_: list[Area] | None = None, *, within: Areas | None = None
             ) -> list[CapacityRow]:
    """A row per area (default: every health-trust area and region), in the order given."""
    universe = within if within is not None else areas()
    if areas_ is None:
        areas_ = [*universe.health_trusts, *universe.regions]
    current = current_numbers()

    municipal: dict[tuple, int] = {}
    specialised: dict[tuple, int] = {}
    services = _services()
    for area in areas_:
        numbers = set(area.municipality_numbers)
        for service in services:
            located = (service["provider__municipality_number"]
                       or service["provider__located_in__municipality_number"] or "")
            located = current.get(located, located)
            inside = False
            if area.kind == HOSPITAL:
                inside = service["provider_id"] == area.hospital_id
            elif located:
                inside = located in numbers
            elif service["provider__kind"] == OrganizationKind.HOSPITAL:
                trust = str(service["provider__parent__uuid"] or "")
                inside = ((area.kind == HEALTH_TRUST and area.key == trust)
                          or (area.kind == REGION and area.key == service["provider__region"]))
            elif service["provider__kind"] == OrganizationKind.HEALTH_TRUST:
                own = str(service["provider__uuid"])
                inside = ((area.kind == HEALTH_TRUST and area.key == own)
                          or (area.kind == REGION and area.key == service["provider__region"]))
            else:  # a private institution that does not say where it lies: its region
                inside = area.kind == REGION and area.key == service["provider__region"]
            if not inside:
                continue
            key = (area.kind, area.key)
            if service["level__code"] == MUNICIPAL_LEVEL:
                if area.kind != HOSPITAL:
                    municipal[key] = municipal.get(key, 0) + service["capacity"]
            else:
                specialised[key] = specialised.get(key, 0) + service["capacity"]

    numbers = {n for a in areas_ if a.kind != HOSPITAL for n in a.municipality_numbers}
    registered = populations(numbers, year, PopulationKind.REGISTERED) if numbers else {}
    projected = populations(numbers, year, PopulationKind.PROJECTED) if numbers else {}

    rows = []
    for area in areas_:
        key = (area.kind, area.key)
        counted = _sum_population(area, registered)
        planned = _sum_population(area, projected, exact_year=year)
        rows.append(CapacityRow(
            area=area, year=year,
            municipal=_norm(MUNICIPAL_LEVEL, MUNICIPAL_NORM, counted,
                            PopulationKind.REGISTERED, municipal.get(key, 0)),
            specialised=_norm(
                "5.1–5.3", SPECIALISED_NORM, planned or counted,
                PopulationKind.PROJECTED if planned else PopulationKind.REGISTERED,
                specialised.get(key, 0))))
    return rows
