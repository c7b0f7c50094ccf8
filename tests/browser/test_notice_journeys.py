"""Issue 12, items 4, 7 and 8 in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on
each page and each opened panel: the planner updates an early notification without choosing
what kind of message it is (it goes as a change)."""

import re

import pytest
from playwright.sync_api import expect

from pathways import services
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible
from tests.factories import admit

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366x768", "390x844"])


def no_sideways_scroll(page):
    width = page.viewport_size["width"]
    if width <= 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def sent(cast):
    """Built before the browser starts: Astrid on the planner's ward, notice version 1 sent."""
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    admission = admit(cast)
    services.send_early_notification(admission, by=cast.planner)
    return admission


@VIEWPORTS
def test_an_update_with_nothing_chosen_goes_as_a_change(live_server, sent, visitor, screen):
    planner = visitor(**screen)
    planner.sign_in("planner", "/ward/")
    page = planner.page
    assert_accessible(page, "the ward board")
    no_sideways_scroll(page)
    row = page.locator("#ward-board tr", has_text="Aune, Astrid")
    row.locator("summary").click()
    row.get_by_role("link", name=re.compile("^Send oppdatering")).click()
    panel = page.locator("#board-panel")
    expect(panel.get_by_role("heading", name=re.compile("^Tidligmelding"))).to_be_visible()
    kind = panel.get_by_role("radio", name=re.compile("^Endring"))
    expect(kind).to_be_checked()
    expect(panel.get_by_role("radio", name=re.compile("^Annullering"))).not_to_be_checked()
    expect(panel.get_by_text("Avbryt", exact=True)).to_have_count(1)
    expect(panel.locator("select option", has_text="---------")).to_have_count(0)
    assert_accessible(page, "the notice panel")
    no_sideways_scroll(page)
    panel.get_by_role("button", name="Send til kommunen").click()
    expect(panel.get_by_text(re.compile("Tidligmelding versjon 2 er sendt til"))).to_be_visible()
    assert_accessible(page, "the notice panel, sent")
    no_sideways_scroll(page)
    assert sent.early_notifications.latest("sequence").message_status == "change"
    planner.check("the update")
