"""The ward board's pages in a browser: a planner with more open admissions than a page
turns to the next page with the keyboard, hears which rows show, lands on the board's
heading, and the minute poll keeps asking for the page she is on; a poll's answer about the
page she left changes nothing on the new one (and makes no console error)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathways.views.ward_rows import PAGE_SIZE
from tests import factories
from tests.browser.conftest import VIEWPORTS, assert_accessible, assert_fits
from tests.factories import admit

pytestmark = pytest.mark.browser

ROWS = PAGE_SIZE + 5
POLL = re.compile(r".*[?&]fingerprint=.*")


@pytest.fixture
def crowded(cast, settings):
    """Built before the browser starts: ROWS open admissions on the planner's own ward, none
    with a notice sent; the board polls every second."""
    settings.PORTAL_POLL_SECONDS = {"ke_inbox": 60, "ward_board": 1, "notification_badge": 60}
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    now = timezone.now()
    return [admit(cast, patient=factories.patient(cast.planner, f"Pasient{n:02d}", "Kø",
                                                  municipality=cast.tromso),
                  admitted_at=now - datetime.timedelta(minutes=20 * ROWS - 20 * n))
            for n in range(ROWS)]


@VIEWPORTS
def test_the_planner_pages_through_the_board_with_the_keyboard(live_server, crowded, visitor,
                                                               screen):
    planner = visitor(**screen)
    planner.sign_in("planner", "/ward/")
    page = planner.page
    rows = page.locator("#ward-board tbody tr")
    expect(page.locator("#board-heading")).to_contain_text(f"Avdeling Slag: {ROWS} pasienter")
    expect(rows).to_have_count(PAGE_SIZE)
    expect(rows.first).to_contain_text("Kø, Pasient00")  # the oldest admission is due first
    expect(page.locator("#board-caption")).to_have_text(
        f"Åpne innleggelser 1–{PAGE_SIZE} av {ROWS}")
    pager = page.get_by_role("navigation", name="Sider")
    expect(pager).to_contain_text("Side 1 av 2")
    assert_accessible(page, "the board's first page")
    assert_fits(page, "the board's first page")

    # A poll of page 1 is held on its way while she turns the page: its answer, about page
    # 1's rows, comes after page 2 is shown, and changes nothing there.
    held = []
    page.route(POLL, lambda route: held.append(route))
    while not held:
        page.wait_for_timeout(100)
    next_page = pager.get_by_role("link", name="Neste side")
    next_page.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?ward=SLAG&page=2$"))
    expect(rows).to_have_count(ROWS - PAGE_SIZE)
    for route in list(held):
        route.continue_()
    page.unroute(POLL)  # and the polls of page 2 go their way
    expect(rows.first).to_contain_text(f"Kø, Pasient{PAGE_SIZE:02d}")
    expect(page.locator("#announcer")).to_have_text(
        f"Åpne innleggelser {PAGE_SIZE + 1}–{ROWS} av {ROWS}")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === "
                           "'board-heading'")
    expect(pager).to_contain_text("Side 2 av 2")

    # The poll asks for page 2, and the board stays on it.
    with page.expect_request(lambda request: "fingerprint=" in request.url) as poll:
        pass
    assert re.search(r"[?&]page=2(&|$)", poll.value.url), poll.value.url
    page.wait_for_timeout(1500)  # another poll or two
    expect(rows).to_have_count(ROWS - PAGE_SIZE)
    assert page.evaluate("document.activeElement.id") == "board-heading"  # a poll moves nothing
    assert_accessible(page, "the board's second page")
    assert_fits(page, "the board's second page")

    # Back to the first page, which the address remembers.
    pager.get_by_role("link", name="Forrige side").click()
    page.wait_for_url(re.compile(r"\?ward=SLAG&page=1$"))
    expect(rows).to_have_count(PAGE_SIZE)
    page.reload()
    expect(rows).to_have_count(PAGE_SIZE)
    planner.check("paging the board")
