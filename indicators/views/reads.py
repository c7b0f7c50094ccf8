"""The screens' reads of the figures, through indicators.reading with the reader's
suppression: cells of one period, and a trend of several periods for a few areas, each one
read of a fixed number of queries (never one per figure, period or area)."""

from ..reading import read, table
from . import charts, common


def cells_for(indicators, period, areas, scope, **options) -> dict:
    if not indicators or not areas:
        return {}
    return table(indicators, period, list(areas), exempt_numbers=scope.exempt_numbers,
                 within=scope.areas, **options)


def trends_for(indicators, periods, areas, scope) -> dict:
    """For each indicator (by code): its rows (a period with a cell per area) and its line
    chart, the first area a solid line, the second dashed."""
    found = read(indicators, periods, list(areas), exempt_numbers=scope.exempt_numbers,
                 within=scope.areas) if indicators and areas else {}
    labels = [common.short_label(period) for period in periods]
    trends = {}
    for indicator in indicators:
        rows = [{"period": period, "cells": [
            found.get((indicator.code, period.key, a.kind, a.key)) for a in areas]}
            for period in periods]
        trends[indicator.code] = {
            "areas": list(areas),
            "rows": rows,
            "chart": line_chart(indicator, labels, areas, rows),
        }
    return trends


def line_chart(indicator, labels, areas, rows):
    series = []
    for index, area in enumerate(areas):
        cells = [row["cells"][index] for row in rows]
        series.append(charts.Series(
            name=area.name, css=("own", "region", "comparison")[min(index, 2)],
            values=[cell.value if cell is not None and not cell.suppressed else None
                    for cell in cells],
            displays=[cell.display if cell is not None else "–" for cell in cells]))
    if not any(v is not None for s in series for v in s.values):
        return None
    return charts.line_chart(labels, series, share=common.is_share(indicator),
                             target=indicator.target)
