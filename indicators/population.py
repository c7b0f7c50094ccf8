"""Population figures from SSB and the history of municipality numbers (kommunenummer).

Readers for the files SSB publishes (Statistikkbanken's semicolon CSV and JSON-stat 2.0, for
table 07459, registered population 1 January, and 13600, projections) and for the extract
of BergensTidende/bord4-data; readers for the kommunenummer transitions; an upsert that
changes nothing when a file comes twice; and the lookups the indicators use:
population_for(), current_number() and number_map().

A figure is never typed in or rounded: each one is a cell of an SSB table with its table,
year, kind, projection variant and where the file came from (`source`).
"""

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from registry.reference import Reference

from .models import MunicipalityNumberChange, NumberChangeKind, PopulationFigure, PopulationKind

DATA_DIR = Path(__file__).resolve().parent / "data"

# The tables the importer reads, and the kind of figure each publishes.
TABLE_KINDS = {"07459": PopulationKind.REGISTERED, "13600": PopulationKind.PROJECTED}
# SSB's main alternative of its projections (fertility, life expectancy, internal migration,
# immigration all medium); read when a file holds several and none is asked for.
MAIN_VARIANT = "MMMM"
# No municipality has ten million inhabitants: a larger number is a unit or column mistake.
MAX_POPULATION = 10_000_000

# The files in indicators/data/ (README.md there cites each one) and the source each row gets.
SHIPPED_POPULATION = (
    "norwegian_population.csv",
    "SSB tabell 07459 via BergensTidende/bord4-data data/csv/norwegian_population.csv "
    "(commit def8009), NLOD 2.0")
SHIPPED_CHANGES_2020 = (
    "norwegian_regions_changes.csv",
    "Kartverket, kommune- og regionsendringer 2020, via BergensTidende/bord4-data "
    "data/csv/norwegian_regions_changes.csv (commit def8009), CC BY 4.0")
SHIPPED_TRANSITIONS = (
    "norwegian_region_transitions.csv",
    "SSB Klass og Kartverket via BergensTidende/bord4-data "
    "data/dist/norwegian_region_transitions.csv (commit 0169a7e), NLOD 2.0")
SHIPPED_HISTORY = "norwegian_regions_history.csv"


class PopulationFileError(ValueError):
    """A file the importer cannot read, with where: its name, line and column."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None,
                 name: str = ""):
        super().__init__(message)
        self.message, self.line, self.column, self.name = message, line, column, name

    def __str__(self):
        where = [part for part in (
            self.name,
            f"line {self.line}" if self.line is not None else "",
            f"column {self.column}" if self.column is not None else "") if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class FigureRow:
    municipality_number: str
    municipality_name: str
    year: int
    kind: str
    population: int
    table: str
    variant: str
    source: str


@dataclass
class Reading:
    """What a file gave: the figures, and how many rows were left out and why."""

    figures: list[FigureRow]
    table: str
    variant: str = ""
    skipped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.figures:
            text = f"no figures of table {self.table}"
        else:
            years = sorted({row.year for row in self.figures})
            numbers = {row.municipality_number for row in self.figures}
            kind = self.figures[0].kind + (f", variant {self.variant}" if self.variant else "")
            text = (f"{len(self.figures)} figures of table {self.table} ({kind}, "
                    f"{years[0]}–{years[-1]}, {len(numbers)} municipalities)")
        for reason, count in sorted(self.skipped.items()):
            text += f"; skipped {count} {reason}"
        return text


@dataclass(frozen=True)
class ChangeRow:
    from_number: str
    to_number: str
    year: int
    kind: str
    source: str


# -- reading ---------------------------------------------------------------------------

def decode(data: bytes, name: str = "") -> str:
    """Statistikkbanken writes UTF-8 (with or without a byte order mark) or, in older
    downloads, Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise PopulationFileError("not UTF-8 or Windows-1252 text", name=name) from error


_MUNICIPALITY_REGION = re.compile(r"^(?:[A-Z]-)?(\d{4})(?:\s+(.*))?$")  # 5501 Tromsø, K-5501
_OTHER_REGION = re.compile(r"^(?:[A-Z]-)?(?:\d{1,2}|\d{2}-\d{2}|\d{6}\w*|Rest)(?:\s|$)")
_TABLE = re.compile(r"^\s*(\d{5})\s*:")
_VARIANT = re.compile(r"\b([LMHK0]{4})\b")
_YEAR = re.compile(r"^\d{4}$")
# SSB's symbols for a cell without a number: . not applicable, .. not available,
# ... not yet published, : confidential, - nil.
_NO_FIGURE = {"", ".", "..", "...", ":", "-"}


def _clean_name(name: str) -> str:
    """The first of SSB's parallel names ("Harstad - Hárstták"), without its years of
    validity ("Tromsø (2020-2023)")."""
    name = re.sub(r"\s*\((?:\d{4})?-(?:\d{4})?\)\s*$", "", name.strip())
    return name.split(" - ")[0].strip()[:100]


def _region(text: str) -> tuple[str, str] | None:
    """(number, name) of a municipality; None for the country, a county or a district."""
    text = text.strip()
    match = _MUNICIPALITY_REGION.match(text)
    if match:
        return match.group(1), _clean_name(match.group(2) or "")
    if _OTHER_REGION.match(text):
        return None
    raise ValueError(f"region {text!r} has no municipality number (expected e.g. "
                     f"\"5501 Tromsø\")")


def _whole_number(text: str) -> int | None:
    """A population as SSB writes it: digits only; None where SSB gives no figure. Any
    other number format (spaces, decimals, thousands separators) is refused, not guessed."""
    text = text.strip()
    if text in _NO_FIGURE:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number in a format the importer knows "
                         "(digits only, as SSB writes them)")
    value = int(text)
    if value > MAX_POPULATION:
        raise ValueError(f"{value} is more than any municipality's population")
    return value


def _default_source(table: str, variant: str, name: str) -> str:
    text = f"SSB tabell {table}"
    if variant:
        text += f", alternativ {variant}"
    if name:
        text += f" ({name})"
    return text + ", NLOD 2.0"


def _pick_variant(found: set[str], wanted: str | None, name: str) -> str:
    if wanted:
        if wanted not in found:
            raise PopulationFileError(
                f"no figures of projection variant {wanted}; the file has "
                f"{', '.join(sorted(found)) or 'none'}", name=name)
        return wanted
    if len(found) == 1:
        return next(iter(found))
    if MAIN_VARIANT in found:
        return MAIN_VARIANT
    raise PopulationFileError(
        f"the file holds projection variants {', '.join(sorted(found))}: choose one "
        "with --variant", name=name)


def _check_table(found: str, wanted: str | None, name: str, **where) -> str:
    if wanted and found != wanted:
        raise PopulationFileError(f"this is table {found}, not {wanted}", name=name, **where)
    if found not in TABLE_KINDS:
        raise PopulationFileError(
            f"table {found} is not one the importer reads (07459 registered population, "
            "13600 projections)", name=name, **where)
    return found


def read_ssb_csv(text: str, *, table: str | None = None, variant: str | None = None,
                 source: str | None = None, name: str = "") -> Reading:
    """Statistikkbanken's CSV: a header row "region";"år";"statistikkvariabel";"07459: ...",
    then one row per municipality and year ("5501 Tromsø";"2024";"Personer";78745). Title
    lines before the header are passed over; the country and counties are skipped."""
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = None
    for cells in reader:
        if cells and cells[0].strip().lower() == "region":
            header = [cell.strip() for cell in cells]
            break
    if header is None:
        raise PopulationFileError(
            'no header row starting with "region" (expected "region";"år";'
            '"statistikkvariabel";"07459: Befolkning, ...")', name=name)
    header_line = reader.line_num
    columns: dict[str, int] = {}
    value_column = None
    found_table = ""
    for index, title in enumerate(header):
        label = title.lower()
        if label in ("region", "år", "statistikkvariabel", "alternativ"):
            columns[label] = index
        elif _TABLE.match(title):
            if value_column is not None:
                raise PopulationFileError("two columns of figures; export one table at a time",
                                          name=name, line=header_line,
                                          column=f"{index + 1} ({title!r})")
            value_column, found_table = index, _TABLE.match(title).group(1)
        else:
            raise PopulationFileError(
                f"unexpected column {title!r}: export only region, år and statistikkvariabel "
                "(the total population, all ages and both sexes together)",
                name=name, line=header_line, column=str(index + 1))
    missing = [label for label in ("region", "år") if label not in columns]
    if value_column is None:
        missing.append('the figures ("07459: ..." or "13600: ...")')
    if missing:
        raise PopulationFileError(f"missing column {', '.join(missing)}", name=name,
                                  line=header_line)
    found_table = _check_table(found_table, table, name, line=header_line,
                               column=f"{value_column + 1} ({header[value_column]!r})")
    kind = TABLE_KINDS[found_table]

    raw = []  # (line, number, name, year, population, variant)
    skipped: dict[str, int] = defaultdict(int)
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise PopulationFileError(f"{len(cells)} fields where the header has {len(header)}",
                                      name=name, line=line)

        def fail(index, message, line=line):
            raise PopulationFileError(message, name=name, line=line,
                                      column=f"{index + 1} ({header[index]!r})")

        try:
            region = _region(cells[columns["region"]])
        except ValueError as error:
            fail(columns["region"], str(error))
        if region is None:
            skipped["rows of the country, counties or districts"] += 1
            continue
        year_text = cells[columns["år"]].strip()
        if not _YEAR.match(year_text):
            fail(columns["år"], f"{year_text!r} is not a year")
        try:
            population = _whole_number(cells[value_column])
        except ValueError as error:
            fail(value_column, str(error))
        row_variant = ""
        if kind == PopulationKind.PROJECTED:
            index = columns.get("alternativ", columns.get("statistikkvariabel"))
            match = _VARIANT.search(cells[index]) if index is not None else None
            if match is None:
                fail(index if index is not None else value_column,
                     "no projection alternative (like MMMM) in the row")
            row_variant = match.group(1)
        if not population:
            skipped["cells without a figure"] += 1
            continue
        raw.append((line, region[0], region[1], int(year_text), population, row_variant))

    chosen = _pick_variant({r[5] for r in raw}, variant, name) if raw and kind == \
        PopulationKind.PROJECTED else ""
    source = source or _default_source(found_table, chosen, name)
    seen: dict[tuple[str, int], int] = {}
    figures = []
    for line, number, municipality, year, population, row_variant in raw:
        if row_variant != chosen:
            skipped[f"figures of other variants than {chosen}"] += 1
            continue
        if (number, year) in seen:
            raise PopulationFileError(
                f"{number} {year} again (first on line {seen[number, year]})",
                name=name, line=line)
        seen[number, year] = line
        figures.append(FigureRow(number, municipality, year, kind, population, found_table,
                                 chosen, source))
    return Reading(figures, found_table, chosen, dict(skipped))


def _categories(dimension: dict, dim_name: str, name: str) -> tuple[list[str], dict]:
    category = dimension.get("category") or {}
    index = category.get("index")
    labels = category.get("label") or {}
    if isinstance(index, list):
        codes = list(index)
    elif isinstance(index, dict):
        codes = [code for code, _ in sorted(index.items(), key=lambda item: item[1])]
    elif len(labels) == 1:
        codes = list(labels)
    else:
        raise PopulationFileError(f'dimension "{dim_name}" has no category index', name=name)
    return codes, labels


def read_jsonstat(text: str, *, table: str | None = None, variant: str | None = None,
                  source: str | None = None, name: str = "") -> Reading:
    """A JSON-stat 2.0 dataset as SSB's API returns it (dimensions Region, ContentsCode, Tid
    and, for projections, the alternative), read with the standard library."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PopulationFileError(f"not valid JSON: {error.msg}", name=name,
                                  line=error.lineno, column=str(error.colno)) from error
    if not isinstance(data, dict) or data.get("class") != "dataset" \
            or not str(data.get("version", "")).startswith("2"):
        raise PopulationFileError(
            'not a JSON-stat 2.0 dataset (expected "version": "2.0", "class": "dataset")',
            name=name)
    ids, sizes, dimensions = data.get("id"), data.get("size"), data.get("dimension")
    if not (isinstance(ids, list) and isinstance(sizes, list) and isinstance(dimensions, dict)
            and len(ids) == len(sizes) and all(i in dimensions for i in ids)):
        raise PopulationFileError('"id", "size" and "dimension" do not agree', name=name)
    role = data.get("role") or {}

    def role_of(kind: str, default: str) -> str | None:
        named = (role.get(kind) or [None])[0]
        if named in ids:
            return named
        return next((i for i in ids if i.lower() == default.lower()), None)

    geo, time, metric = role_of("geo", "Region"), role_of("time", "Tid"), \
        role_of("metric", "ContentsCode")
    alternative = next((i for i in ids if i.lower() == "alternativ"), None)
    if geo is None or time is None:
        raise PopulationFileError('no region ("Region") or time ("Tid") dimension', name=name)
    match = _TABLE.match(str(data.get("label", "")))
    px = (data.get("extension") or {}).get("px") or {}
    found_table = match.group(1) if match else str(px.get("tableid", ""))
    if not found_table:
        raise PopulationFileError('no table number in "label" (e.g. "07459: Befolkning, ...")',
                                  name=name)
    found_table = _check_table(found_table, table, name)
    kind = TABLE_KINDS[found_table]

    categories = {dim: _categories(dimensions[dim], dim, name) for dim in ids}
    for dim, size in zip(ids, sizes, strict=True):
        if len(categories[dim][0]) != size:
            raise PopulationFileError(f'dimension "{dim}" has {len(categories[dim][0])} '
                                      f'categories, "size" says {size}', name=name)
        if dim not in (geo, time, metric, alternative) and size > 1:
            raise PopulationFileError(
                f'dimension "{dim}" splits the figures in {size}: export the total '
                "population (all ages, both sexes together)", name=name)
    if metric is not None and len(categories[metric][0]) > 1 and alternative is None \
            and kind == PopulationKind.REGISTERED:
        raise PopulationFileError(f'dimension "{metric}" holds more than the population',
                                  name=name)

    values = data.get("value")
    total = 1
    for size in sizes:
        total *= size
    if isinstance(values, list):
        if len(values) != total:
            raise PopulationFileError(f'"value" has {len(values)} cells, "size" makes {total}',
                                      name=name)
        cells = enumerate(values)
    elif isinstance(values, dict):
        cells = ((int(key), value) for key, value in values.items() if str(key).isdigit())
    else:
        raise PopulationFileError('"value" is neither a list nor an object', name=name)

    strides = []
    step = 1
    for size in reversed(sizes):
        strides.insert(0, step)
        step *= size

    def coordinates(position: int) -> dict[str, str]:
        return {dim: categories[dim][0][(position // stride) % size]
                for dim, stride, size in zip(ids, strides, sizes, strict=True)}

    def variant_of(at: dict[str, str]) -> str:
        for dim in (alternative, metric):
            if dim is None:
                continue
            code = at[dim]
            match = _VARIANT.search(code) or _VARIANT.search(
                str(categories[dim][1].get(code, "")))
            if match:
                return match.group(1)
        return ""

    raw = []
    skipped: dict[str, int] = defaultdict(int)
    for position, value in cells:
        at = coordinates(position)
        where = f'"value"[{position}] ({", ".join(f"{d} {c}" for d, c in at.items())})'
        region_code = at[geo]
        label = str(categories[geo][1].get(region_code, ""))
        try:
            region = _region(region_code if not label else f"{region_code} {label}")
        except ValueError as error:
            raise PopulationFileError(str(error), name=name, column=where) from error
        if region is None:
            skipped["cells of the country, counties or districts"] += 1
            continue
        number, municipality = region
        municipality = _clean_name(re.sub(rf"^{number}\s+", "", municipality))
        year_text = str(at[time])
        if not _YEAR.match(year_text):
            raise PopulationFileError(f"{year_text!r} is not a year", name=name, column=where)
        if value is None:
            skipped["cells without a figure"] += 1
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
                or value != int(value):
            raise PopulationFileError(f"{value!r} is not a whole number", name=name,
                                      column=where)
        if value > MAX_POPULATION:
            raise PopulationFileError(f"{int(value)} is more than any municipality's population",
                                      name=name, column=where)
        if value == 0:
            skipped["cells without a figure"] += 1
            continue
        row_variant = variant_of(at) if kind == PopulationKind.PROJECTED else ""
        if kind == PopulationKind.PROJECTED and not row_variant:
            raise PopulationFileError("no projection alternative (like MMMM) for this cell",
                                      name=name, column=where)
        raw.append((number, municipality, int(year_text), int(value), row_variant))

    chosen = _pick_variant({r[4] for r in raw}, variant, name) if raw and kind == \
        PopulationKind.PROJECTED else ""
    source = source or _default_source(found_table, chosen, name)
    figures = []
    seen = set()
    for number, municipality, year, population, row_variant in raw:
        if row_variant != chosen:
            skipped[f"figures of other variants than {chosen}"] += 1
            continue
        if (number, year) in seen:
            raise PopulationFileError(f"{number} {year} appears twice", name=name)
        seen.add((number, year))
        figures.append(FigureRow(number, municipality, year, kind, population, found_table,
                                 chosen, source))
    return Reading(figures, found_table, chosen, dict(skipped))


BORD4_COLUMNS = ["region_id", "region", "ssb_id", "ssb", "district_id", "district",
                 "municipality_id", "municipality", "county_id", "county", "year", "population"]


def read_bord4(text: str, *, source: str | None = None, name: str = "") -> Reading:
    """The extract of BergensTidende/bord4-data (data/csv/norwegian_population.csv): SSB
    table 07459 by region. Only municipalities (a 4-digit region_id) are read, not city
    districts or counties; a population of 0 there means SSB gave no figure."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if header != BORD4_COLUMNS:
        missing = [c for c in BORD4_COLUMNS if c not in header]
        extra = [c for c in header if c not in BORD4_COLUMNS]
        detail = "; ".join(part for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(extra)}" if extra else "") if part) or "in another order"
        raise PopulationFileError(f"the columns are not bord4-data's ({detail})", name=name,
                                  line=1)
    source = source or " ".join(
        part for part in ("SSB tabell 07459 via BergensTidende/bord4-data", name) if part
    ) + ", NLOD 2.0"
    figures = []
    skipped: dict[str, int] = defaultdict(int)
    seen: dict[tuple[str, int], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(BORD4_COLUMNS):
            raise PopulationFileError(f"{len(cells)} fields where the header has "
                                      f"{len(BORD4_COLUMNS)}", name=name, line=line)
        row = dict(zip(BORD4_COLUMNS, (cell.strip() for cell in cells), strict=True))
        if not re.fullmatch(r"\d{4}", row["region_id"]):
            skipped["rows of city districts, counties and other regions"] += 1
            continue
        if not _YEAR.match(row["year"]):
            raise PopulationFileError(f"{row['year']!r} is not a year", name=name, line=line,
                                      column="11 (year)")
        try:
            population = _whole_number(row["population"])
        except ValueError as error:
            raise PopulationFileError(str(error), name=name, line=line,
                                      column="12 (population)") from error
        if not population:
            skipped["rows with population 0 (no figure)"] += 1
            continue
        number, year = row["region_id"], int(row["year"])
        if (number, year) in seen:
            raise PopulationFileError(f"{number} {year} again (first on line "
                                      f"{seen[number, year]})", name=name, line=line)
        seen[number, year] = line
        figures.append(FigureRow(number, _clean_name(row["region"]), year,
                                 PopulationKind.REGISTERED, population, "07459", "", source))
    return Reading(figures, "07459", "", dict(skipped))


def detect_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "jsonstat"
    if stripped.split("\n", 1)[0].strip().startswith("region_id,"):
        return "bord4"
    return "ssb-csv"


def read_population_file(data: bytes, *, format: str | None = None, table: str | None = None,
                         variant: str | None = None, source: str | None = None,
                         name: str = "") -> Reading:
    text = decode(data, name)
    format = format or detect_format(text)
    if format == "bord4":
        if table and table != "07459":
            raise PopulationFileError(f"bord4-data's extract is table 07459, not {table}",
                                      name=name)
        return read_bord4(text, source=source, name=name)
    if format == "jsonstat":
        return read_jsonstat(text, table=table, variant=variant, source=source, name=name)
    if format == "ssb-csv":
        return read_ssb_csv(text, table=table, variant=variant, source=source, name=name)
    raise PopulationFileError(f"unknown format {format!r}", name=name)


# -- the kommunenummer transitions -------------------------------------------------------

def read_regions_history(text: str, name: str = "") -> dict[str, list[tuple[int, int | None]]]:
    """bord4-data's norwegian_regions_history.csv (from SSB Klass): for each municipality
    number, the years (1 January) from and until which it was valid."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"nivå", "regionnummer", "gyldig_fra", "gyldig_til"}
    if not needed <= set(reader.fieldnames or ()):
        raise PopulationFileError(f"missing columns {', '.join(sorted(needed))}", name=name,
                                  line=1)
    periods: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for row in reader:
        if row["nivå"] != "kommune":
            continue
        try:
            start = int(row["gyldig_fra"][:4])
            end = int(row["gyldig_til"][:4]) if row["gyldig_til"] else None
        except ValueError as error:
            raise PopulationFileError("a date is not YYYY-MM-DD", name=name,
                                      line=reader.line_num) from error
        periods[row["regionnummer"]].append((start, end))
    return dict(periods)


def _year_in_force(history, number: str, after: int, until: int, *, name: str, line: int) -> int:
    """The year (1 January) a number of the code set `after` changed on the way to the set
    `until`: the end of its validity in SSB Klass."""
    ends = [end for _start, end in history.get(number, ()) if end and after < end <= until]
    if not ends:
        raise PopulationFileError(
            f"the number history has no end of {number} between {after} and {until}",
            name=name, line=line)
    return max(ends)


_TRANSITION_KINDS = {
    "renumbered": NumberChangeKind.RENUMBERED,
    "merge": NumberChangeKind.MERGED,
    "split": NumberChangeKind.SPLIT,
    # A part of one municipality went to another while others merged: a part, as a split.
    "boundary_change": NumberChangeKind.SPLIT,
}


def read_transitions_csv(text: str, *, history, source: str, name: str = "") -> list[ChangeRow]:
    """bord4-data's data/dist/norwegian_region_transitions.csv, municipality rows."""
    reader = csv.DictReader(io.StringIO(text))
    needed = ["from_year", "to_year", "level", "from_id", "to_id", "change_type"]
    if not set(needed) <= set(reader.fieldnames or ()):
        raise PopulationFileError(f"expected the columns {', '.join(needed)}", name=name, line=1)
    rows = []
    for row in reader:
        if row["level"] != "municipality":
            continue
        line = reader.line_num
        kind = _TRANSITION_KINDS.get(row["change_type"])
        if kind is None:
            raise PopulationFileError(f"unknown change_type {row['change_type']!r}", name=name,
                                      line=line, column="change_type")
        for column in ("from_id", "to_id"):
            if not re.fullmatch(r"\d{4}", row[column]):
                raise PopulationFileError(f"{row[column]!r} is not a municipality number",
                                          name=name, line=line, column=column)
        for column in ("from_year", "to_year"):
            if not _YEAR.match(row[column]):
                raise PopulationFileError(f"{row[column]!r} is not a year", name=name,
                                          line=line, column=column)
        year = _year_in_force(history, row["from_id"], int(row["from_year"]),
                              int(row["to_year"]), name=name, line=line)
        rows.append(ChangeRow(row["from_id"], row["to_id"], year, kind, source))
    return rows


def read_transitions_json(text: str, *, history, source: str, name: str = "") -> list[ChangeRow]:
    """A raw file of bord4-data's data/raw/region-transitions/ (kommuner_*.json):
    ["2021", "2025", {"5401": "5501", "1508": ["1507"], ...}], where a list names the old
    numbers of a new one (a split when an old number has several new ones). Classified as
    the repository's scripts/build_region_transitions.py does."""
    try:
        from_year, to_year, mapping = json.loads(text)
    except (json.JSONDecodeError, ValueError, TypeError) as error:
        raise PopulationFileError('expected ["from year", "to year", {mapping}]',
                                  name=name) from error
    edges = []
    for key, value in mapping.items():
        for old, new in ([(old, key) for old in value] if isinstance(value, list)
                         else [(key, value)]):
            edges.append((old, new))
    news, olds = defaultdict(set), defaultdict(set)
    for old, new in edges:
        news[old].add(new)
        olds[new].add(old)
    rows = []
    for old, new in sorted(edges):
        split, merge = len(news[old]) > 1, len(olds[new]) > 1
        change = "boundary_change" if split and merge else "split" if split else \
            "merge" if merge else "renumbered"
        year = _year_in_force(history, old, int(from_year), int(to_year), name=name, line=1)
        rows.append(ChangeRow(old, new, year, _TRANSITION_KINDS[change], source))
    return rows


@dataclass
class ChangeReading:
    rows: list[ChangeRow]
    covers: set[tuple[str, int]]  # (old number, year): every municipality the file lists


def read_kartverket_changes(text: str, *, source: str, name: str = "") -> ChangeReading:
    """bord4-data's norwegian_regions_changes.csv (Kartverket): every municipality of one
    year beside its municipality of the next, e.g. municipality_id_2019 and
    municipality_id_2020. One old number under several new ones, or marked "(Deles)", was
    split; several under one new number were merged (the one that kept its number too);
    one under one other number was renumbered."""
    reader = csv.DictReader(io.StringIO(text))
    years = sorted(int(m.group(1)) for c in reader.fieldnames or ()
                   if (m := re.fullmatch(r"municipality_id_(\d{4})", c)))
    if len(years) != 2:
        raise PopulationFileError("expected columns municipality_id_<year> for two years",
                                  name=name, line=1)
    old_id, new_id = f"municipality_id_{years[0]}", f"municipality_id_{years[1]}"
    old_name = f"municipality_{years[0]}"
    pairs = []
    for row in reader:
        for column in (old_id, new_id):
            if not re.fullmatch(r"\d{4}", row[column] or ""):
                raise PopulationFileError(f"{row[column]!r} is not a municipality number",
                                          name=name, line=reader.line_num, column=column)
        parted = "(deles)" in (row.get(old_name) or "").lower()
        pairs.append((row[old_id], row[new_id], parted))
    news, olds = defaultdict(list), defaultdict(set)
    for old, new, _parted in pairs:
        if new not in news[old]:
            news[old].append(new)
        olds[new].add(old)
    year = years[1]
    rows = []
    for old, new, parted in pairs:
        if parted or len(news[old]) > 1:
            kind = NumberChangeKind.SPLIT
        elif len(olds[new]) > 1:
            kind = NumberChangeKind.MERGED  # also the one that kept its number
        elif old != new:
            kind = NumberChangeKind.RENUMBERED
        else:
            continue
        rows.append(ChangeRow(old, new, year, kind, source))
    return ChangeReading(rows, {(old, year) for old, _new, _parted in pairs})


def combine_changes(primary: ChangeReading, secondary: list[ChangeRow]
                    ) -> tuple[list[ChangeRow], list[str]]:
    """The primary file's changes, and the secondary's for numbers and years the primary
    does not list; a secondary row that contradicts the primary is reported, not kept."""
    primary_to = defaultdict(set)
    for row in primary.rows:
        primary_to[row.from_number, row.year].add(row.to_number)
    rows, notes = list(primary.rows), []
    for row in secondary:
        key = (row.from_number, row.year)
        if key not in primary.covers:
            rows.append(row)
            continue
        kept = primary_to.get(key) or {row.from_number}
        if row.to_number not in kept:
            notes.append(f"skipped {row.from_number} → {row.to_number} ({row.year}): the "
                         f"{row.year} changes list {row.from_number} → {', '.join(sorted(kept))}")
    return rows, notes


# -- writing -----------------------------------------------------------------------------

@dataclass
class SaveReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


_FIGURE_FIELDS = ("municipality_name", "population", "table", "variant", "source")


def save_figures(rows: Iterable[FigureRow]) -> SaveReport:
    """Upsert by municipality number, year and kind: a figure that is already there as the
    file has it is not written again, so a second import changes nothing."""
    by_key = {(r.municipality_number, r.year, r.kind): r for r in rows}
    report = SaveReport()
    if not by_key:
        return report
    years = [key[1] for key in by_key]
    existing = {
        (f.municipality_number, f.year, f.kind): f
        for f in PopulationFigure.objects.filter(
            kind__in={key[2] for key in by_key}, year__gte=min(years), year__lte=max(years))}
    now = timezone.now()
    new, changed = [], []
    for key, row in by_key.items():
        figure = existing.get(key)
        if figure is None:
            new.append(PopulationFigure(
                municipality_number=row.municipality_number, year=row.year, kind=row.kind,
                imported_at=now, **{name: getattr(row, name) for name in _FIGURE_FIELDS}))
        elif any(getattr(figure, name) != getattr(row, name) for name in _FIGURE_FIELDS):
            for name in _FIGURE_FIELDS:
                setattr(figure, name, getattr(row, name))
            figure.imported_at = now
            changed.append(figure)
        else:
            report.unchanged += 1
    PopulationFigure.objects.bulk_create(new, batch_size=1000)
    PopulationFigure.objects.bulk_update(changed, [*_FIGURE_FIELDS, "imported_at"],
                                         batch_size=1000)
    report.created, report.updated = len(new), len(changed)
    return report


def save_changes(rows: Iterable[ChangeRow]) -> SaveReport:
    """Upsert by from, to and year, in the order given (the order decides which part of a
    split municipality its old number maps to, see current_number)."""
    by_key = {}
    for row in rows:
        by_key.setdefault((row.from_number, row.to_number, row.year), row)
    report = SaveReport()
    existing = {(c.from_number, c.to_number, c.year): c
                for c in MunicipalityNumberChange.objects.all()}
    new, changed = [], []
    for key, row in by_key.items():
        change = existing.get(key)
        if change is None:
            new.append(MunicipalityNumberChange(from_number=row.from_number,
                                                to_number=row.to_number, year=row.year,
                                                kind=row.kind, source=row.source))
        elif (change.kind, change.source) != (row.kind, row.source):
            change.kind, change.source = row.kind, row.source
            changed.append(change)
        else:
            report.unchanged += 1
    MunicipalityNumberChange.objects.bulk_create(new, batch_size=1000)
    MunicipalityNumberChange.objects.bulk_update(changed, ["kind", "source"], batch_size=1000)
    report.created, report.updated = len(new), len(changed)
    if new or changed:
        _HISTORY.forget()  # bulk writes send no signal
    return report


def read_shipped() -> tuple[Reading, list[ChangeRow], list[str]]:
    """The files of indicators/data/ (its README cites them): the figures, the changes,
    and notes on transitions left out."""
    population_file, population_source = SHIPPED_POPULATION
    reading = read_bord4((DATA_DIR / population_file).read_text(encoding="utf-8"),
                         source=population_source, name=population_file)
    history = read_regions_history(
        (DATA_DIR / SHIPPED_HISTORY).read_text(encoding="utf-8"), SHIPPED_HISTORY)
    changes_file, changes_source = SHIPPED_CHANGES_2020
    primary = read_kartverket_changes((DATA_DIR / changes_file).read_text(encoding="utf-8"),
                                      source=changes_source, name=changes_file)
    transitions_file, transitions_source = SHIPPED_TRANSITIONS
    secondary = read_transitions_csv(
        (DATA_DIR / transitions_file).read_text(encoding="utf-8"), history=history,
        source=transitions_source, name=transitions_file)
    changes, notes = combine_changes(primary, secondary)
    return reading, changes, [f"{transitions_file}: {note}" for note in notes]


def import_shipped() -> list[str]:
    """Load the shipped figures and history (one transaction); lines saying what changed."""
    reading, changes, notes = read_shipped()
    with transaction.atomic():
        figures = save_figures(reading.figures)
        history = save_changes(changes)
    return [f"{SHIPPED_POPULATION[0]}: {reading.summary()}",
            f"Population figures: {figures}.",
            f"Municipality number changes: {history}.", *notes]


# -- the history, in memory --------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    from_number: str
    to_number: str
    year: int
    kind: str


@dataclass(frozen=True)
class History:
    into: dict[str, tuple[Edge, ...]]  # by to_number
    out_of: dict[str, tuple[Edge, ...]]  # by from_number, by year and then as imported
    current: dict[str, str]  # every known old number -> its number today


def _follow(out_of: dict, number: str, on_year: int | None) -> str:
    since = None
    for _step in range(100):  # a history with a loop must not hang a page
        step = next((edge for edge in out_of.get(number, ())
                     if edge.to_number != number and (since is None or edge.year > since)
                     and (on_year is None or edge.year <= on_year)), None)
        if step is None:
            break
        number, since = step.to_number, step.year
    return number


def _load_history() -> History:
    into, out_of = defaultdict(list), defaultdict(list)
    for edge in MunicipalityNumberChange.objects.order_by("year", "pk").values_list(
            "from_number", "to_number", "year", "kind"):
        edge = Edge(*edge)
        into[edge.to_number].append(edge)
        out_of[edge.from_number].append(edge)
    out_of = {number: tuple(edges) for number, edges in out_of.items()}
    current = {}
    for number in out_of:
        now = _follow(out_of, number, None)
        if now != number:
            current[number] = now
    return History({n: tuple(e) for n, e in into.items()}, out_of, current)


_HISTORY = Reference(_load_history, "indicators.MunicipalityNumberChange")


def current_number(number: str, on_year: int | None = None) -> str:
    """The number `number` has become by 1 January of `on_year` (today when None): 1902 →
    5401 (2020) → 5501 (2024). A number that was split goes to the part its change lists
    first (Tysfjord 1850 → Narvik 1806, Ålesund 1507 → Ålesund 1508): a figure of the
    old number still never counts for that part, see population_for."""
    history = _HISTORY.get()
    if on_year is None:
        return history.current.get(number, number)
    return _follow(history.out_of, number, on_year)


def number_map() -> dict[str, str]:
    """Every known old number → its current number (split numbers: see current_number)."""
    return dict(_HISTORY.get().current)


@dataclass(frozen=True)
class PopulationValue:
    population: int
    year: int
    source: str
    table: str
    variant: str = ""
    name: str = ""  # as SSB names it (for a sum: the predecessors' names)


def _ancestors(history: History, number: str) -> set[str]:
    seen, todo = {number}, [number]
    while todo:
        for edge in history.into.get(todo.pop(), ()):
            if edge.from_number not in seen:
                seen.add(edge.from_number)
                todo.append(edge.from_number)
    return seen


def _value(history: History, figures: dict, number: str, year: int, horizon: int | None,
           depth: int = 0) -> list[tuple] | None:
    """The figures that together make up `number`'s territory (as it was before `horizon`)
    in `year`: its own, else the sum of its predecessors' in a year before they became it.
    None when a part is missing, or came from a municipality that was split (how many of
    its inhabitants went where is not in the files)."""
    own = figures.get((number, year))
    if own is not None:
        return [(number, *own)]
    if depth > 20:
        return None
    later = [edge for edge in history.into.get(number, ())
             if edge.year > year and (horizon is None or edge.year < horizon)]
    if not later:
        return None
    change_year = max(edge.year for edge in later)
    parts = []
    for edge in later:
        if edge.year != change_year:
            continue
        if edge.kind == NumberChangeKind.SPLIT:
            return None
        found = _value(history, figures, edge.from_number, year, change_year, depth + 1)
        if found is None:
            return None
        parts.extend(found)
    return parts or None


def population_for(numbers: Iterable[str], year: int,
                   kind: str = PopulationKind.REGISTERED) -> dict[str, PopulationValue]:
    """Each municipality's population in `year` (the figure of that year, else the newest
    earlier one: `year` says which), under its current number: figures imported under old
    numbers count through the history, and a merged municipality's earlier years are the
    sum of its predecessors'. A municipality with no figure is left out. Two queries at
    most: the history (kept in memory, registry.reference) and the figures."""
    year = min(int(year), 9999)  # a year past any table's must not overflow the query
    history = _HISTORY.get()
    targets = {number: current_number(number) for number in dict.fromkeys(numbers)}
    family = {target: _ancestors(history, target) for target in set(targets.values())}
    needed = set().union(*family.values()) if family else set()
    if not needed:
        return {}
    figures = {}
    years_of: dict[str, set[int]] = defaultdict(set)
    for number, figure_year, population, source, table, variant, name in (
            PopulationFigure.objects.filter(kind=kind, year__lte=year,
                                            municipality_number__in=needed)
            .values_list("municipality_number", "year", "population", "source", "table",
                         "variant", "municipality_name")):
        figures[number, figure_year] = (population, source, table, variant, name)
        years_of[number].add(figure_year)
    found: dict[str, PopulationValue] = {}
    for target, members in family.items():
        candidates = sorted(set().union(*(years_of[m] for m in members)), reverse=True)
        for candidate in candidates:
            parts = _value(history, figures, target, candidate, None)
            if parts:
                found[target] = _combine(parts, candidate)
                break
    return {number: found[target] for number, target in targets.items() if target in found}


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def _combine(parts: list[tuple], year: int) -> PopulationValue:
    numbers = [part[0] for part in parts]
    sources = _unique(part[2] for part in parts)
    source = "; ".join(sources)
    if len(parts) > 1:
        source = f"{' + '.join(numbers)}: {source}"
    return PopulationValue(
        population=sum(part[1] for part in parts), year=year, source=source,
        table=", ".join(_unique(part[3] for part in parts)),
        variant=", ".join(v for v in _unique(part[4] for part in parts) if v),
        name=" + ".join(_unique(part[5] for part in parts)))

