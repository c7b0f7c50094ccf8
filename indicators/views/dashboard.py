"""/indicators/: the reader's own scope for a chosen period. A card per indicator with the
value of the reader's own area (a KE's municipality, a planner's hospital, a regional
planner's region), the region beside it, the target and the change from the previous period,
and the trend; a table of every indicator across the home areas (a regional planner's: the
region and every health-trust area, and every municipality). Everything is read from the
monthly figures with a number of queries that does not grow with them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.capabilities import Capability, organizations_where

from .. import exports
from ..access import KIND_HOSPITAL, KIND_MUNICIPALITY, KIND_REGIONAL, scope_for
from ..areas import MUNICIPALITY
from ..models import Computation, Indicator
from ..suppression import SUPPRESSED
from . import common
from .reads import cells_for, trends_for

# Where a figure of one's own leads, for those who already see the patients behind it:
# the existing lists, which check visible_to themselves (never a new list of patients).
_INBOX_NOTICES = ("pathways:ke_inbox", gettext_lazy("Early notifications in the KE inbox"))
_INBOX_READY = ("pathways:ke_inbox", gettext_lazy("Patients ready for discharge in the KE inbox"))
_PLANS = ("coordination:plan_list", gettext_lazy("The municipality's individual plans"))
_REQUESTS = ("coordination:ke_overview", gettext_lazy("Open requests in the KE overview"))
KE_LISTS = {
    Computation.NOTICE_ON_TIME: _INBOX_NOTICES,
    Computation.NOTICE_HOURS: _INBOX_NOTICES,
    Computation.NOTICE_ACKNOWLEDGED: _INBOX_NOTICES,
    Computation.READY_DAYS: _INBOX_READY,
    Computation.READY_COST: _INBOX_READY,
    Computation.PLAN_SHARE: _PLANS,
    Computation.PLAN_COORDINATOR: _PLANS,
    Computation.REQUEST_DAYS_TO_DECISION: _REQUESTS,
    Computation.REQUEST_DAYS_TO_COORDINATOR: _REQUESTS,
}
_WARD = ("pathways:ward_board", gettext_lazy("Your patients on the ward board"))
WARD_LISTS = {code: _WARD for code in (
    Computation.NOTICE_ON_TIME, Computation.NOTICE_HOURS, Computation.READY_DAYS,
    Computation.MEETING_BEFORE_DISCHARGE)}


def drill_down(user, scope, indicator) -> dict | None:
    """The list a figure of one's own leads to: a KE's inbox, plans or overview, a ward's
    board; only for those who work in it (a health trust's KE reads the hospital side's
    figures but has no ward board), never for a regional planner."""
    if not scope.may_drill_down or scope.kind == KIND_REGIONAL:
        return None
    if scope.kind == KIND_MUNICIPALITY:
        lists, capability = KE_LISTS, Capability.WORK_IN_COORDINATING_UNIT
    else:
        lists, capability = WARD_LISTS, Capability.WORK_ON_WARD
    found = lists.get(indicator.computation)
    if found is None or not organizations_where(user, capability):
        return None
    name, label = found
    return {"url": reverse(name), "label": label}


def comparison_areas(scope) -> list:
    """The columns of the table of every indicator: the reader's own areas, widest last; a
    regional planner's region first, then every health-trust area."""
    home = list(scope.home_areas)
    if scope.kind == KIND_REGIONAL and scope.region is not None:
        return [scope.region] + [a for a in home if a != scope.region]
    return home


def region_municipalities(scope) -> list:
    """A region's municipalities, grouped by health-trust area (in the trusts' order), those
    outside every agreement last."""
    region = scope.region
    if region is None or scope.areas is None:
        return []
    numbers = set(region.municipality_numbers)
    municipalities = [m for m in scope.areas.municipalities if m.key in numbers]
    order = {trust.key: index for index, trust in enumerate(scope.areas.health_trusts)}
    return sorted(municipalities, key=lambda m: (order.get(m.parent_key, len(order)), m.name))


@never_cache
@login_required
@require_GET
def dashboard(request):
    scope = scope_for(request.user)
    default_kind = common.MONTH if scope.kind == KIND_MUNICIPALITY else common.YEAR
    period, period_error = common.chosen_period(request, default_kind)
    indicators = list(Indicator.objects.filter(published=True))
    region = scope.region
    own = region if scope.kind == KIND_REGIONAL and region is not None else scope.home_areas[0]
    columns = comparison_areas(scope)
    municipalities = region_municipalities(scope) if scope.kind == KIND_REGIONAL else []
    shown = [*columns, *[m for m in municipalities if m not in columns]]

    cells = cells_for(indicators, period, shown, scope)
    # A download needs the tables only, not the cards' trends.
    fmt = common.requested_download(request)
    if fmt:
        sheets = {"indicators": exports.indicator_sheet(indicators, period, columns, cells)}
        if municipalities:
            sheets["municipalities"] = exports.indicator_sheet(
                indicators, period, municipalities, cells,
                title=_("Municipalities %(period)s") % {"period": period.label})
        wanted = request.GET.get("table")
        chosen = [sheets[wanted]] if wanted in sheets else list(sheets.values())
        return common.download(request, fmt, chosen, f"rehab-indikatorer-{period.key}")

    trend_areas = [own] if region is None or region == own else [own, region]
    periods = common.trend_periods(period)  # ends with the period and the one before it
    trends = trends_for(indicators, periods, trend_areas, scope)

    cards = []
    for indicator in indicators:
        cell = cells.get((indicator.code, own.kind, own.key))
        previous = trends[indicator.code]["rows"][-2]["cells"][0]
        cards.append({
            "indicator": indicator,
            "cell": cell,
            "region_cell": (cells.get((indicator.code, region.kind, region.key))
                            if region is not None and region != own else None),
            "previous": previous,
            "change": common.change(indicator, _value(cell), _value(previous)),
            "target": common.target_display(indicator),
            "direction": common.direction_text(indicator),
            "trend": trends[indicator.code],
            "drill_down": drill_down(request.user, scope, indicator),
        })
    matrix = [{"indicator": indicator,
               "cells": [cells.get((indicator.code, area.kind, area.key)) for area in columns]}
              for indicator in indicators]
    municipality_rows = [{"area": area, "cells": [
        cells.get((indicator.code, area.kind, area.key)) for indicator in indicators]}
        for area in municipalities]

    return render(request, "indicators/dashboard.html", {
        "scope": scope,
        "scope_regional": scope.kind == KIND_REGIONAL,
        "scope_hospital": scope.kind == KIND_HOSPITAL,
        "own": own,
        "own_is_municipality": own.kind == MUNICIPALITY,
        "region": region,
        "period": period,
        "period_error": period_error,
        "period_choices": common.period_choices(period),
        "as_of": common.figures_as_of(),
        "cards": cards,
        "columns": columns,
        "matrix": matrix,
        "indicators": indicators,
        "municipality_rows": municipality_rows,
        "downloads": common.download_links(request, "indicators"),
        "municipality_downloads": common.download_links(request, "municipalities"),
        "trend_labels": [common.short_label(p) for p in periods],
        "suppressed_mark": SUPPRESSED,
    })


def _value(cell):
    if cell is None or cell.suppressed:
        return None
    return cell.value
