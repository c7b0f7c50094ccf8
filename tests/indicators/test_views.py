"""The indicator screens (indicators/views): the dashboard, an indicator's page and capacity
against the norms, for each role that reads them and refused to the others; what a KE may
see of another municipality's small counts; the downloads; query counts that do not grow
with the figures."""

import datetime
import io
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from indicators.models import ComputationRun, Unit
from registry.models import AuditEvent, Organization, Role
from tests import factories

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db

PERIOD = "2024-03"
# Share of notices on time in March 2024: Tromsø 2 of 3 (a count of 3: suppressed for all
# but Tromsø's own), the others large enough to show.
SHARES = {"5501": (2, 3), "5532": (30, 40), "5534": (10, 20), "1804": (50, 60),
          "1840": (8, 10)}
FEBRUARY = {number: (n, d + 1) for number, (n, d) in SHARES.items()}
POPULATION = {"5501": 78_745, "5532": 5_600, "5534": 2_200, "1804": 53_712, "1840": 4_600}


class Tables(HTMLParser):
    """The text of every table cell, row by row, by the table's id."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = dict(attrs).get("id", f"table-{len(self.tables)}")
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.row = []
            self.tables[self.current].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current, self.row = None, None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(response) -> dict:
    assert response.status_code == 200, response.status_code
    return Tables(response.content.decode()).tables


def row_of(table, name) -> list[str]:
    return next(row for row in table if row and any(cell.startswith(name) for cell in row[:2]))


@pytest.fixture
def north(cast):
    world = region(cast)
    share = indicator(Unit.SHARE, code="varsel-i-tide", name="Tidligvarsel innen fristen",
                      target=90, direction="higher", computation="notice_on_time")
    days = indicator(Unit.DAYS_PER_1000, code="utskrivningsklare-dogn",
                     name="Utskrivningsklare døgn", direction="lower",
                     computation="ready_days")
    for number, (numerator, denominator) in SHARES.items():
        figure(share, PERIOD, number, numerator, denominator)
        figure(share, "2024-02", number, *FEBRUARY[number])
        figure(days, PERIOD, number, numerator * 10)
        population(number, 2024, POPULATION[number])
    regional = factories.user("regional", cast.rhf, Role.REGIONAL_PLANNER)
    org_admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    factories.service(cast.tromso, "4", capacity=12)
    factories.service(cast.tromso, "3", capacity=30)
    factories.service(cast.bodo, "4", capacity=20)
    Organization.objects.filter(pk=cast.unn.pk).update(located_in=cast.tromso)
    factories.service(cast.unn, "5.2", capacity=14)
    return SimpleNamespace(**vars(world), share=share, days=days, regional=regional,
                           org_admin=org_admin, cast=cast)


def share(counts, numbers=None) -> str:
    """A share as the page writes it: "75,2 %"."""
    numbers = numbers or counts.keys()
    numerator = sum(counts[n][0] for n in numbers)
    denominator = sum(counts[n][1] for n in numbers)
    return f"{100 * numerator / denominator:.1f} %".replace(".", ",")


UNN_AREA = ("5501", "5532", "5534")


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


# -- who reads what ---------------------------------------------------------------------------


def test_a_ke_sees_its_municipality_against_the_region(client, cast, north):
    response = get(client, cast.ke_tromso, f"/indicators/?period={PERIOD}")
    found = tables(response)
    assert found["indicator-matrix"][0] == ["Indikator", "Tromsø", "Helse Nord"]
    own = row_of(found["indicator-matrix"], "Tidligvarsel innen fristen")
    assert own[1:] == ["66,7 %", share(SHARES)]
    page = response.content.decode()
    assert "Tromsø, mars 2024" in page
    assert "municipality-matrix" not in found
    # Her own figures lead to the lists she already works in.
    assert 'href="/inbox/ke/"' in page
    # The card: her value, the region's, the target and the change from February (2 of 4).
    card = page[page.index('id="card-varsel-i-tide"'):]
    card = card[:card.index("</li>")]
    assert "66,7 %" in card and share(SHARES) in card and "90 %" in card
    assert "Opp fra forrige periode: bedre" in card


def test_a_discharge_planner_sees_the_hospital_its_trust_and_the_region(client, cast, north):
    found = tables(get(client, cast.planner, f"/indicators/?period={PERIOD}"))
    assert found["indicator-matrix"][0] == [
        "Indikator", "UNN Tromsø", "Universitetssykehuset Nord-Norge HF", "Helse Nord"]
    trust = row_of(found["indicator-matrix"], "Tidligvarsel innen fristen")
    assert trust[2:] == [share(SHARES, UNN_AREA), share(SHARES)]


def test_a_regional_planner_sees_the_region_every_trust_and_municipality_and_no_patient(
        client, north):
    response = get(client, north.regional, f"/indicators/?period={PERIOD}")
    found = tables(response)
    assert found["indicator-matrix"][0] == [
        "Indikator", "Helse Nord", "Nordlandssykehuset HF",
        "Universitetssykehuset Nord-Norge HF"]
    municipalities = [row[0] for row in found["municipality-matrix"][1:]]
    assert sorted(municipalities) == ["Balsfjord", "Bodø", "Karlsøy", "Saltdal", "Tromsø"]
    # No municipality is exempt for her: Tromsø's count of 3 is suppressed.
    column = found["municipality-matrix"][0].index("Tidligvarsel innen fristen")
    assert row_of(found["municipality-matrix"], "Tromsø")[column] == "<5"
    page = response.content.decode()
    main = page[page.index("<main"):page.index("</main>")]
    for patient_list in ("/inbox/ke/", "/ward/", "/plans/", "/ke/", "/patients/"):
        assert f'href="{patient_list}' not in main


@pytest.mark.parametrize("path", ["/indicators/", "/indicators/varsel-i-tide/",
                                  "/indicators/capacity/", "/indicators/?download=xlsx",
                                  "/indicators/capacity/?download=csv"])
@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_a_coordinator_and_an_org_admin_are_refused(client, cast, north, path, who):
    user = cast.coordinator if who == "coordinator" else north.org_admin
    assert get(client, user, path).status_code == 403


def test_the_pages_ask_for_a_sign_in(client, north):
    response = client.get("/indicators/capacity/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_shows_indicators_to_those_who_read_them_only(client, cast, north):
    link = 'href="/indicators/"'
    for user in (cast.ke_tromso, cast.planner, north.regional):
        assert link in get(client, user, "/").content.decode()
    assert link not in get(client, cast.coordinator, "/").content.decode()


# -- small counts -----------------------------------------------------------------------------


def test_a_ke_cannot_see_another_municipalitys_small_cells(client, cast, north):
    path = f"/indicators/varsel-i-tide/?period={PERIOD}"
    own = tables(get(client, cast.ke_tromso, path))["municipality-ranking"]
    assert row_of(own, "Tromsø")[2:5] == ["66,7 %", "2", "3"]

    response = get(client, cast.ke_bodo, path)
    other = tables(response)["municipality-ranking"]
    tromso = row_of(other, "Tromsø")
    assert tromso[2:5] == ["<5", "", ""]
    assert tromso[2] not in ("66,7 %",) and "66,7 %" not in str(other)
    # UNN's area total minus the other municipalities cannot reveal it: one more is hidden.
    unn = [row for row in other if row[1] in ("Tromsø", "Balsfjord", "Karlsøy")]
    assert sum(row[2] == "<5" for row in unn) == 2
    # Her own Bodø shows as it is.
    assert row_of(other, "Bodø")[2] == "83,3 %"


def test_the_ranking_puts_the_best_first_and_draws_no_bar_for_a_suppressed_cell(
        client, north):
    response = get(client, north.regional, f"/indicators/varsel-i-tide/?period={PERIOD}")
    ranking = tables(response)["municipality-ranking"]
    names = [row[1] for row in ranking[1:]]
    assert names[:4] == ["Bodø", "Saltdal", "Balsfjord", "Karlsøy"]
    assert names[4] == "Tromsø" and names[-1].startswith("Helse Nord")
    page = response.content.decode()
    tromso = page[page.index(">Tromsø</a>"):]
    tromso = tromso[:tromso.index("</tr>")]
    assert "<svg" not in tromso
    bodo = page[page.index(">Bodø</a>"):]
    assert 'width="83.3"' in bodo[:bodo.index("</tr>")]  # a share's bar: 100 is full


def test_the_indicator_page_explains_the_indicator_and_draws_its_trend(client, cast, north):
    response = get(client, cast.ke_tromso, f"/indicators/varsel-i-tide/?period={PERIOD}")
    page = response.content.decode()
    for words in ("Om indikatoren", "Definisjon", "Teller", "Nevner", "Høyere er bedre",
                  "Andel (prosent)", "Prikking"):
        assert words in page
    # The tab names the indicator, in words only (the explanation is in the page, once).
    title = page[page.index("<title>") + len("<title>"):page.index("</title>")]
    assert title.startswith(response.context["indicator"].localized_name + " · ")
    assert "<" not in title and page.count('id="about-heading"') == 1
    assert '<svg class="line-chart__svg"' in page and "<title id=\"trend-chart-title\">" in page
    trend = tables(response)
    months = next(t for name, t in trend.items() if t and t[0][:1] == ["Periode"])
    assert months[0] == ["Periode", "Tromsø", "Helse Nord"]
    assert len(months) == 13  # April 2023 to March 2024
    assert months[-1] == ["mars 2024", "66,7 %", share(SHARES)]
    assert months[-2] == ["februar 2024", "50,0 %", share(FEBRUARY)]


def test_the_trend_follows_the_area_picked_in_the_comparison(client, cast, north):
    response = get(client, cast.ke_tromso,
                   f"/indicators/varsel-i-tide/?period={PERIOD}&area=municipality:1804")
    assert "Utvikling: Bodø, Helse Nord" in response.content.decode()
    response = get(client, cast.ke_tromso, "/indicators/varsel-i-tide/?area=nowhere")
    assert response.status_code == 200
    assert "er ikke et område" in response.content.decode()


def test_a_period_that_cannot_be_read_is_said_and_the_current_one_shown(client, cast, north):
    response = get(client, cast.ke_tromso, "/indicators/?period=2024-13")
    assert response.status_code == 200
    assert "en måned er 01 til 12" in response.content.decode()
    assert get(client, cast.ke_tromso, "/indicators/no-such-code/").status_code == 404
    assert get(client, cast.ke_tromso, "/indicators/?download=pdf").status_code == 404


def test_the_time_of_the_last_computation_is_shown(client, cast, north):
    moment = datetime.datetime(2024, 4, 2, 3, 15, tzinfo=datetime.UTC)
    ComputationRun.objects.create(started_at=moment, finished_at=moment, watermark=moment)
    page = get(client, cast.ke_tromso, "/indicators/").content.decode()
    assert "Tall per 02.04.2024 05:15" in page


def test_the_dashboard_speaks_english_too(client, cast, north):
    client.force_login(cast.ke_tromso)
    with translation.override("en"):
        response = client.get(f"/indicators/?period={PERIOD}", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies.load({"django_language": "en"})
    response = client.get(f"/indicators/?period={PERIOD}")
    page = response.content.decode()
    assert "Indicators: Tromsø" in page and "Up from the previous period: better" in page


# -- capacity ---------------------------------------------------------------------------------


def test_capacity_shows_every_health_trust_area_and_the_region(client, north):
    response = get(client, north.regional, "/indicators/capacity/?year=2024")
    table = tables(response)["capacity-table"]
    unn = row_of(table, "Universitetssykehuset Nord-Norge HF")
    # 86 545 inhabitants: level 4 needs 28,8 beds, 12 registered; 5.x needs 12,4, 14 registered.
    assert unn[1].startswith("86 545")
    assert unn[2:10] == ["28,8", "12", "-16,8 (underdekning)", "41,7 %", "12,4", "14", "1,6",
                         "112,9 %"]
    nlsh = row_of(table, "Nordlandssykehuset HF")
    assert nlsh[2:6] == ["19,4", "20", "0,6", "103,1 %"]
    total = row_of(table, "Helse Nord")
    assert total[1].startswith("144 857") and total[2:4] == ["48,3", "32"]
    # Collapsed for her until she opens a trust or all.
    assert not any(row[0].startswith("Tromsø") for row in table)
    opened = tables(get(client, north.regional, "/indicators/capacity/?year=2024&open=all"))
    assert row_of(opened["capacity-table"], "Tromsø")[2:4] == ["26,2", "12"]


def test_a_ke_sees_its_trust_opened_and_its_capacity_pyramid(client, cast, north):
    response = get(client, cast.ke_tromso, "/indicators/capacity/?year=2024")
    found = tables(response)
    assert row_of(found["capacity-table"], "Tromsø")[2:4] == ["26,2", "12"]
    assert not any(row[0].startswith("Bodø") for row in found["capacity-table"])
    levels = {row[0].split()[0]: row[1:] for row in found["pyramid-table"][1:]}
    assert levels["4"] == ["1", "12", "26,2"] and levels["3"] == ["1", "30", "–"]
    assert levels["5.2"] == ["1", "14", "–"]
    page = response.content.decode()
    assert 'class="pyramid-chart__norm"' in page
    assert "Kapasitetspyramiden til Tromsø mot normen" in page


def test_a_planner_picks_another_municipalitys_pyramid(client, cast, north):
    response = get(client, cast.planner, "/indicators/capacity/?year=2024&municipality=1804")
    levels = {row[0].split()[0]: row[1:] for row in tables(response)["pyramid-table"][1:]}
    assert levels["4"] == ["1", "20", "17,9"]
    response = get(client, cast.planner, "/indicators/capacity/?year=tjuefire")
    assert response.status_code == 200 and "er ikke et år" in response.content.decode()


# -- downloads --------------------------------------------------------------------------------


def test_the_capacity_table_downloads_as_xlsx(client, north):
    client.force_login(north.regional)
    response = client.get("/indicators/capacity/?year=2024&download=xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="rehab-kapasitet-2024.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    assert rows["Universitetssykehuset Nord-Norge HF"][1:7] == (
        86545, 2024, 28.8, 12, -16.8, 41.7)
    assert rows["Tromsø"][3:5] == (26.2, 12)  # every municipality, collapsed or not
    assert rows["Helse Nord"][3] == 48.3
    assert AuditEvent.objects.filter(action="export", object_type="indicators").count() == 1


def test_the_dashboard_downloads_as_csv_and_xlsx_with_the_suppression(client, cast, north):
    client.force_login(cast.ke_bodo)
    response = client.get(f"/indicators/?period={PERIOD}&download=csv&table=indicators")
    assert response["Content-Disposition"] == (
        'attachment; filename="rehab-indikatorer-2024-03.csv"')
    text = response.content.decode("utf-8-sig")
    assert "Bodø" in text and "83.3" in text
    client.force_login(north.regional)
    response = client.get(f"/indicators/?period={PERIOD}&download=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 2  # the indicators across the areas, the municipalities
    sheet = list(book.worksheets[1].iter_rows(values_only=True))
    column = next(i for i, name in enumerate(sheet[0]) if name.startswith("Tidligvarsel"))
    tromso = next(row for row in sheet if row[0] == "Tromsø")
    assert tromso[column:column + 3] == ("<5", None, None)


def test_the_indicator_page_downloads_its_comparison_and_trend(client, cast, north):
    client.force_login(cast.ke_tromso)
    response = client.get(f"/indicators/varsel-i-tide/?period={PERIOD}&download=xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="rehab-varsel-i-tide-2024-03.xlsx"')
    comparison, trend = load_workbook(io.BytesIO(response.content)).worksheets
    rows = {row[0]: row for row in comparison.iter_rows(values_only=True) if row[0]}
    assert rows["Tromsø"][3:6] == (66.7, 2, 3)  # her own municipality, not suppressed
    months = [row for row in trend.iter_rows(values_only=True) if row[0]]
    assert months[0] == ("Periode", "Tromsø", "Helse Nord") and len(months) >= 13


# -- query counts -----------------------------------------------------------------------------


def _more_figures(north, months=12):
    """Every municipality's figures of both indicators for a year more, dimensions too."""
    for number in SHARES:
        for month in range(1, months + 1):
            day = datetime.date(2023, month, 1)
            figure(north.share, day, number, 5, 9)
            figure(north.days, day, number, 30)
            for level in ("3", "4"):
                figure(north.share, day, number, 3, 6, dimension=level)


# Every page: the session, the user, the memberships with the unread count (3), the areas:
# organisations and agreements (2; the number history is cached). Then
#  dashboard (a month, two indicators, one a rate): the published indicators (1); the table:
#    the figures' sums, their histograms, the population of the month's year (3); the
#    cards' trend of 12 months over two years: sums, histograms, a population a year (4);
#    the last computation (1) = 14
#  indicator page (a share): the indicator (1), the comparison's sums and the trend's (2),
#    the last computation (1) = 9
#  capacity: the services (1), registered and projected populations (2), the levels and the
#    pyramid's services (2), the years offered (1) = 11
#  export: the indicators (1), the table (3), the audit event (1) = 10
PAGES = {
    "dashboard": "/indicators/?period=2024-03",
    "indicator": "/indicators/varsel-i-tide/?period=2024",
    "capacity": "/indicators/capacity/?year=2024&open=all&municipality=5501",
    "export": "/indicators/?period=2024&download=xlsx",
}
BUDGETS = {"dashboard": 14, "indicator": 9, "capacity": 11, "export": 10}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_page_costs_the_same_queries_however_many_figures(
        client, north, django_assert_max_num_queries, page):
    client.force_login(north.regional)
    client.get(PAGES[page])  # the number history is cached reference data after a first read
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGES[page]).status_code == 200
    _more_figures(north)
    with django_assert_max_num_queries(BUDGETS[page]):
        with CaptureQueriesContext(connection) as many:
            assert client.get(PAGES[page]).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_a_ke_starts_on_the_last_month_that_has_ended_and_a_planner_on_this_year(
        client, cast, north):
    from django.utils import timezone

    from indicators.periods import Period

    today = timezone.localdate()
    response = get(client, cast.ke_tromso, "/indicators/")
    assert response.context["period"] == Period.current("month", today).shifted(-1)
    response = get(client, north.regional, "/indicators/varsel-i-tide/")
    assert response.context["period"] == Period.current("year", today)


def test_a_rates_comparison_shows_the_population_it_divides_by(client, cast, north):
    response = get(client, cast.ke_tromso,
                   f"/indicators/utskrivningsklare-dogn/?period={PERIOD}")
    ranking = tables(response)["municipality-ranking"]
    assert ranking[0][4] == "Innbyggertall"
    assert row_of(ranking, "Tromsø")[2:5] == ["0,3", "20", "78 745"]  # 20 days, 78 745 people


def test_a_figure_leads_only_to_a_list_its_reader_works_in(client, cast, north):
    path = f"/indicators/?period={PERIOD}"
    assert 'href="/ward/"' in get(client, cast.planner, path).content.decode()
    # A health trust's KE reads the trust's figures but has no ward board to go to.
    trust_ke = factories.user("ke_unn", cast.unn_hf, Role.KE_STAFF)
    page = get(client, trust_ke, path).content.decode()
    assert "Indikatorer: Universitetssykehuset Nord-Norge HF" in page
    main = page[page.index("<main"):page.index("</main>")]
    assert 'href="/ward/"' not in main and 'href="/inbox/ke/"' not in main


def test_a_ke_reaches_her_municipalitys_capacity_pyramid_from_the_dashboard(client, cast, north):
    page = get(client, cast.ke_tromso, "/indicators/").content.decode()
    assert 'href="/indicators/capacity/?municipality=5501#pyramid-heading"' in page
    assert "Kapasitetspyramiden til Tromsø mot normen" in page
