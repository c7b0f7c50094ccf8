"""The indicators in FHIR R4: each catalogue entry a Measure, each figure (an indicator for an
area in a period) a MeasureReport of type summary, suppressed as on the screens.

Registered into fhir_api's HANDLERS by indicators.apps (fhir_api does not import indicators):
the facade's views, scopes (`indicators:read` for API clients), errors (OperationOutcome, a
403 for readers indicators.access refuses), paging and CapabilityStatement then serve them
as any other type. Aggregates only: reads are not audited (no patient).

Ids: a Measure is its indicator's code; a MeasureReport is
`<code>.<period>.<area>`, the area as `k<kommunenummer>`, `t<orgnr>` (a health trust's area),
`h<orgnr>` (a hospital) or `r<region code>` (helse-nord).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fhir_api.mapping import MUNICIPALITY_SYSTEM, ORGNR_SYSTEM, instant
from fhir_api.mapping.systems import LOCAL
from fhir_api.outcome import invalid, not_found
from fhir_api.paging import Page, bad_cursor
from fhir_api.resources.base import ID, LAST_UPDATED, Handler, unknown_parameter
from fhir_api.search import SearchParam, alternatives, token

from .access import scope_for
from .areas import HEALTH_TRUST, HOSPITAL, MUNICIPALITY, REGION, Area
from .models import ComputationRun, Direction, Indicator, Unit
from .periods import Period
from .reading import read

MEASURE_URL = LOCAL + "measure:"  # Measure.url: the canonical MeasureReport.measure names
REGION_SYSTEM = LOCAL + "region"
UNIT_EXTENSION = LOCAL + "indicator-unit"
TARGET_EXTENSION = LOCAL + "indicator-target"
SUPPRESSED_EXTENSION = LOCAL + "suppressed"
DISPLAY_EXTENSION = LOCAL + "display"
SCORING_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
UCUM = "http://unitsofmeasure.org"

SCORING = {Unit.SHARE: "proportion", Unit.HOURS: "continuous-variable",
           Unit.DAYS: "continuous-variable", Unit.NOK: "continuous-variable",
           Unit.DAYS_PER_1000: "ratio", Unit.PER_1000: "ratio", Unit.PER_10000: "ratio",
           Unit.POINTS: "continuous-variable", Unit.POINTS_CHANGE: "continuous-variable"}
IMPROVEMENT = {Direction.HIGHER_IS_BETTER: "increase", Direction.LOWER_IS_BETTER: "decrease"}
SCORE_UNIT = {
    Unit.SHARE: {"unit": "%", "system": UCUM, "code": "%"},
    Unit.HOURS: {"unit": "h", "system": UCUM, "code": "h"},
    Unit.DAYS: {"unit": "d", "system": UCUM, "code": "d"},
    Unit.NOK: {"unit": "NOK", "system": "urn:iso:std:iso:4217", "code": "NOK"},
    Unit.DAYS_PER_1000: {"unit": "days per 1 000 inhabitants"},
    Unit.PER_1000: {"unit": "per 1 000 inhabitants"},
    Unit.PER_10000: {"unit": "per 10 000 inhabitants"},
    Unit.POINTS: {"unit": "points"},
    Unit.POINTS_CHANGE: {"unit": "points"},
}
AREA_PREFIX = {MUNICIPALITY: "k", HEALTH_TRUST: "t", HOSPITAL: "h", REGION: "r"}


def measure_id(indicator: Indicator) -> str:
    return indicator.code.replace("_", "-")


def _concept(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _camel(code: str) -> str:
    name = "".join(part.capitalize() for part in code.replace("_", "-").split("-") if part)
    return name if name[:1].isalpha() else f"M{name}"


def measure(indicator: Indicator) -> dict:
    """A catalogue entry as a Measure: its words in the active language, scoring by unit,
    improvement notation by direction, numerator and denominator as its populations."""
    populations = [{
        "code": _concept(POPULATION_SYSTEM, "numerator"),
        "description": indicator.localized_numerator,
        "criteria": {"language": "text/plain", "expression": indicator.localized_numerator},
    }]
    if indicator.localized_denominator:
        populations.append({
            "code": _concept(POPULATION_SYSTEM, "denominator"),
            "description": indicator.localized_denominator,
            "criteria": {"language": "text/plain",
                         "expression": indicator.localized_denominator}})
    extensions = [{"url": UNIT_EXTENSION, "valueCode": indicator.unit}]
    if indicator.target is not None:
        extensions.append({"url": TARGET_EXTENSION, "valueDecimal": float(indicator.target)})
    resource = {
        "resourceType": "Measure",
        "id": measure_id(indicator),
        "meta": {"lastUpdated": instant(_updated(indicator))},
        "extension": extensions,
        "url": MEASURE_URL + indicator.code,
        "name": _camel(indicator.code),
        "title": indicator.localized_name,
        "status": "active" if indicator.published else "retired",
        "date": instant(_updated(indicator)),
        "publisher": "Rehab Portal",
        "description": indicator.localized_definition,
        "scoring": _concept(SCORING_SYSTEM, SCORING.get(indicator.unit, "continuous-variable")),
        "group": [{"population": populations}],
    }
    if indicator.direction in IMPROVEMENT:
        resource["improvementNotation"] = _concept(IMPROVEMENT_SYSTEM,
                                                   IMPROVEMENT[indicator.direction])
    if indicator.localized_caveats:
        resource["guidance"] = indicator.localized_caveats
    if indicator.localized_target_text:
        resource["clinicalRecommendationStatement"] = indicator.localized_target_text
    if indicator.source:
        resource["purpose"] = indicator.source
    return resource


def _updated(indicator: Indicator) -> datetime.datetime:
    return getattr(indicator, "updated_at", None) or timezone.now()


# -- MeasureReport --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One indicator's figure for one area in one period, and its place in the searchset."""

    indicator: Indicator
    period: Period
    area: Area
    cell: object
    computed_at: datetime.datetime
    position: int = 0

    @property
    def id(self) -> str:
        return f"{measure_id(self.indicator)}.{self.period.key}.{area_token(self.area)}"


def area_token(area: Area) -> str:
    key = area.orgnr if area.kind in (HEALTH_TRUST, HOSPITAL) else area.key
    return AREA_PREFIX[area.kind] + key.replace("_", "-")


def _subject(area: Area) -> dict:
    if area.kind == MUNICIPALITY:
        identifier = {"system": MUNICIPALITY_SYSTEM, "value": area.key}
    elif area.kind == REGION:
        identifier = {"system": REGION_SYSTEM, "value": area.key}
    else:
        identifier = {"system": ORGNR_SYSTEM, "value": area.orgnr}
    display = area.name
    if area.kind == HEALTH_TRUST:
        display = _("%(trust)s (its area)") % {"trust": area.name}
    return {"identifier": identifier, "display": display}


def _count(code: str, count) -> dict:
    return {"code": _concept(POPULATION_SYSTEM, code), "count": count}


def measure_report(report: Report) -> dict:
    indicator, cell = report.indicator, report.cell
    group: dict = {}
    if cell.suppressed:
        group["extension"] = [{"url": SUPPRESSED_EXTENSION, "valueBoolean": True},
                              {"url": DISPLAY_EXTENSION, "valueString": cell.display}]
    else:
        if indicator.unit == Unit.SHARE:
            group["population"] = [_count("numerator", cell.numerator),
                                   _count("denominator", cell.denominator)]
        elif indicator.unit in (Unit.HOURS, Unit.DAYS, Unit.POINTS, Unit.POINTS_CHANGE):
            group["population"] = [_count("measure-population", cell.count)]
        elif indicator.unit == Unit.NOK:
            group["population"] = [_count("measure-population", cell.denominator)]
        else:  # a rate: the events over the population
            group["population"] = [_count("numerator", cell.numerator)]
            if cell.population is not None:
                group["population"].append(_count("denominator", cell.population))
        if cell.value is not None:
            group["measureScore"] = {"value": float(cell.value),
                                     **SCORE_UNIT.get(indicator.unit, {})}
        group["extension"] = [{"url": DISPLAY_EXTENSION, "valueString": cell.display}]
    resource = {
        "resourceType": "MeasureReport",
        "id": report.id,
        "meta": {"lastUpdated": instant(report.computed_at)},
        "status": "complete",
        "type": "summary",
        "measure": MEASURE_URL + indicator.code,
        "subject": _subject(report.area),
        "date": instant(report.computed_at),
        "period": {"start": report.period.start.isoformat(),
                   "end": (report.period.end - datetime.timedelta(days=1)).isoformat()},
        "group": [group],
    }
    if indicator.direction in IMPROVEMENT:
        resource["improvementNotation"] = _concept(IMPROVEMENT_SYSTEM,
                                                   IMPROVEMENT[indicator.direction])
    return resource


# -- handlers -------------------------------------------------------------------------------


class MeasureHandler(Handler):
    """The catalogue, readable by those indicators.access admits."""

    type, family = "Measure", "indicators"
    versioned = False
    patient_path = None
    status_param = None
    last_updated = "updated_at"
    order = ("updated_at", "code")

    def base(self, user):
        scope_for(user)  # PermissionDenied (403) for anybody else
        return Indicator.objects.filter(published=True)

    def get(self, user, resource_id):
        found = _by_measure_id(self.base(user), [resource_id])
        if not found:
            raise not_found()
        return found[0]

    def id_of(self, obj) -> str:
        return measure_id(obj)

    def search_params(self):
        return [ID, LAST_UPDATED,
                SearchParam("url", "uri", f"The canonical URL: {MEASURE_URL}<code>."),
                SearchParam("name", "string", "The start of the title, in either language.")]

    def condition(self, name, value):
        if name == "_id":
            return Q(code__in=[v.replace("-", "_") for v in alternatives(value)]) | Q(
                code__in=alternatives(value))
        if name == "url":
            codes = [v.removeprefix(MEASURE_URL) for v in alternatives(value)
                     if v.startswith(MEASURE_URL)]
            return Q(code__in=codes)
        if name == "name":
            return Q(name__istartswith=value) | Q(name_en__istartswith=value)
        return super().condition(name, value)

    def to_fhir(self, obj):
        return measure(obj)


def _by_measure_id(queryset, ids: list[str]) -> list[Indicator]:
    wanted = set(ids)
    return [i for i in queryset.filter(
        Q(code__in=wanted) | Q(code__in=[x.replace("-", "_") for x in wanted]))
        if measure_id(i) in wanted]


MEASURE = SearchParam("measure", "reference",
                      f"The indicator: Measure/<code>, <code> or {MEASURE_URL}<code>; "
                      "comma-separated for several. Default: every published one.")
PERIOD = SearchParam("period", "date",
                     "The period: a year (2024), a month (2024-03) or a quarter (2024-Q1). "
                     "Default: the current year.")
SUBJECT = SearchParam("subject", "token",
                      "The area: municipality:5501 (or "
                      f"{MUNICIPALITY_SYSTEM}|5501), health_trust:<uuid>, hospital:<uuid>, "
                      "region:helse_nord; comma-separated for several. Default: your own "
                      "areas (your municipality or hospital, its health trust, the region).")


class MeasureReportHandler(Handler):
    """Figures as summary MeasureReports, suppressed for the reader as on the screens."""

    type, family = "MeasureReport", "indicators"
    versioned = False
    patient_path = None
    status_param = None

    def base(self, user):  # pragma: no cover - reports are computed, not rows
        raise NotImplementedError

    def search_params(self):
        return [ID, MEASURE, PERIOD, SUBJECT]

    def get(self, user, resource_id):
        parts = _parts(resource_id)
        if parts is None:
            raise not_found()
        code, period_key, token_ = parts
        scope = scope_for(user)
        period = Period.parse(period_key)
        area = _area_by_token(scope.areas, token_)
        indicators = _by_measure_id(Indicator.objects.filter(published=True), [code])
        if area is None or not indicators:
            raise not_found()
        return self._reports(scope, indicators, [period], [area])[0]

    def page(self, user, params, page):
        scope = scope_for(user)
        indicators = periods = areas_ = None
        ids = None
        for name, value in params:
            if name == "measure":
                found = _by_measure_id(Indicator.objects.filter(published=True), [
                    _measure_code(v) for v in alternatives(value)])
                indicators = found if indicators is None else [
                    i for i in indicators if i in found]
            elif name == "period":
                periods = self._periods(value)
            elif name == "subject":
                areas_ = [self._subject_area(scope, v) for v in alternatives(value)]
            elif name == "_id":
                ids = set(alternatives(value))
            else:
                raise unknown_parameter(name, self.type)
        if indicators is None:
            indicators = list(Indicator.objects.filter(published=True))
        given_period, given_subject = periods is not None, areas_ is not None
        if periods is None:
            periods = [Period.current("year", timezone.localdate())]
        if areas_ is None:
            areas_ = list(scope.home_areas)
        if ids is not None:  # an id names its measure, period and area: read only those
            wanted = [w for w in (_parts(key) for key in ids) if w is not None]
            indicators = [i for i in indicators if measure_id(i) in {w[0] for w in wanted}]
            named = {w[1] for w in wanted}
            periods = [p for p in periods if p.key in named] if given_period else [
                Period.parse(key) for key in sorted(named)]
            tokens = {w[2] for w in wanted}
            if given_subject:
                areas_ = [a for a in areas_ if area_token(a) in tokens]
            else:
                areas_ = [a for a in scope.areas.all() if area_token(a) in tokens]
        reports = self._reports(scope, indicators, periods, areas_)
        if ids is not None:
            reports = [r for r in reports if r.id in ids]
        return _page_of(reports, page)

    def _reports(self, scope, indicators, periods, areas_) -> list[Report]:
        unique_areas = list({(a.kind, a.key): a for a in areas_}.values())
        cells = read(indicators, periods, unique_areas, exempt_numbers=scope.exempt_numbers,
                     within=scope.areas) if indicators and periods and unique_areas else {}
        computed_at = (ComputationRun.objects.filter(watermark__isnull=False)
                       .aggregate(latest=Max("finished_at"))["latest"] or timezone.now())
        reports = []
        for indicator in indicators:
            for period in periods:
                for area in unique_areas:
                    cell = cells.get((indicator.code, period.key, area.kind, area.key))
                    if cell is not None:
                        reports.append(Report(indicator, period, area, cell, computed_at,
                                              position=len(reports)))
        return reports

    def _periods(self, value: str) -> list[Period]:
        found = []
        for part in alternatives(value):
            try:
                found.append(Period.parse(part.removeprefix("eq")))
            except ValueError as error:
                raise invalid(str(error), "period") from error
        return found

    def _subject_area(self, scope, value: str) -> Area:
        system, code = token(value)
        if system == MUNICIPALITY_SYSTEM:
            value = f"{MUNICIPALITY}:{code}"
        try:
            return scope.areas.parse(value)
        except ValueError as error:
            raise invalid(str(error), "subject") from error

    def key_of(self, obj) -> tuple:
        return (obj.position,)

    def to_fhir(self, obj):
        return measure_report(obj)

    def audit(self, user, objects, detail):
        """Aggregates: not patient data, not audited per read."""


def _measure_code(value: str) -> str:
    if value.startswith(MEASURE_URL):
        return value.removeprefix(MEASURE_URL).replace("_", "-")
    return value.rstrip("/").rpartition("Measure/")[2] if "Measure/" in value else value


def _area_by_token(universe, token_: str) -> Area | None:
    return next((area for area in universe.all() if area_token(area) == token_), None)


def _parts(resource_id: str) -> tuple[str, str, str] | None:
    """(measure id, period key, area token) of a MeasureReport id, or None."""
    code, dot, rest = resource_id.partition(".")
    period_key, dot2, token_ = rest.rpartition(".")
    if not (dot and dot2 and code and token_):
        return None
    try:
        Period.parse(period_key)
    except ValueError:
        return None
    return code, period_key, token_


def _page_of(reports: list[Report], page) -> Page:
    """A page of the computed reports, by their position (the cursor holds one)."""
    total = len(reports) if page.counted else None
    if not page.count:
        return Page([], total, False)
    if page.cursor is not None:
        if len(page.cursor) != 1 or not isinstance(page.cursor[0], int) \
                or isinstance(page.cursor[0], bool):
            raise bad_cursor()
        at = page.cursor[0]
        if page.backward:
            before = reports[max(0, at - page.count):at]
            return Page(before, total, at - page.count > 0)
        rows = reports[at + 1:at + 1 + page.count + 1]
    else:
        rows = reports[page.offset:page.offset + page.count + 1]
    return Page(rows[:page.count], total, len(rows) > page.count)


def register(handlers: dict) -> None:
    """Add the indicator types to fhir_api's handlers (from IndicatorsConfig.ready)."""
    for handler in (MeasureHandler(), MeasureReportHandler()):
        handlers.setdefault(handler.type, handler)
