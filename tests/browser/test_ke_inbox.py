"""The KE inbox as a work queue in Chromium: search, filter, sort and take a notice without a
reload; acknowledging keeps the KE on the row (focus) and where they were (scroll), also
after the polls that follow; on a phone the rows are cards and nothing scrolls sideways."""

import re
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from rehab_portal.bench.queue import open_notice_queue
from tests import factories
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser

QUEUE = 30
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
# Predicates are passed as functions, never as bare expressions: Playwright evaluates
# an expression with eval() once it has to poll, and the portal's CSP forbids that.
FOCUSED_ROW = "(() => { const row = document.activeElement.closest('tr'); " \
              "return row ? row.id : document.activeElement.tagName; })()"


@pytest.fixture
def queue(cast, settings):
    """Thirty Tromsø residents at UNN, each notice waiting ("Kø0 Bench" ... "Kø29 Bench");
    built before the browser starts (tests/browser/conftest.py). Quick polls, so that a test
    sees what the polls after a step do."""
    settings.PORTAL_POLL_SECONDS = {"ke_inbox": 1, "ward_board": 60, "notification_badge": 30}
    factories.ward(cast.unn)
    open_notice_queue(cast.unn.pk, cast.tromso.pk, cast.planner.pk, count=QUEUE)
    return cast


def rows(page):
    return page.locator("#notice-rows > tr")


def test_the_ke_searches_filters_sorts_and_takes_a_notice(live_server, queue, visitor):
    ke = visitor(viewport={"width": 1280, "height": 800})
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    page.evaluate("window.notReloaded = true")  # survives htmx swaps, not a page load
    expect(rows(page)).to_have_count(QUEUE)
    expect(page.locator("#count-waiting")).to_have_text(f"({QUEUE})")

    # Search by name: Kø2 and Kø20-Kø29.
    page.get_by_label("Søk på pasientens navn").fill("kø2")
    page.get_by_role("button", name="Søk", exact=True).click()
    page.wait_for_url(re.compile(r"\?q=k%C3%B82$"))
    expect(rows(page)).to_have_count(11)
    expect(page.locator("#notice-queue-caption")).to_have_text("Tidligmeldinger 1–11 av 11")

    # Take one: the row says so, keeps the focus, and "Mine" counts it.
    row = rows(page).filter(has_text="Kø25 Bench")
    row.get_by_role("button", name=re.compile("^Ta saken")).click()
    expect(row.locator(".row-note")).to_have_text(
        "Du har tatt tidligmeldingen for Kø25 Bench.")
    row_id = row.get_attribute("id")
    page.wait_for_function(f"() => {FOCUSED_ROW} === {row_id!r}")  # once the swap has settled
    expect(page.locator("#count-mine")).to_have_text("(1)")
    expect(row.get_by_role("button", name=re.compile("^Slipp"))).to_be_visible()

    # Only mine (the search stays): one row, in a URL to share.
    page.get_by_role("checkbox", name=re.compile("^Mine")).check()
    page.wait_for_url(re.compile(r"mine=1"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Kø25 Bench")
    assert "q=k%C3%B82" in page.url

    # Acknowledged only: none yet.
    page.get_by_role("checkbox", name=re.compile("^Mine")).uncheck()
    page.wait_for_url(re.compile(r"\?q=k%C3%B82$"))
    page.get_by_role("radio", name=re.compile("^Kvittert")).check()
    page.wait_for_url(re.compile(r"status=acknowledged"))
    expect(page.locator("#no-matching-notices")).to_have_text(
        "Ingen tidligmelding passer til filtrene.")

    # Everything again, sorted by patient, then the other way.
    page.get_by_role("radio", name=re.compile("^Alle \\(")).check()
    page.wait_for_url(re.compile(r"\?q=k%C3%B82$"))
    page.get_by_label("Søk på pasientens navn").fill("")
    page.get_by_role("button", name="Søk", exact=True).click()
    page.wait_for_url(re.compile(r"/inbox/ke/$"))
    expect(rows(page)).to_have_count(QUEUE)
    page.locator("#sort-patient").click()
    page.wait_for_url(re.compile(r"sort=patient"))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("th[aria-sort] #sort-patient")).to_have_count(1)
    expect(rows(page).first).to_contain_text("Kø0 Bench")
    page.locator("#sort-patient").click()
    page.wait_for_url(re.compile(r"sort=-patient"))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(rows(page).first).to_contain_text("Kø9 Bench")
    assert page.evaluate("window.notReloaded") is True
    ke.check("the queue")


def slow_answer(route):
    """The portal's answer, handed to the browser 1.5 seconds after it came."""
    response = route.fetch()
    time.sleep(1.5)
    route.fulfill(response=response)


def test_acknowledging_keeps_the_focus_on_the_row_and_the_page_where_it_was(
        live_server, queue, visitor):
    if connection.vendor != "postgresql":
        # Polls every second meet the step in the live server's threads: SQLite's shared
        # in-memory test database then locks the notices' table and a poll fails.
        skip_or_fail("the polls racing a step need PostgreSQL (DATABASE_URL)")
    ke = visitor(viewport={"width": 1280, "height": 720})
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    row = rows(page).nth(20)
    row_id = row.get_attribute("id")
    row.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # a poll or two: nothing new, nothing moves
    before = page.evaluate("window.scrollY")
    assert before > 0
    # The step's answer is slow, as on a busy day: the polls sent meanwhile (every second)
    # already see the notice acknowledged, and must not draw the lists under the step.
    page.route(re.compile(r"/acknowledge/$"), slow_answer)
    row.get_by_role("button", name=re.compile("^Kvitter")).click()
    done = page.locator(f"#{row_id} .row-note")
    expect(done).to_have_text(re.compile(r"^Tidligmeldingen for Kø\d+ Bench \(versjon 1\) "
                                         r"er kvittert\.$"))
    expect(page.locator("#announcer")).to_have_text(done.inner_text())
    # Focus moves once the swap has settled.
    page.wait_for_function(f"() => {FOCUSED_ROW} === {row_id!r}")
    assert page.evaluate("window.scrollY") == before
    expect(page.locator("#count-waiting")).to_have_text(f"({QUEUE - 1})")
    # The polls after the step keep the KE on the row, where they were, with the outcome
    # next to it: a poll sent while the step was on its way is older than the step's
    # answer and is dropped (static/js/polls.js), and the next ones find nothing new.
    page.wait_for_timeout(2500)
    page.wait_for_function(f"() => {FOCUSED_ROW} === {row_id!r}")
    assert page.evaluate("window.scrollY") == before
    expect(page.locator(f"#{row_id}")).to_contain_text("Kvittert")
    expect(done).to_contain_text("er kvittert")
    ke.check("after acknowledging")


# Clicks the row's "Take" button in the task right after a poll has drawn the lists anew,
# as a KE's click that lands the moment the rows are redrawn would.
CLICK_AS_THE_POLL_DRAWS = """(name) => {
  new MutationObserver((changes, observer) => {
    if (changes.some((change) => Array.from(change.addedNodes).some(
        (node) => node.id === "ke-lists"))) {
      observer.disconnect();
      setTimeout(() => {
        const row = Array.from(document.querySelectorAll("#notice-rows > tr"))
          .find((tr) => tr.textContent.includes(name));
        row.querySelector("button[id^=take-]").click();
      }, 0);
    }
  }).observe(document.body, {childList: true, subtree: true});
}"""


def test_a_button_a_poll_has_just_drawn_does_its_step_in_place(live_server, queue, visitor):
    """The poll redraws the lists when a notice arrives; a click on a row's button the moment
    after is the step in place, as htmx's, not a form sent the old way that reloads the page
    (htmx used to wire up what it swapped in only after its 20 ms settle delay)."""
    if connection.vendor != "postgresql":
        skip_or_fail("a notice that arrives while the live server polls needs PostgreSQL "
                     "(DATABASE_URL)")
    ke = visitor(viewport={"width": 1280, "height": 800})
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    page.evaluate("window.notReloaded = true")  # survives htmx swaps, not a page load
    expect(rows(page)).to_have_count(QUEUE)
    page.evaluate(CLICK_AS_THE_POLL_DRAWS, "Kø7 Bench")
    open_notice_queue(queue.unn.pk, queue.tromso.pk, queue.planner.pk, count=1, first=QUEUE,
                      given_name="Ny")
    row = rows(page).filter(has_text="Kø7 Bench")
    expect(row.locator(".row-note")).to_have_text("Du har tatt tidligmeldingen for Kø7 Bench.")
    expect(page.locator("#count-waiting")).to_have_text(f"({QUEUE + 1})")
    assert page.evaluate("window.notReloaded") is True
    ke.check("a step the moment a poll drew the rows")


def test_on_a_phone_the_rows_are_cards_and_nothing_scrolls_sideways(live_server, queue,
                                                                    visitor):
    ke = visitor(**PHONE)
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    expect(rows(page)).to_have_count(QUEUE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = rows(page).first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    assert page.locator("#notice-queue thead").evaluate(
        "head => head.getBoundingClientRect().height") <= 1
    # Each cell says what it is.
    expect(first.locator("td").first).to_have_attribute("data-label", "Sykehus og avdeling")
    ke.check("the queue on a phone")
