"""CSV and XLSX downloads of the indicator and capacity tables: numbers stay numbers, a
suppressed cell is "<5" with no numerator or denominator beside it, the sources and caveats
stand under the table, and the export is in the audit trail."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from indicators import exports, reading
from indicators.areas import areas
from indicators.capacity import capacity
from indicators.models import Unit
from indicators.periods import Period
from registry.models import AuditAction, AuditEvent
from tests import factories

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(cast):
    north = region(cast)
    share = indicator(Unit.SHARE, caveats="Tidligmeldinger før 2024 er ikke med.",
                      source="Rehab-portalen")
    figure(share, "2024-02", "5501", 30, 48)
    figure(share, "2024-02", "5532", 1, 3)
    figure(share, "2024-02", "5534", 9, 10)
    found = areas()
    wanted = [found.get("municipality", n) for n in ("5501", "5532", "5534")]
    year = Period.parse("2024")
    cells = reading.table([share], year, wanted, within=found)
    return exports.indicator_sheet([share], year, wanted, cells), north


def test_the_csv_has_a_bom_a_header_and_decimal_points_and_hides_suppressed_counts(table):
    sheet, _north = table
    data = exports.to_csv([sheet])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Område", "Type", "Nøkkel", rows[0][3]]
    assert rows[0][3].endswith("(Andel (prosent))") or "(" in rows[0][3]
    assert rows[1] == ["Tromsø", "Kommune", "5501", "62.5", "30", "48"]
    assert rows[2] == ["Balsfjord", "Kommune", "5532", "<5", "", ""]
    # Karlsøy goes with Balsfjord, so the trust's total cannot give Balsfjord away.
    assert rows[3] == ["Karlsøy", "Kommune", "5534", "<5", "", ""]
    assert len(rows) == 4  # no notes in a CSV


def test_the_xlsx_keeps_numbers_as_numbers_with_bold_headings_and_notes_below(table):
    sheet, _north = table
    workbook = load_workbook(io.BytesIO(exports.to_xlsx([sheet])))
    ws = workbook.active
    assert ws["A1"].value == "Område" and ws["A1"].font.bold
    assert ws["D2"].value == 62.5 and ws["D2"].number_format == "0.0"
    assert (ws["E2"].value, ws["F2"].value) == (30, 48)
    assert (ws["D3"].value, ws["E3"].value, ws["F3"].value) == ("<5", None, None)
    notes = [ws.cell(row=r, column=1).value for r in range(6, ws.max_row + 1)]
    assert any("<5" in note for note in notes)
    assert any("Tidligmeldinger før 2024" in note for note in notes)
    assert any("Rehab-portalen" in note for note in notes)


def test_text_that_looks_like_a_formula_is_written_as_text():
    sheet = exports.Sheet("=Tabell", ["Område", "Verdi"], [["=HYPERLINK(\"x\")", Decimal("1.5")],
                                                          ["-Oslo", -2]])
    rows = list(csv.reader(io.StringIO(exports.to_csv([sheet]).decode("utf-8-sig"))))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "1.5"]
    assert rows[2] == ["'-Oslo", "-2"]
    ws = load_workbook(io.BytesIO(exports.to_xlsx([sheet]))).active
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"x\")"
    assert ws["B3"].value == -2


def test_the_capacity_table_has_the_shape_of_table_6_with_its_population_sources(cast):
    north = region(cast)
    factories.service(cast.tromso, "4", capacity=20)
    for number, people in (("5501", 78_000), ("5532", 5_600), ("5534", 2_200),
                           ("1804", 53_000), ("1840", 4_600)):
        population(number, 2024, people)
    sheet = exports.capacity_sheet(capacity(2024), 2024)
    ws = load_workbook(io.BytesIO(exports.to_xlsx([sheet]))).active
    headings = [c.value for c in ws[1]]
    assert headings[:4] == ["Område", "Innbyggertall", "Befolkningsår", "Nivå 4: behov (plasser)"]
    unn = next(row for row in ws.iter_rows(min_row=2, values_only=True)
               if row[0] == north.unn_hf.name)
    assert unn[1:7] == (85_800, 2024, 28.6, 20, -8.6, 69.9)
    notes = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, ws.max_row + 1))
    assert "3 000" in notes and "7 000" in notes and "07459" in notes


def test_a_download_is_an_attachment_and_is_audited_as_an_export(table, cast):
    sheet, _north = table
    response = exports.response("xlsx", [sheet], "indikatorer-2024.xlsx", user=cast.ke_tromso)
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="indikatorer-2024.xlsx"'
    event = AuditEvent.objects.get(object_type="indicators")
    assert (event.action, event.user, event.patient_uuid) == (AuditAction.EXPORT,
                                                              cast.ke_tromso, None)
    assert "indikatorer-2024.xlsx" in event.detail
    csv_response = exports.response("csv", [sheet], "indikatorer 2024.csv")
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="indikatorer_2024.csv"'
