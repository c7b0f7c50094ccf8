"""Downloads of the indicator and capacity tables: CSV and XLSX.

A sheet is a title, column headings, rows and notes (source and caveat lines). Values keep
their type: numbers stay numbers (XLSX cells are numeric, CSV writes them with a decimal
point), a suppressed cell is the text "<5" and nothing else (its numerator and denominator
are gone before it gets here, indicators.suppression), an empty cell is empty.

CSV: UTF-8 with a byte-order mark (Excel then reads æøå), comma-separated, a header row,
decimals with '.', the notes left out (a CSV is for machines); several sheets follow one
another, each under its title. XLSX: one worksheet per sheet, bold headings, the notes under
the table. Text that a spreadsheet would take for a formula (=, +, -, @) is written as text.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

from registry import audit
from registry.models import AuditAction, AuditObjectType

from .areas import HOSPITAL
from .capacity import CapacityRow
from .models import PopulationKind
from .suppression import SUPPRESSED

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- building sheets ------------------------------------------------------------------------


def _cell_value(cell):
    if cell is None:
        return None
    if cell.suppressed:
        return SUPPRESSED
    return cell.value


def _count(value, cell):
    return None if cell is None or cell.suppressed else value


def indicator_sheet(indicators, period, areas, cells: dict, *, title: str = "",
                    counts: bool = True) -> Sheet:
    """Areas down, indicators across, from reading.table()'s cells: each indicator's value
    and (with `counts`) its numerator and denominator."""
    columns = [_("Area"), _("Kind"), _("Key")]
    for indicator in indicators:
        columns.append(f"{indicator.localized_name} ({indicator.get_unit_display()})")
        if counts:
            columns += [_("%(name)s: numerator") % {"name": indicator.localized_name},
                        _("%(name)s: denominator") % {"name": indicator.localized_name}]
    rows = []
    for area in areas:
        row = [area.name, _area_kind(area.kind), area.key]
        for indicator in indicators:
            cell = cells.get((indicator.code, area.kind, area.key))
            row.append(_cell_value(cell))
            if counts:
                row += [_count(cell.numerator if cell else None, cell),
                        _count(cell.denominator if cell else None, cell)]
        rows.append(row)
    notes = [_("Period: %(period)s.") % {"period": period.label}, SUPPRESSION_NOTE()]
    for indicator in indicators:
        if indicator.localized_caveats:
            notes.append(f"{indicator.localized_name}: {indicator.localized_caveats}")
        if indicator.source:
            notes.append(_("Source, %(name)s: %(source)s") % {
                "name": indicator.localized_name, "source": indicator.source})
    populations = sorted({cell.population_source for cell in cells.values()
                          if getattr(cell, "population_source", "")})
    if populations:
        notes.append(_("Population: %(sources)s") % {"sources": "; ".join(populations)})
    return Sheet(title=title or _("Indicators %(period)s") % {"period": period.label},
                 columns=columns, rows=rows, notes=notes)


def capacity_sheet(rows: list[CapacityRow], year: int, *, title: str = "") -> Sheet:
    """Seed 001's Table 6 shape: per area the population, then for level 4 and for 5.1-5.3
    the beds needed by the norm, registered, the gap and the share of need."""
    columns = [
        _("Area"), _("Population"), _("Population year"),
        _("Level 4: need (beds)"), _("Level 4: registered"), _("Level 4: gap"),
        _("Level 4: share of need (%)"),
        _("5.1–5.3: population used"), _("5.1–5.3: population kind"),
        _("5.1–5.3: need (places)"), _("5.1–5.3: registered"), _("5.1–5.3: gap"),
        _("5.1–5.3: share of need (%)"),
    ]
    kinds = dict(PopulationKind.choices)
    body = []
    sources = set()
    for row in rows:
        m, s = row.municipal, row.specialised
        sources.update(x for x in (m.population_source, s.population_source) if x)
        body.append([
            row.area.name, m.population, m.population_year,
            m.need, m.registered, m.gap, m.share,
            s.population, str(kinds.get(s.population_kind, "")) if s.population_kind else None,
            s.need, s.registered, s.gap, s.share,
        ])
    notes = [
        _("Level 4: earmarked municipal rehabilitation beds against 1 bed per 3 000 "
          "inhabitants (seed 001 §4.2.4), on the registered population."),
        _("5.1–5.3: specialised inpatient places, private institutions included, against 1 "
          "place per 7 000 inhabitants (seed 001 §4.3.1), on the projected population where "
          "SSB's projection for the year is imported, else the registered one."),
        _("Registered: the capacity of active services in the service catalogue. Gap: "
          "registered minus need; negative is a shortfall."),
    ]
    if sources:
        notes.append(_("Population: %(sources)s") % {"sources": "; ".join(sorted(sources))})
    return Sheet(title=title or _("Capacity %(year)s") % {"year": year}, columns=columns,
                 rows=body, notes=notes)


def trend_sheet(indicator, area, trend: list, *, title: str = "") -> Sheet:
    """One indicator for one area, a period per row (reading.trend())."""
    rows = [[period.label, period.key, _cell_value(cell),
             _count(cell.numerator, cell), _count(cell.denominator, cell)]
            for period, cell in trend]
    return Sheet(title=title or f"{indicator.localized_name}, {area.name}",
                 columns=[_("Period"), _("Key"),
                          f"{indicator.localized_name} ({indicator.get_unit_display()})",
                          _("Numerator"), _("Denominator")],
                 rows=rows, notes=[SUPPRESSION_NOTE()])


def SUPPRESSION_NOTE() -> str:  # noqa: N802 - a constant, in the active language
    return _("Counts of 1–4 are suppressed (<5), and where needed one more cell of the "
             "column, so that a total minus the others cannot reveal them.")


def _area_kind(kind: str) -> str:
    return {"municipality": _("Municipality"), "health_trust": _("Health-trust area"),
            "region": _("Region"), HOSPITAL: _("Hospital")}.get(kind, kind)


# -- writing --------------------------------------------------------------------------------


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return str(value)  # a decimal point, never a comma
    return _safe_text(str(value))


def to_csv(sheets) -> bytes:
    """The sheets as CSV (UTF-8 with BOM, comma, header row); several sheets one after the
    other, each under its title and a blank line apart."""
    sheets = list(sheets)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([_safe_text(sheet.title)])
        writer.writerow([_csv_value(c) for c in sheet.columns])
        for row in sheet.rows:
            writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, taken: set[str]) -> str:
    """An Excel worksheet name: at most 31 characters, none of []:*?/\\, unique."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Ark"
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def to_xlsx(sheets) -> bytes:
    """The sheets as an XLSX workbook: bold headings, numbers as numbers (one decimal
    where the value has one), the notes in italics under the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title, taken))
        ws.append([str(c) for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        widths = [len(str(c)) for c in sheet.columns]
        for row in sheet.rows:
            values = []
            for value in row:
                if isinstance(value, Decimal):
                    value = float(value) if value.as_tuple().exponent < 0 else int(value)
                values.append(value)
            ws.append(values)
            for column, (raw, cell) in enumerate(zip(row, ws[ws.max_row], strict=False)):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                elif isinstance(raw, Decimal) and raw.as_tuple().exponent < 0:
                    cell.number_format = "0." + "0" * -raw.as_tuple().exponent
                if column < len(widths):
                    widths[column] = max(widths[column], len(str(raw if raw is not None
                                                                  else "")))
        ws.freeze_panes = "A2"
        if sheet.notes:
            ws.append([])
            for note in sheet.notes:
                ws.append([str(note)])
                ws.cell(row=ws.max_row, column=1).font = Font(italic=True)
                ws.cell(row=ws.max_row, column=1).data_type = "s"
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def response(fmt: str, sheets, filename: str, *, user=None, detail: str = "") -> HttpResponse:
    """The download, as an attachment; with `user`, the export is recorded in the audit
    trail (aggregates, no patient: one event for the file)."""
    sheets = list(sheets)
    if fmt == "csv":
        body, content_type = to_csv(sheets), CSV_TYPE
    elif fmt == "xlsx":
        body, content_type = to_xlsx(sheets), XLSX_TYPE
    else:
        raise ValueError(f"Unknown export format {fmt!r}")
    if user is not None:
        audit_export(user, detail or f"{filename} ({', '.join(s.title for s in sheets)})")
    result = HttpResponse(body, content_type=content_type)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    result["Content-Disposition"] = f'attachment; filename="{safe}"'
    return result


def audit_export(user, detail: str) -> None:
    """An export of aggregates: who took which table out of the portal (no patient)."""
    audit.record(user, AuditAction.EXPORT, AuditObjectType.INDICATORS, detail=detail[:200])
