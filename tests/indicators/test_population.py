"""Population figures from SSB (indicators.population, `manage.py import_population`): SSB's
CSV and JSON-stat 2.0 for tables 07459 and 13600, bord4-data's extract, the shipped files,
the kommunenummer history and population_for().

TEST FIXTURES: every population number written in this file is MADE UP for the tests (round,
repeated digits so nobody mistakes them for SSB's). Only the tests that load the shipped
extract (indicators/data/, cited in its README) see SSB's real figures, e.g. Tromsø's 77 544
of 1 January 2022.
"""

import json
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from indicators import population
from indicators.models import (
    MunicipalityNumberChange,
    NumberChangeKind,
    PopulationFigure,
    PopulationKind,
)
from indicators.population import current_number, number_map, population_for
from registry.models import User

pytestmark = pytest.mark.django_db

# -- made-up test fixtures in SSB's own layouts -----------------------------------------------

# Statistikkbanken's "CSV (semikolonseparert) med overskrift", table 07459. MADE-UP NUMBERS.
SSB_07459_CSV = """\
"Befolkning, etter region, år og statistikkvariabel (TEST FIXTURE, made-up numbers)"

"region";"år";"statistikkvariabel";"07459: Befolkning, etter region, år og statistikkvariabel"
"0 Hele landet";"2024";"Personer";5555555
"55 Troms";"2024";"Personer";155555
"5501 Tromsø";"2023";"Personer";11111
"5501 Tromsø";"2024";"Personer";11112
"5503 Harstad - Hárstták";"2024";"Personer";2222
"K-5534 Karlsøy";"2024";"Personer";".."
"""

# Table 13600 (projections): the alternative in statistikkvariabel. MADE-UP NUMBERS.
SSB_13600_CSV = """\
"region";"statistikkvariabel";"år";"13600: Framskrevet folkemengde 1. januar (TEST FIXTURE)"
"5501 Tromsø";"Hovedalternativet (MMMM)";"2030";33333
"5501 Tromsø";"Lav nasjonal vekst (LLML)";"2030";32222
"5501 Tromsø";"Hovedalternativet (MMMM)";"2035";34444
"5503 Harstad - Hárstták";"Hovedalternativet (MMMM)";"2030";3333
"""

# JSON-stat 2.0 as SSB's API returns it, table 07459. MADE-UP NUMBERS.
SSB_07459_JSONSTAT = {
    "version": "2.0", "class": "dataset",
    "label": "07459: Befolkning, etter region, statistikkvariabel og år (TEST FIXTURE)",
    "source": "Statistisk sentralbyrå",
    "id": ["Region", "ContentsCode", "Tid"], "size": [3, 1, 2],
    "dimension": {
        "Region": {"label": "region", "category": {
            "index": {"0": 0, "5501": 1, "1804": 2},
            "label": {"0": "Hele landet", "5501": "Tromsø", "1804": "Bodø"}}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {
            "index": {"Personer1": 0}, "label": {"Personer1": "Personer"}}},
        "Tid": {"label": "år", "category": {"index": {"2023": 0, "2024": 1},
                                             "label": {"2023": "2023", "2024": "2024"}}},
    },
    "value": [5555555, 5555556, 11111, 11112, None, 4444],
    "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
}

# Table 13600 in JSON-stat 2.0, the alternative as its own dimension, values sparse.
SSB_13600_JSONSTAT = {
    "version": "2.0", "class": "dataset",
    "label": "13600: Framskrevet folkemengde 1. januar (TEST FIXTURE)",
    "id": ["Region", "Alternativ", "ContentsCode", "Tid"], "size": [1, 2, 1, 2],
    "dimension": {
        "Region": {"category": {"index": ["K-5501"], "label": {"K-5501": "Tromsø"}}},
        "Alternativ": {"category": {"index": ["MMMM", "HHMH"],
                                    "label": {"MMMM": "Hovedalternativet (MMMM)",
                                              "HHMH": "Høy nasjonal vekst (HHMH)"}}},
        "ContentsCode": {"category": {"index": ["Personer"], "label": {"Personer": "Personer"}}},
        "Tid": {"category": {"index": ["2030", "2040"]}},
    },
    "value": {"0": 33333, "1": 35555, "2": 34444, "3": 39999},
    "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
}

# bord4-data's layout (data/csv/norwegian_population.csv). MADE-UP NUMBERS.
BORD4_CSV = """\
region_id,region,ssb_id,ssb,district_id,district,municipality_id,municipality,county_id,county,year,population
030101,Gamle Oslo,030101a,Gamle Oslo,030101,Gamle Oslo,0301,Oslo,03,Oslo,2022,55555
54,Troms og Finnmark,F-54,Troms og Finnmark,,,,,54,Troms og Finnmark,2022,244444
5401,Tromsø,K-5401,Tromsø,,,5401,Tromsø,54,Troms og Finnmark,2021,11110
5401,Tromsø,K-5401,Tromsø,,,5401,Tromsø,54,Troms og Finnmark,2022,11111
1806,Narvik,K-1806,Narvik,,,1806,Narvik,18,Nordland,2019,0
1806,Narvik,K-1806,Narvik,,,1806,Narvik,18,Nordland,2022,22222
Rest,Rest,K-Rest,Rest,,,Rest,,Rest,Delte kommuner og uoppgitt,2022,5
"""


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content),
                        encoding="utf-8")
    return str(path)


def run(*args) -> str:
    out = StringIO()
    call_command("import_population", *args, stdout=out)
    return out.getvalue()


def figures() -> dict:
    return {(f.municipality_number, f.year, f.kind): f for f in PopulationFigure.objects.all()}


# -- each format ------------------------------------------------------------------------------

def test_it_reads_statistikkbankens_csv_for_table_07459(tmp_path):
    # Statistikkbanken's older downloads are Windows-1252, not UTF-8.
    out = run(write(tmp_path, "07459.csv", SSB_07459_CSV.encode("cp1252")))
    found = figures()
    assert set(found) == {("5501", 2023, "registered"), ("5501", 2024, "registered"),
                          ("5503", 2024, "registered")}
    tromso = found["5501", 2024, "registered"]
    assert (tromso.municipality_name, tromso.population, tromso.table, tromso.variant) == (
        "Tromsø", 11112, "07459", "")
    assert tromso.source == "SSB tabell 07459 (07459.csv), NLOD 2.0"
    assert found["5503", 2024, "registered"].municipality_name == "Harstad"
    assert "3 figures of table 07459 (registered, 2023–2024, 2 municipalities)" in out
    assert "skipped 2 rows of the country, counties or districts" in out
    assert "skipped 1 cells without a figure" in out
    assert "Population figures: 3 created, 0 updated, 0 unchanged." in out


def test_it_reads_a_13600_projection_keeping_its_variant(tmp_path):
    path = write(tmp_path, "13600.csv", SSB_13600_CSV)
    out = run(path)
    found = figures()
    assert {key: (f.population, f.variant, f.table) for key, f in found.items()} == {
        ("5501", 2030, "projected"): (33333, "MMMM", "13600"),
        ("5501", 2035, "projected"): (34444, "MMMM", "13600"),
        ("5503", 2030, "projected"): (3333, "MMMM", "13600"),
    }
    assert found["5501", 2030, "projected"].source == \
        "SSB tabell 13600, alternativ MMMM (13600.csv), NLOD 2.0"
    assert "skipped 1 figures of other variants than MMMM" in out

    run(path, "--variant", "LLML", "--source", "SSB 13600 lav vekst (test)")
    low = PopulationFigure.objects.get(municipality_number="5501", year=2030, kind="projected")
    assert (low.population, low.variant, low.source) == (32222, "LLML",
                                                         "SSB 13600 lav vekst (test)")


def test_it_reads_jsonstat_2_for_both_tables(tmp_path):
    out = run(write(tmp_path, "07459.json", SSB_07459_JSONSTAT),
              write(tmp_path, "13600.json", SSB_13600_JSONSTAT))
    found = figures()
    assert {key: (f.municipality_name, f.population, f.variant) for key, f in found.items()} == {
        ("5501", 2023, "registered"): ("Tromsø", 11111, ""),
        ("5501", 2024, "registered"): ("Tromsø", 11112, ""),
        ("1804", 2024, "registered"): ("Bodø", 4444, ""),
        ("5501", 2030, "projected"): ("Tromsø", 33333, "MMMM"),
        ("5501", 2040, "projected"): ("Tromsø", 35555, "MMMM"),
    }
    assert "07459.json: 3 figures of table 07459" in out
    assert "13600.json: 2 figures of table 13600 (projected, variant MMMM" in out


def test_it_reads_the_bord4_extract_municipalities_only(tmp_path):
    out = run(write(tmp_path, "norwegian_population.csv", BORD4_CSV), "--format", "bord4")
    found = figures()
    assert set(found) == {("5401", 2021, "registered"), ("5401", 2022, "registered"),
                          ("1806", 2022, "registered")}
    assert found["5401", 2022, "registered"].source == \
        "SSB tabell 07459 via BergensTidende/bord4-data norwegian_population.csv, NLOD 2.0"
    assert "skipped 3 rows of city districts, counties and other regions" in out
    assert "skipped 1 rows with population 0 (no figure)" in out


def test_a_second_import_changes_nothing_and_a_new_figure_replaces_the_old(tmp_path):
    path = write(tmp_path, "07459.csv", SSB_07459_CSV)
    run(path)
    before = {key: (f.pk, f.imported_at) for key, f in figures().items()}
    out = run(path)
    assert "Population figures: 0 created, 0 updated, 3 unchanged." in out
    assert {key: (f.pk, f.imported_at) for key, f in figures().items()} == before

    corrected = SSB_07459_CSV.replace(";11112", ";11113")  # SSB corrects a figure
    out = run(write(tmp_path, "07459.csv", corrected))
    assert "0 created, 1 updated, 2 unchanged" in out
    assert figures()["5501", 2024, "registered"].population == 11113


GOOD_BORD4_ROW = "5401,Tromsø,K-5401,Tromsø,,,5401,Tromsø,54,Troms og Finnmark,2022,"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("non-numeric.csv", SSB_07459_CSV.replace(";2222", ";mange"),
     "non-numeric.csv, line 8, column 4 \\('07459: Befolkning, etter region, år og "
     "statistikkvariabel'\\): 'mange' is not a whole number"),
    ("spaces.csv", SSB_07459_CSV.replace(";2222", ";2 222"),
     "line 8, column 4 .*'2 222' is not a whole number in a format the importer knows"),
    ("decimal.csv", SSB_07459_CSV.replace(";2222", ";2222,0"),
     "line 8, column 4 .*'2222,0' is not a whole number"),
    ("year.csv", SSB_07459_CSV.replace('"2023"', '"2023K1"'),
     "line 6, column 2 \\('år'\\): '2023K1' is not a year"),
    ("columns.csv", SSB_07459_CSV.replace('"statistikkvariabel";"07459',
                                          '"alder";"07459'),
     "line 3, column 3: unexpected column 'alder'"),
    ("no-variant.csv", SSB_13600_CSV.replace("Hovedalternativet (MMMM)", "Personer"),
     "line 2, column 2 .*no projection alternative"),
    ("other-table.csv", SSB_07459_CSV.replace('"07459:', '"06913:'),
     "table 06913 is not one the importer reads"),
    ("bord4.csv", BORD4_CSV.replace("population", "folketall"),
     "line 1: the columns are not bord4-data's \\(missing population; unexpected folketall\\)"),
    ("bord4-value.csv", BORD4_CSV + GOOD_BORD4_ROW.replace("2022,", "2020,") + "n/a\n",
     "line 9, column 12 \\(population\\): 'n/a' is not a whole number"),
    ("broken.json", '{"version": "2.0",\n  "class": "dataset",,}',
     "broken.json, line 2, column 22: not valid JSON"),
    ("fraction.json", {**SSB_07459_JSONSTAT, "value": [1, 2, 3, 4.5, 5, 6]},
     "value\"\\[3\\] \\(Region 5501, ContentsCode Personer1, Tid 2024\\).*4.5 is not a whole"),
])
def test_a_bad_file_names_line_and_column_and_nothing_is_written(tmp_path, name, content,
                                                                  message):
    bord4 = name.startswith("bord4")
    good = write(tmp_path, "good.csv", BORD4_CSV if bord4 else SSB_07459_CSV)
    bad = write(tmp_path, name, content)
    with pytest.raises(CommandError, match=message) as raised:
        run(good, bad, *(["--format", "bord4"] if bord4 else []))
    assert str(raised.value).startswith("Nothing imported.")
    assert not PopulationFigure.objects.exists()


def test_it_refuses_a_file_of_another_table_than_asked(tmp_path):
    with pytest.raises(CommandError, match="this is table 07459, not 13600"):
        run(write(tmp_path, "07459.csv", SSB_07459_CSV), "--table", "13600")
    with pytest.raises(CommandError, match="Name the files to import, or --shipped"):
        run()


# -- the shipped files and the history --------------------------------------------------------

@pytest.fixture
def shipped():
    return run("--shipped")


def test_it_loads_the_shipped_extract_and_the_kommunenummer_history(shipped):
    assert ("norwegian_population.csv: 7737 figures of table 07459 (registered, 2001–2022, "
            "356 municipalities); skipped 95 rows with population 0 (no figure)") in shipped
    assert "Population figures: 7737 created, 0 updated, 0 unchanged." in shipped
    assert "Municipality number changes: 462 created" in shipped
    # bord4-data's transitions map three municipalities to a namesake; Kartverket decides.
    assert "skipped 0137 → 3419 (2020): the 2020 changes list 0137 → 3018" in shipped
    assert not MunicipalityNumberChange.objects.filter(from_number="0137",
                                                       to_number="3419").exists()
    tromso = PopulationFigure.objects.get(municipality_number="5401", year=2022)
    assert tromso.source == ("SSB tabell 07459 via BergensTidende/bord4-data "
                             "data/csv/norwegian_population.csv (commit def8009), NLOD 2.0")

    again = run("--shipped")
    assert "Population figures: 0 created, 0 updated, 7737 unchanged." in again
    assert "Municipality number changes: 0 created, 0 updated, 462 unchanged." in again


def test_renumbering_gives_tromsos_2022_figure_when_2024_is_asked(shipped):
    value = population_for(["5501"], 2024)["5501"]
    assert (value.population, value.year, value.table, value.name) == (77544, 2022, "07459",
                                                                      "Tromsø")
    assert "07459" in value.source and "def8009" in value.source
    # Asked under the old number, the answer is the same municipality's.
    assert population_for(["5401"], 2023)["5401"].population == 77544
    assert population_for(["5501"], 2015)["5501"].year == 2015


def test_the_history_knows_renumberings_mergers_and_splits(shipped):
    assert current_number("1902") == "5501"  # Tromsø: 1902 → 5401 (2020) → 5501 (2024)
    assert current_number("1902", on_year=2021) == "5401"
    assert current_number("5401", on_year=2023) == "5401"
    assert current_number("1601") == "5001"  # Trondheim, 2018
    current = number_map()
    assert current["2004"] == current["2017"] == current["5406"] == "5603"  # Hammerfest +
    assert current["1805"] == current["1854"] == "1806"  # Kvalsund; Narvik + Ballangen
    # A split number goes to the part its change lists first (see current_number).
    assert current["1850"] == "1806"  # Tysfjord: Narvik and Hamarøy
    assert current["1507"] == "1508"  # Ålesund: Ålesund and Haram (2024)
    assert "1804" not in current  # Bodø never changed


def test_a_municipality_that_got_part_of_a_split_one_has_no_earlier_sum(shipped):
    # Narvik 1806 = Narvik + Ballangen + part of Tysfjord (2020): how many of Tysfjord's
    # people went to Narvik is not in the files, so there is no figure before 2020.
    assert population_for(["1806"], 2019) == {}
    assert population_for(["1806"], 2024)["1806"].population == 21530


def test_the_raw_transitions_agree_with_the_dist_file():
    history = population.read_regions_history(
        (population.DATA_DIR / "norwegian_regions_history.csv").read_text(encoding="utf-8"))

    def read(name, reader):
        text = (population.DATA_DIR / name).read_text(encoding="utf-8")
        return {(r.from_number, r.to_number, r.year, r.kind)
                for r in reader(text, history=history, source="test")}

    from_csv = read("norwegian_region_transitions.csv", population.read_transitions_csv)
    from_json = read("kommuner_2017_2021.json", population.read_transitions_json) | read(
        "kommuner_2021_2025.json", population.read_transitions_json)
    assert from_csv == from_json
    assert ("5401", "5501", 2024, NumberChangeKind.RENUMBERED) in from_csv


# -- mergers, with made-up figures ------------------------------------------------------------

def change(old, new, year, kind=NumberChangeKind.MERGED):
    MunicipalityNumberChange.objects.create(from_number=old, to_number=new, year=year,
                                            kind=kind, source="test")


def figure(number, name, year, value, kind=PopulationKind.REGISTERED):
    PopulationFigure.objects.create(municipality_number=number, municipality_name=name,
                                    year=year, kind=kind, population=value, table="07459",
                                    source="test fixture, made-up numbers")


@pytest.fixture
def hammerfest():
    """Hammerfest 2004 and Kvalsund 2017 merged into 5406 in 2020, renumbered 5603 in 2024."""
    change("2004", "5406", 2020)
    change("2017", "5406", 2020)
    change("5406", "5603", 2024, NumberChangeKind.RENUMBERED)
    figure("2004", "Hammerfest", 2018, 10000)
    figure("2004", "Hammerfest", 2019, 10001)
    figure("2017", "Kvalsund", 2019, 1000)
    figure("5406", "Hammerfest", 2021, 11111)


def test_a_merger_sums_its_predecessors_before_the_merger(hammerfest):
    value = population_for(["5603"], 2019)["5603"]
    assert (value.population, value.year, value.name) == (11001, 2019, "Hammerfest + Kvalsund")
    assert value.source == "2004 + 2017: test fixture, made-up numbers"
    # After the merger the figure of the merged municipality, under its number then.
    after = population_for(["5603"], 2024)["5603"]
    assert (after.population, after.year, after.name) == (11111, 2021, "Hammerfest")
    # 2020 has no figure: the newest earlier complete year is 2019.
    assert population_for(["5603"], 2020)["5603"].year == 2019
    # 2018 lacks Kvalsund: no sum of a part.
    assert population_for(["5603"], 2018) == {}


def test_a_municipality_that_kept_its_number_in_a_merger_adds_the_others():
    change("5001", "5001", 2020)  # Trondheim kept 5001 and took in Klæbu 5030
    change("5030", "5001", 2020)
    figure("5030", "Klæbu", 2019, 6000)
    assert population_for(["5001"], 2019) == {}  # Trondheim's own 2019 figure is missing
    figure("5001", "Trondheim", 2019, 190000)
    # SSB's figure under 5001 for 2019 is taken as it is published (see population_for).
    assert population_for(["5001"], 2019)["5001"].population == 190000
    PopulationFigure.objects.filter(municipality_number="5001").update(year=2018)
    figure("5030", "Klæbu", 2018, 5900)
    change("1601", "5001", 2018, NumberChangeKind.RENUMBERED)
    figure("1601", "Trondheim", 2017, 180000)
    figure("1662", "Klæbu", 2017, 5800)
    # 2017: 1601 → 5001 in 2018 is known, Klæbu's 1662 → 5030 is not: no sum.
    assert population_for(["5001"], 2017) == {}


def test_population_for_reads_two_queries_whatever_the_number_of_municipalities(
        hammerfest, django_assert_num_queries):
    for number, name in [("1804", "Bodø"), ("5501", "Tromsø"), ("5503", "Harstad")]:
        figure(number, name, 2022, 12345)
    population.number_map()  # whoever asked first
    population._HISTORY.forget()
    # 1: the history (then kept in memory); 2: the figures of the numbers and their past.
    with django_assert_num_queries(2):
        one = population_for(["5603"], 2024)
    population._HISTORY.forget()
    with django_assert_num_queries(2):
        many = population_for(["5603", "1804", "5501", "5503", "9999"], 2024)
    assert one["5603"] == many["5603"] and set(many) == {"5603", "1804", "5501", "5503"}
    with django_assert_num_queries(1):  # the history is kept
        population_for(["5603"], 2024)
    with django_assert_num_queries(0):
        assert current_number("2017") == "5603"


def test_a_change_saved_through_the_importer_reaches_the_cached_history(hammerfest):
    assert current_number("5406") == "5603"
    population.save_changes([population.ChangeRow("5603", "5699", 2030,
                                                  NumberChangeKind.RENUMBERED, "test")])
    assert current_number("2017") == "5699"


# -- admin ------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", [PopulationFigure, MunicipalityNumberChange])
def test_the_admin_lists_them_read_only_with_search(model):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root", "root@example.test", "x")
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "municipality_number" in model_admin.search_fields \
        or "from_number" in model_admin.search_fields
