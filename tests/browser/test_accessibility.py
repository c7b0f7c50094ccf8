"""Every main page of the three roles, and every panel and inline form that opens from them,
at 1366 x 768 and at 390 x 844: axe-core (WCAG 2.0/2.1 A and AA) finds nothing of any
impact, no page scrolls sideways on the phone, every region that scrolls can be reached by
keyboard and is named, and Escape closes a panel and gives focus back to its button
(issue 12, items 10 and 11 and the Done-when)."""

import re

import pytest

from .conftest import DESKTOP, PHONE, assert_accessible

pytestmark = pytest.mark.browser

# Pages another helper is rebuilding right now: left out of the axe checks until that work is
# in (remove a path here when its rebuild is committed). The sideways and scroller checks
# still run on them.
REBUILT_ELSEWHERE: list[str] = []

# The page's width against the window's, and every element that scrolls (overflow auto or
# scroll, and content larger than its box) without being reachable by keyboard (tabindex)
# or without a name (aria-label, aria-labelledby).
LAYOUT = """() => {
  const describe = element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + [...element.classList].map(name => "." + name).join("");
  const scrollers = [...document.querySelectorAll("body *")].filter(element => {
    const style = getComputedStyle(element);
    const scrolls = (overflow, inner, outer) => /auto|scroll/.test(overflow) && inner > outer + 1;
    return scrolls(style.overflowX, element.scrollWidth, element.clientWidth)
      || scrolls(style.overflowY, element.scrollHeight, element.clientHeight);
  });
  const unreachable = scrollers.filter(element => !(element.tabIndex >= 0
    && (element.getAttribute("aria-label") || element.getAttribute("aria-labelledby"))));
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(element => element.getBoundingClientRect().right > width + 1)
    .slice(-5).map(element => describe(element) + " "
                   + Math.round(element.getBoundingClientRect().right) + "px");
  return {page: document.documentElement.scrollWidth, window: width, wide: wide,
          scrollers: scrollers.map(describe), unreachable: unreachable.map(describe)};
}"""

# The buttons and links that open a panel: htmx GETs into a closable panel region.
OPENERS = """() => [...document.querySelectorAll("[hx-get][hx-target]")]
  .filter(element => {
    const target = document.querySelector(element.getAttribute("hx-target"));
    return target && target.matches(".panel-region[data-closable]");
  })
  .map(element => ({id: element.id, url: element.getAttribute("hx-get"),
                    target: element.getAttribute("hx-target")}))"""

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_layout(page, where, phone):
    measured = page.evaluate(LAYOUT)
    assert not measured["unreachable"], (where, "scrolls but cannot be reached or is unnamed",
                                         measured)
    if phone:
        assert measured["page"] <= measured["window"], (where, "scrolls sideways", measured)


def check_panels(visitor, path, audit):
    """Open each kind of panel of the page (one per URL shape), check it, close it with
    Escape: the panel empties and its button has focus again."""
    page = visitor.page
    seen = set()
    for opener in page.evaluate(OPENERS):
        shape = UUID.sub("<uuid>", opener["url"].split("?")[0])
        if shape in seen:
            continue
        seen.add(shape)
        assert opener["id"], ("a panel's button needs an id to get focus back", opener)
        button = page.locator(f"#{opener['id']}")
        panel = page.locator(opener["target"])
        # A button in a closed disclosure (a row's menu of steps): open that first, as a
        # user would.
        button.evaluate("button => { const menu = button.closest('details');"
                        " if (menu) { menu.open = true; } }")
        button.click()
        page.wait_for_function(
            "target => document.querySelector(target).children.length > 0"
            " && document.querySelector(target).contains(document.activeElement)",
            arg=opener["target"])
        where = f"{path}: the panel of {shape}"
        visitor.check(where)
        if audit:
            assert_accessible(page, where)
        page.keyboard.press("Escape")
        page.wait_for_function(
            "target => document.querySelector(target).children.length === 0",
            arg=opener["target"])
        assert page.evaluate("() => document.activeElement.id") == opener["id"], where
        assert panel.inner_html().strip() == ""
    return seen


def check_page(visitor, path, phone):
    visitor.visit(path)
    page = visitor.page
    audit = path not in REBUILT_ELSEWHERE
    if audit:
        assert_accessible(page, path)
    check_layout(page, path, phone)
    # Every disclosure open (the plan's inline forms, a row's steps): the forms inside too.
    opened = page.evaluate("""() => {
      const closed = [...document.querySelectorAll("main details:not([open])")];
      closed.forEach(details => { details.open = true; details.dataset.openedByTest = ""; });
      return closed.length;
    }""")
    if opened:
        if audit:
            assert_accessible(page, f"{path} with every disclosure open")
        check_layout(page, f"{path} with every disclosure open", phone)
        page.evaluate("() => document.querySelectorAll('details[data-opened-by-test]')"
                      ".forEach(details => { details.open = false; })")
    return check_panels(visitor, path, audit)


def pages_of(role, pathway):
    patient = pathway["admission"].patient.uuid
    plan = f"/plans/{pathway['plan'].uuid}/"
    meeting = f"/meetings/{pathway['meeting'].uuid}/"
    return {
        "planner": ["/", "/ward/", f"/patients/{patient}/pathway/", f"/patients/{patient}/",
                    meeting, "/notifications/", "/patients/", "/services/", "/organisations/",
                    "/indicators/", "/indicators/capacity/"],
        "ke_tromso": ["/inbox/ke/", "/inbox/ke/archive/", "/ke/overview/", "/ke/plans/", plan,
                      "/notifications/", "/services/", "/patients/", "/indicators/",
                      "/indicators/capacity/"],
        "coordinator": ["/ke/overview/", plan, meeting, "/notifications/"],
    }[role]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("role", ["planner", "ke_tromso", "coordinator"])
def test_every_page_and_panel_passes_axe(live_server, pathway, visitor, role, size):
    person = visitor(**size)
    paths = pages_of(role, pathway)
    person.sign_in(role, paths[0])
    panels = set()
    for path in paths:
        panels |= check_page(person, path, phone=size is PHONE)
    if role != "coordinator":
        assert panels, "no panel was opened: the openers' selector has gone stale"


def test_escape_in_a_panels_field_closes_the_panel(live_server, pathway, visitor):
    """Escape typed in a panel's field closes the panel and gives focus back to its button."""
    ke = visitor(**DESKTOP)
    ke.sign_in("ke_tromso", "/ke/overview/")
    page = ke.page
    page.locator("#new-coordinator").click()
    field = page.locator("#overview-panel form").locator("input:visible, select, textarea").first
    field.focus()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('#overview-panel').children.length === 0")
    assert page.evaluate("() => document.activeElement.id") == "new-coordinator"
