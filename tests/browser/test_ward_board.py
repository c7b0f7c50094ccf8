"""The ward board in a browser, as a discharge planner meets it: it opens on her own ward
with its patients, the first step on a row is a few Tabs from the board, Escape closes what
opened, and on a phone the page never scrolls sideways."""

from types import SimpleNamespace

import pytest

from tests import factories
from tests.browser.conftest import PHONE, VIEWPORTS, assert_accessible, assert_fits
from tests.factories import admit

pytestmark = pytest.mark.browser


@pytest.fixture
def board(cast):
    """Built before the browser starts: the planner's own ward is the stroke unit, where
    Astrid lies; Nils lies on the orthopaedic ward of the same hospital."""
    orthopaedics = factories.ward(cast.unn, "Ortopedisk sengepost", code="ORT",
                                  department="Ortopedisk avdeling")
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    astrid = admit(cast)
    nils = factories.patient(cast.planner, "Nils", "Nyvik", municipality=cast.tromso)
    admit(cast, patient=nils, ward=orthopaedics)
    return SimpleNamespace(astrid=astrid, orthopaedics=orthopaedics)


@VIEWPORTS
def test_it_opens_on_the_planners_ward_with_its_patients(live_server, board, visitor, screen):
    planner = visitor(**screen)
    planner.sign_in("planner", "/ward/")
    page = planner.page
    assert page.locator("#board-heading").inner_text().startswith("Avdeling Slag: 1 pasient")
    rows = page.locator("#ward-board tbody tr")
    assert rows.count() == 1 and "Aune, Astrid" in rows.first.inner_text()
    assert page.get_by_text("Nyvik, Nils").count() == 0
    assert page.locator("#ward-select").input_value() == "SLAG"
    assert_accessible(page, "the planner's own ward")
    assert_fits(page, "the planner's own ward")
    # The hospital's other wards, and all of them, are one choice away.
    page.locator("#ward-select").select_option("ORT")
    page.locator("#ward-board tbody tr", has_text="Nyvik, Nils").wait_for()
    assert page.locator("#ward-board tbody tr").count() == 1
    page.locator("#ward-select").select_option("all")
    page.locator("#ward-board tbody tr", has_text="Aune, Astrid").wait_for()
    assert page.locator("#ward-board tbody tr").count() == 2
    assert_accessible(page, "all wards")
    assert_fits(page, "all wards")
    planner.check("the ward picker")


def test_the_first_row_action_is_a_few_tabs_away_and_escape_closes(live_server, board,
                                                                     visitor):
    planner = visitor()
    planner.sign_in("planner", "/ward/")
    page = planner.page
    uuid = board.astrid.uuid
    page.locator("#board-heading").focus()
    focused = []
    for _tab in range(4):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == f"actions-{uuid}":
            break
    assert focused[-1] == f"actions-{uuid}", focused  # the row's menu
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused.append(page.evaluate("document.activeElement.id"))
    assert focused[-1] == f"notice-{uuid}" and len(focused) <= 4, focused  # its first step
    # The step opens in the panel; Escape closes it and gives the focus back.
    page.keyboard.press("Enter")
    panel = page.locator("#board-panel")
    panel.get_by_role("heading", name="Tidligmelding").wait_for()
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('#board-panel').children.length === 0")
    assert page.evaluate("document.activeElement.id") == f"notice-{uuid}"
    # Escape in the open menu closes it, back on its button.
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == f"actions-{uuid}"
    assert page.locator(f"#admission-{uuid} details").get_attribute("open") is None
    planner.check("the row's menu")


def test_it_never_scrolls_sideways_on_a_phone(live_server, board, visitor):
    planner = visitor(**PHONE)
    planner.sign_in("planner", "/ward/?ward=all")
    page = planner.page
    page.locator(f"#actions-{board.astrid.uuid}").click()  # an open menu stays inside too
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
                                      window: document.documentElement.clientWidth})""")
    assert widths["page"] <= 390 and widths["page"] <= widths["window"], widths
    # The table scrolls in its own box, which the keyboard reaches and a screen reader names.
    region = page.locator("#ward-board .table-wrap")
    assert (region.get_attribute("tabindex"), region.get_attribute("role")) == ("0", "region")
    assert region.get_attribute("aria-label") == "Åpne innleggelser"  # its table's caption
    assert page.evaluate("""() => { const box = document.querySelector('#ward-board .table-wrap');
                                    return box.scrollWidth > box.clientWidth; }""")
