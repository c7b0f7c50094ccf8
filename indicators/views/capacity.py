"""/indicators/capacity/?year=2024: capacity against the norms in the shape of seed 001's
Table 6. For every health-trust area of the reader's region (its municipalities on
expanding it) and the region: the population it rests on (source and year), level-4 beds
needed at 1 per 3 000 inhabitants, registered and the gap in beds and as a share; the same
for specialised places (5.1–5.3) at 1 per 7 000. A municipality's capacity pyramid: its
registered capacity on every level against the level-4 norm, as a picture and a table.

Capacity is registry data (the service catalogue), not patients: every reader with a scope
sees the whole region."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, Q, Sum
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.models import ServiceLevel, ServiceOffering

from .. import exports
from ..access import KIND_MUNICIPALITY, KIND_REGIONAL, scope_for
from ..areas import HEALTH_TRUST, MUNICIPALITY, current_numbers
from ..capacity import MUNICIPAL_NORM, SPECIALISED_NORM
from ..capacity import capacity as capacity_rows
from ..models import PopulationFigure, PopulationKind
from . import charts, common
from .dashboard import region_municipalities

FIRST_YEAR, LAST_YEAR = 1970, 2100


def chosen_year(request) -> tuple[int, str]:
    today = common.today()
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today.year, ""
    try:
        year = int(raw)
    except ValueError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return today.year, _("%(value)s is not a year: write it as 2024.") % {
            "value": repr(raw)}
    return year, ""


def year_choices(selected: int) -> list[int]:
    """The years population figures are imported for, this year and the chosen one, newest
    first. One query."""
    found = PopulationFigure.objects.aggregate(first=Min("year"), last=Max("year"))
    this_year = common.today().year
    first = min(found["first"] or this_year - 5, this_year, selected)
    last = max(found["last"] or this_year, this_year, selected)
    return list(range(last, first - 1, -1))


def _beds(value) -> str:
    if value is None:
        return "–"
    return formats.number_format(value, 1, use_l10n=True, force_grouping=True)


def _share(value) -> str:
    return "–" if value is None else f"{_beds(value)} %"


def _whole(value) -> str:
    if value is None:
        return "–"
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


def _norm(norm) -> dict:
    return {"need": _beds(norm.need), "registered": _whole(norm.registered),
            "gap": _beds(norm.gap), "share": _share(norm.share),
            "short": norm.gap is not None and norm.gap < 0,
            "population": _whole(norm.population), "population_year": norm.population_year,
            "projected": norm.population_kind == PopulationKind.PROJECTED,
            "table": norm.population_table, "raw": norm}


def _row(row, *, kind_label: str) -> dict:
    return {"area": row.area, "kind": kind_label, "capacity": row,
            "population": _whole(row.population), "population_year": row.population_year,
            "table": row.municipal.population_table,
            "municipal": _norm(row.municipal), "specialised": _norm(row.specialised)}


def level_capacities(area, levels) -> list[dict]:
    """The registered capacity on every level of a municipality: active services of the
    municipality itself or of providers that lie in it (its numbers before a change
    included), bottom level first. One query."""
    numbers = {old for old, new in current_numbers().items() if new == area.key} | {area.key}
    totals = {row["level__code"]: row for row in (
        ServiceOffering.objects.filter(active=True)
        .filter(Q(provider__municipality_number__in=numbers)
                | Q(provider__located_in__municipality_number__in=numbers))
        .values("level__code").annotate(total=Sum("capacity"), services=Count("pk"))
        .order_by())}
    return [{"code": level.code, "name": level.localized_name,
             "capacity": (totals.get(level.code) or {}).get("total") or 0,
             "services": (totals.get(level.code) or {}).get("services") or 0}
            for level in levels]


@never_cache
@login_required
@require_GET
def capacity(request):
    scope = scope_for(request.user)
    year, year_error = chosen_year(request)
    universe = scope.areas
    region = scope.region
    trusts = [t for t in universe.health_trusts if region is None or t.parent_key == region.key]
    municipalities = region_municipalities(scope)
    wanted = [*trusts, *municipalities, *([region] if region is not None else [])]
    by_key = {(r.area.kind, r.area.key): r
              for r in capacity_rows(year, wanted, within=universe)}

    # A KE's or a planner's own trust opens by itself; a regional planner opens what she wants.
    home_trusts = set()
    if scope.kind != KIND_REGIONAL:
        home_trusts = {a.key for a in scope.home_areas if a.kind == HEALTH_TRUST}
        home_trusts |= {a.parent_key for a in scope.home_areas if a.kind == MUNICIPALITY}
    opened = request.GET.get("open", "")
    closed = bool(request.GET.get("closed"))  # the reader closed their own trust's group
    trust_label, municipality_label = _("Health-trust area"), _("Municipality")
    groups = []
    for trust in trusts:
        members = [m for m in municipalities if m.parent_key == trust.key]
        is_open = opened in ("all", trust.key) or (
            not opened and not closed and trust.key in home_trusts)
        groups.append({
            "row": _row(by_key[(trust.kind, trust.key)], kind_label=trust_label),
            "municipalities": [_row(by_key[(m.kind, m.key)], kind_label=municipality_label)
                               for m in members],
            "open": is_open,
            "toggle": {"url": _query(request, open="" if is_open else trust.key,
                                     closed="1" if is_open else ""),
                       "anchor": f"trust-{trust.key}", "open": is_open,
                       "count": len(members)} if members else None,
        })
    trust_keys = {t.key for t in trusts}
    outside = [m for m in municipalities if m.parent_key not in trust_keys]
    outside_rows = [_row(by_key[(m.kind, m.key)], kind_label=municipality_label)
                    for m in outside]
    total = (_row(by_key[(region.kind, region.key)], kind_label=_("Region"))
             if region is not None else None)

    fmt = common.requested_download(request)
    if fmt:
        every = [row["capacity"] for group in groups
                 for row in (group["row"], *group["municipalities"])]
        every += [row["capacity"] for row in outside_rows] + ([total["capacity"]] if total else [])
        return common.download(request, fmt, [exports.capacity_sheet(every, year)],
                               f"rehab-kapasitet-{year}")

    # The pyramid of one municipality: the one asked for, else a KE's own.
    chosen, pyramid = None, None
    number = request.GET.get("municipality", "")
    if number:
        chosen = universe.get(MUNICIPALITY, number)
    elif scope.kind == KIND_MUNICIPALITY and scope.home_areas[0].kind == MUNICIPALITY:
        chosen = scope.home_areas[0]
    if chosen is not None:
        row = by_key.get((chosen.kind, chosen.key)) or capacity_rows(
            year, [chosen], within=universe)[0]
        levels = level_capacities(chosen, list(ServiceLevel.objects.all()))
        need = row.municipal.need
        pyramid = {"area": chosen, "row": _row(row, kind_label=municipality_label),
                   "levels": levels, "need": _beds(need),
                   "chart": charts.pyramid_chart(levels, need),
                   "description": _pyramid_description(chosen, levels, need)}

    sources = sorted({r.municipal.population_source for r in by_key.values()
                      if r.municipal.population_source}
                     | {r.specialised.population_source for r in by_key.values()
                        if r.specialised.population_source})
    return render(request, "indicators/capacity.html", {
        "scope": scope,
        "year": year,
        "year_error": year_error,
        "years": year_choices(year),
        "groups": groups,
        "outside": outside_rows,
        "total": total,
        "region": region,
        "pyramid": pyramid,
        # The figures' labels on a phone, where each area is a card (the export's words).
        "labels": {"population": _("Population"), "need4": _("Level 4: need (beds)"),
                   "registered4": _("Level 4: registered"), "gap4": _("Level 4: gap"),
                   "share4": _("Level 4: share of need (%)"),
                   "need5": _("5.1–5.3: need (places)"), "registered5": _("5.1–5.3: registered"),
                   "gap5": _("5.1–5.3: gap"), "share5": _("5.1–5.3: share of need (%)")},
        "municipality_choices": sorted(municipalities, key=lambda m: m.name),
        "municipal_norm": _whole(MUNICIPAL_NORM),
        "specialised_norm": _whole(SPECIALISED_NORM),
        "sources": sources,
        "downloads": common.download_links(request),
        "all_open": opened == "all",
        "open_all_url": _query(request, open="all"),
        "close_all_url": _query(request, open="", closed="1"),
    })


def _query(request, **changes) -> str:
    query = request.GET.copy()
    for name in ("download", "table", "open", "closed"):
        query.pop(name, None)
    for name, value in changes.items():
        if value:
            query[name] = value
    return f"?{query.urlencode()}"


def _pyramid_description(area, levels, need) -> str:
    parts = [_("Level %(code)s: %(capacity)s") % {"code": level["code"],
                                                 "capacity": _whole(level["capacity"])}
             for level in reversed(levels)]
    if need is not None:
        parts.append(_("norm for level 4: %(need)s beds") % {"need": _beds(need)})
    return _("%(area)s, registered places or beds per level: %(levels)s.") % {
        "area": area.name, "levels": "; ".join(parts)}
