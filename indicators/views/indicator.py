"""/indicators/<code>/: one indicator explained the way Helsedirektoratet explains its quality
indicators (definition, numerator, denominator, unit, direction, target, source, caveats),
the health-trust areas and municipalities of the region ranked with bars, and the trend of
the reader's areas (or the area they picked) against the region, as a chart and a table."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import exports
from ..access import KIND_MUNICIPALITY, KIND_REGIONAL, scope_for
from ..models import Direction, Indicator
from ..reading import HUNDREDTHS, POINT_UNITS, RATE_UNITS
from ..suppression import SUPPRESSED
from . import charts, common
from .dashboard import drill_down, region_municipalities
from .reads import cells_for, trends_for


def _whole(value) -> str:
    if value is None:
        return ""
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


def _counts(indicator, cell) -> tuple[str, str]:
    """A row's numerator and what it is divided by (a rate's: the population), as read."""
    if cell is None:
        return "", ""
    below = cell.population if indicator.unit in RATE_UNITS else cell.denominator
    if indicator.unit in POINT_UNITS and cell.numerator is not None:
        # The sum of points (kept in hundredths), as a reader adds them up.
        return formats.number_format(Decimal(cell.numerator) / HUNDREDTHS, 1, use_l10n=True,
                                     force_grouping=True), _whole(below)
    return _whole(cell.numerator), _whole(below)


def ranked(indicator, areas, cells, scope, *, total=None) -> dict:
    """The areas' rows best first by the indicator's direction (largest first where neither
    is better), those without a value last by name; each with its bar (none for "<5")."""
    rows = [{"area": area, "cell": cells.get((indicator.code, area.kind, area.key)),
             "home": area in scope.home_areas} for area in areas]
    valued = [row for row in rows if row["cell"] is not None and row["cell"].value is not None]
    rest = sorted((row for row in rows if row not in valued), key=lambda r: r["area"].name)
    valued.sort(key=lambda r: (-r["cell"].value if indicator.direction != Direction.LOWER_IS_BETTER
                               else r["cell"].value, r["area"].name))
    values = [row["cell"].value for row in valued]
    if total is not None:
        total_cell = cells.get((indicator.code, total.kind, total.key))
        if total_cell is not None and total_cell.value is not None:
            values.append(total_cell.value)
    if indicator.target is not None:
        values.append(indicator.target)
    top = charts.scale_top(values, share=common.is_share(indicator))
    previous, rank = None, 0
    for index, row in enumerate(valued, start=1):
        if row["cell"].value != previous:
            rank, previous = index, row["cell"].value
        row["rank"] = rank
    for row in [*valued, *rest]:
        row["bar"] = charts.bar_width(row["cell"].value if row["cell"] else None, top)
        row["numerator"], row["below"] = _counts(indicator, row["cell"])
    total_row = None
    if total is not None:
        total_cell = cells.get((indicator.code, total.kind, total.key))
        total_row = {"area": total, "cell": total_cell,
                     "bar": charts.bar_width(total_cell.value if total_cell else None, top)}
        total_row["numerator"], total_row["below"] = _counts(indicator, total_cell)
    return {"rows": [*valued, *rest], "total": total_row,
            "target_x": charts.bar_width(indicator.target, top)
            if indicator.target is not None else None}


@never_cache
@login_required
@require_GET
def indicator_detail(request, code):
    scope = scope_for(request.user)
    indicator = get_object_or_404(Indicator, code=code, published=True)
    default_kind = common.MONTH if scope.kind == KIND_MUNICIPALITY else common.YEAR
    period, period_error = common.chosen_period(request, default_kind)
    region = scope.region
    universe = scope.areas

    focus, area_error = None, ""
    if request.GET.get("area"):
        try:
            focus = universe.parse(request.GET["area"])
        except ValueError as error:
            area_error = str(error)
    if focus is not None:
        trend_areas = [focus] + ([region] if region is not None and focus != region else [])
    elif scope.kind == KIND_REGIONAL:
        trend_areas = [region] if region is not None else list(scope.home_areas[:1])
    else:
        trend_areas = list(scope.home_areas[:3])

    trusts = [t for t in universe.health_trusts
              if region is None or t.parent_key == region.key]
    municipalities = region_municipalities(scope)
    cells = cells_for([indicator], period, [*trusts, *municipalities,
                                            *([region] if region else [])], scope)
    trust_ranking = ranked(indicator, trusts, cells, scope, total=region)
    municipality_ranking = ranked(indicator, municipalities, cells, scope, total=region)
    periods = common.trend_periods(period)
    trend = trends_for([indicator], periods, trend_areas, scope)[indicator.code]

    fmt = common.requested_download(request)
    if fmt:
        sheets = {"comparison": _comparison_sheet(indicator, period, trust_ranking,
                                                  municipality_ranking),
                  "trend": _trend_sheet(indicator, trend)}
        wanted = request.GET.get("table")
        chosen = [sheets[wanted]] if wanted in sheets else list(sheets.values())
        return common.download(request, fmt, chosen, f"rehab-{indicator.code}-{period.key}")

    keep = [("area", focus.ref)] if focus is not None else []
    return render(request, "indicators/indicator.html", {
        "indicator": indicator,
        "scope": scope,
        "period": period,
        "period_error": period_error,
        "area_error": area_error,
        "period_choices": common.period_choices(period),
        "keep_params": keep,
        "as_of": common.figures_as_of(),
        "direction": common.direction_text(indicator),
        "target": common.target_display(indicator),
        "region": region,
        "trust_ranking": trust_ranking,
        "municipality_ranking": municipality_ranking,
        "trend": trend,
        "trend_areas": trend_areas,
        "trend_kind": period.kind,
        "drill_down": drill_down(request.user, scope, indicator),
        "comparison_downloads": common.download_links(request, "comparison"),
        "trend_downloads": common.download_links(request, "trend"),
        "suppressed_mark": SUPPRESSED,
        # A rate's denominator is the population (the cell's), not a count of its own.
        "shows_population": indicator.unit in RATE_UNITS,
    })


def _export(cell):
    if cell is None:
        return ""
    return cell.display if cell.suppressed or cell.value is None else cell.value


def _count(value):
    return "" if value is None else value


def _comparison_sheet(indicator, period, trust_ranking, municipality_ranking):
    rate = indicator.unit in RATE_UNITS
    sheet = common.Sheet(
        title=_("%(indicator)s, %(period)s") % {"indicator": indicator.localized_name,
                                                 "period": period.label},
        columns=[_("Area"), _("Kind"), _("Rank"), _("Value"), _("Numerator"),
                 _("Population") if rate else _("Denominator")])

    def below(cell):
        if cell is None:
            return ""
        return _count(cell.population if rate else cell.denominator)

    for kind, ranking in ((_("Health-trust area"), trust_ranking),
                          (_("Municipality"), municipality_ranking)):
        for row in ranking["rows"]:
            cell = row["cell"]
            sheet.rows.append([row["area"].name, kind, row.get("rank", ""), _export(cell),
                               _count(cell.numerator if cell else None), below(cell)])
    total = municipality_ranking["total"]
    if total is not None:
        cell = total["cell"]
        sheet.rows.append([total["area"].name, _("Region"), "", _export(cell),
                           _count(cell.numerator if cell else None), below(cell)])
    sheet.notes.append(exports.SUPPRESSION_NOTE())
    return sheet


def _trend_sheet(indicator, trend):
    sheet = common.Sheet(
        title=_("%(indicator)s over time") % {"indicator": indicator.localized_name},
        columns=[_("Period"), *[area.name for area in trend["areas"]]])
    for row in trend["rows"]:
        sheet.rows.append([row["period"].label, *[_export(cell) for cell in row["cells"]]])
    sheet.notes.append(exports.SUPPRESSION_NOTE())
    return sheet
