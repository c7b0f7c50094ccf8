"""Issue 13's Done-when in Chromium, at 1366 and at 390 px, axe clean on every page with every
disclosure open, nothing scrolling sideways: (1) a regional planner picks 2024 on the capacity
page, reads every health-trust area's need, registered and gap, and downloads the XLSX; (2) a
KE in Tromsø reads her municipality's notice timeliness, ready-for-discharge days and cost,
IP share and waiting times month by month against the region."""

import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone
from openpyxl import load_workbook

from indicators.periods import Period
from registry.models import Organization, Role
from tests import factories
from tests.indicators.figures import figure, population, region

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser

POPULATION = {"5501": 78_745, "5532": 5_600, "5534": 2_200, "1804": 53_712, "1840": 4_600}
# Each month: notices on time of those due, ready-for-discharge days, their cost (NOK over the
# days), plans among patients, and waiting days (a histogram), by municipality.
MONTHLY = {
    "5501": {"on_time": (18, 20), "days": 12, "cost": (68_940, 12), "plans": (6, 40),
             "waiting": {"7": 3, "14": 4}},
    "5532": {"on_time": (6, 9), "days": 3, "cost": (17_235, 3), "plans": (2, 10),
             "waiting": {"21": 6}},
    "5534": {"on_time": (5, 8), "days": 0, "cost": (0, 0), "plans": (1, 6),
             "waiting": {"10": 5}},
    "1804": {"on_time": (30, 40), "days": 20, "cost": (114_900, 20), "plans": (8, 50),
             "waiting": {"30": 10}},
    "1840": {"on_time": (7, 9), "days": 2, "cost": (11_490, 2), "plans": (1, 8),
             "waiting": {"12": 5}},
}


def load_catalogue():
    """The indicator catalogue, as migration 0002 made it: a transactional test may start
    after another one flushed it."""
    migration = importlib.import_module("indicators.migrations.0002_catalogue")
    migration.create_catalogue(apps, None)
    from indicators.models import Indicator
    return {indicator.code: indicator for indicator in Indicator.objects.all()}


def last_month() -> Period:
    """The dashboard's first period for a KE: the last month that has ended."""
    return Period.current("month", timezone.localdate()).shifted(-1)


@pytest.fixture
def indicators_world(cast):
    """Helse Nord of two health trusts and five municipalities with their 2024 population,
    level-4 beds and specialised places, a regional planner, and a year of monthly figures up
    to last month. Built before the browser starts (see the `browser` fixture)."""
    ensure_service_levels()
    world = region(cast)
    catalogue = load_catalogue()
    factories.user("regional", cast.rhf, Role.REGIONAL_PLANNER, first_name="Rita",
                   last_name="Regionsen")
    for number, people in POPULATION.items():
        population(number, 2024, people)
        population(number, timezone.localdate().year, people)
    factories.service(cast.tromso, "4", "Rehabiliteringsavdelingen, Tromsø", capacity=12)
    factories.service(world.bodo, "4", "Korttids- og rehabiliteringsplasser, Bodø",
                      capacity=20)
    factories.service(world.balsfjord, "4", "Rehabiliteringsplasser, Balsfjord", capacity=2)
    Organization.objects.filter(pk=cast.unn.pk).update(located_in=cast.tromso)
    Organization.objects.filter(pk=world.nlsh.pk).update(located_in=world.bodo)
    factories.service(cast.unn, "5.2", "Rehabiliteringsavdelingen, UNN", capacity=14)
    factories.service(world.nlsh, "5.2", "Rehabiliteringsavdelingen, NLSH", capacity=9)
    for period in last_month().previous(12):
        for number, values in MONTHLY.items():
            figure(catalogue["notice-on-time"], period.start, number, *values["on_time"])
            figure(catalogue["ready-days"], period.start, number, values["days"])
            figure(catalogue["ready-cost"], period.start, number, *values["cost"])
            figure(catalogue["plan-share"], period.start, number, *values["plans"])
            figure(catalogue["waiting-days"], period.start, number,
                   histogram=values["waiting"], dimension="4")
    return world


def check_page(visitor, where: str):
    """axe on the page as it is and with every disclosure open; nothing sideways on a phone."""
    page = visitor.page
    assert_accessible(page, where)
    assert_fits(page, where)
    opened = page.evaluate("""() => {
      const closed = [...document.querySelectorAll("main details:not([open])")];
      closed.forEach(details => { details.open = true; details.dataset.openedByTest = ""; });
      return closed.length;
    }""")
    if opened:
        assert_accessible(page, f"{where} with every disclosure open")
        assert_fits(page, f"{where} with every disclosure open")
        page.evaluate("() => document.querySelectorAll('details[data-opened-by-test]')"
                      ".forEach(details => { details.open = false; })")
    visitor.check(where)


def cells_of(page, selector: str, name: str) -> list[str]:
    row = page.locator(f"{selector} tr", has=page.get_by_role("rowheader", name=re.compile(
        "^" + re.escape(name))))
    return [" ".join(text.split()) for text in row.first.locator("th, td").all_inner_texts()]


@VIEWPORTS
def test_a_regional_planner_reads_the_capacity_of_every_health_trust_area_for_2024(
        live_server, indicators_world, visitor, screen, tmp_path):
    planner = visitor(**screen)
    planner.sign_in("regional", "/indicators/")
    page = planner.page
    check_page(planner, "the regional dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Indikatorer: Helse Nord"
    page.get_by_role("navigation", name="Indikatorer").get_by_role(
        "link", name="Kapasitet mot normene").click()
    page.wait_for_url(re.compile(r"/indicators/capacity/$"))
    page.get_by_label("År", exact=True).select_option("2024")
    page.get_by_role("button", name="Vis").first.click()
    page.wait_for_url(re.compile(r"year=2024"))
    assert page.get_by_role("heading", level=1).inner_text() == "Kapasitet mot normene, 2024"
    check_page(planner, "the capacity page, 2024")

    # UNN's area: 86 545 inhabitants need 28,8 beds at level 4 (14 registered) and 12,4
    # specialised places (14 registered); Nordlandssykehuset's 58 312 need 19,4 (20) and 8,3 (9).
    unn = cells_of(page, "#capacity-table", "Universitetssykehuset Nord-Norge HF")
    assert unn[1].startswith("86 545")
    assert unn[2:10] == ["28,8", "14", "-14,8 (underdekning)", "48,6 %", "12,4", "14", "1,6",
                         "112,9 %"]
    nlsh = cells_of(page, "#capacity-table", "Nordlandssykehuset HF")
    assert nlsh[2:10] == ["19,4", "20", "0,6", "103,1 %", "8,3", "9", "0,7", "108,4 %"]
    total = cells_of(page, "#capacity-table", "Helse Nord")
    assert total[2:4] == ["48,3", "34"]

    # A trust's municipalities on expanding it; a municipality's pyramid from its name.
    page.get_by_role("link", name=re.compile("Vis de 3 kommunene")).click()
    page.wait_for_url(re.compile(r"open="))
    assert cells_of(page, "#capacity-table", "Balsfjord")[2:4] == ["1,9", "2"]
    page.get_by_role("link", name="Tromsø", exact=True).click()
    page.wait_for_url(re.compile(r"municipality=5501"))
    assert page.get_by_role("img", name=re.compile(
        "Kapasitetspyramiden til Tromsø mot normen")).count() == 1
    check_page(planner, "the capacity page with a pyramid")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Last ned XLSX")).click()
    assert download.value.suggested_filename == "rehab-kapasitet-2024.xlsx"
    saved = tmp_path / "kapasitet.xlsx"
    download.value.save_as(saved)
    rows = {row[0]: row for row in load_workbook(saved).worksheets[0].iter_rows(
        values_only=True) if row[0]}
    assert rows["Universitetssykehuset Nord-Norge HF"][1:7] == (86545, 2024, 28.8, 14,
                                                                -14.8, 48.6)
    assert rows["Nordlandssykehuset HF"][3:5] == (19.4, 20)
    assert rows["Helse Nord"][3:5] == (48.3, 34)

    # Her indicator pages name no patient and lead to no list of patients.
    page.goto(planner.base + "/indicators/notice-on-time/")
    check_page(planner, "an indicator page of the regional planner")
    links = page.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
    assert not [link for link in links if link.startswith(("/inbox", "/ward", "/ke/",
                                                           "/plans", "/patients"))]


@VIEWPORTS
def test_a_ke_in_tromso_reads_her_municipality_month_by_month_against_the_region(
        live_server, indicators_world, visitor, screen):
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", "/")
    page = ke.page
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Indikatorer").click()
    page.wait_for_url(re.compile(r"/indicators/$"))
    month = last_month()
    assert page.get_by_role("heading", name=f"Tromsø, {month.label}").count() == 1
    check_page(ke, "the KE's dashboard")

    def card(code):
        return page.locator(f"#card-{code}")

    def text(code):
        return " ".join(card(code).inner_text().split())

    # Notices on time: 18 of 20 in Tromsø, 66 of 86 in the region.
    assert "90,0 %" in text("notice-on-time")
    assert "76,7 %" in text("notice-on-time")
    # Ready-for-discharge days: 12 per 78 745 inhabitants, 0,2 per 1 000; the cost.
    assert "0,2" in text("ready-days")
    assert "68 940 kr" in text("ready-cost")
    assert "212 565 kr" in text("ready-cost")
    # Individual plans: 6 of 40; waiting days: the median of 3 × 7 and 4 × 14 days.
    assert "15,0 %" in text("plan-share")
    assert "14,0" in text("waiting-days")

    # Month by month against the region, as a picture and as a table.
    notices = card("notice-on-time")
    assert notices.get_by_role("img", name=re.compile("Tidligmelding innen fristen")).count()
    notices.locator("summary").click()
    table = notices.locator("table")
    assert table.locator("thead th").all_inner_texts() == ["Periode", "Tromsø", "Helse Nord"]
    months = table.locator("tbody tr")
    assert months.count() == 12
    assert " ".join(months.last.inner_text().split()) == f"{month.label} 90,0 % 76,7 %"
    assert_accessible(page, "the KE's dashboard with a month table open")

    # Her own figures lead to the lists she already works in, not to a new list of patients.
    notices.get_by_role("link", name="Tidligvarslene i KE-innboksen").click()
    page.wait_for_url(re.compile(r"/inbox/ke/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/indicators/$"))

    # The period picker: a quarter, read without JavaScript as a GET form.
    quarter = Period.current("quarter", timezone.localdate())
    page.get_by_label("Periode", exact=True).select_option(quarter.key)
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(re.escape(f"period={quarter.key}")))
    assert page.get_by_role("heading", name=f"Tromsø, {quarter.label}").count() == 1

    # The indicator's page: explained, Tromsø ranked among the municipalities, the trend.
    card("ready-days").get_by_role("link", name=re.compile("^Om indikatoren")).click()
    page.wait_for_url(re.compile(r"/indicators/ready-days/"))
    check_page(ke, "the ready-for-discharge days page")
    ranking = page.locator("#municipality-ranking tbody tr")
    assert ranking.count() == 6  # five municipalities and the region
    assert page.locator("#municipality-ranking .ranked__home th").inner_text().startswith(
        "Tromsø")
    page.goto(ke.base + "/indicators/capacity/?year=2024")
    check_page(ke, "the KE's capacity page")
    assert page.get_by_role("img", name=re.compile("Kapasitetspyramiden til Tromsø")).count()
