"""Every main page prints cleanly (issue 12, item 12): on an A4 sheet there is no header,
navigation, form, button or panel, tables are whole (no scroller clips them, nothing sticks
out past the sheet) and their header row repeats on every sheet; and Chromium makes a PDF."""

import pytest

from .conftest import assert_accessible

pytestmark = pytest.mark.browser

# A4 in CSS pixels (210 mm at 96 dpi, less the margins of the print stylesheet).
SHEET = {"viewport": {"width": 700, "height": 1000}}

PRINTED = """() => {
  const shown = element => element.getClientRects().length > 0
    && getComputedStyle(element).visibility !== "hidden";
  const width = document.documentElement.clientWidth;
  return {
    page: document.documentElement.scrollWidth, width: width,
    shown: [...document.querySelectorAll(
      ".site-header, nav, form, button, .button, .panel-region, .site-footer, .skip-link")]
      .filter(shown).map(element => element.outerHTML.slice(0, 120)),
    clipped: [...document.querySelectorAll(".table-wrap")]
      .filter(wrap => getComputedStyle(wrap).overflowX !== "visible").length,
    wide: [...document.querySelectorAll("main *")]
      .filter(element => element.getBoundingClientRect().right > width + 1)
      .slice(0, 5).map(element => element.tagName + "." + element.className),
    heads: [...document.querySelectorAll("thead")]
      .filter(head => getComputedStyle(head).display !== "table-header-group").length,
    tables: document.querySelectorAll("main table").length,
  };
}"""


def assert_prints(visitor, path):
    visitor.visit(path)
    page = visitor.page
    page.emulate_media(media="print")
    try:
        printed = page.evaluate(PRINTED)
        text = page.inner_text("main")
        assert not any(mark in text for mark in ("{#", "{%", "{{")), (path, "template text")
        assert not printed["shown"], (path, "shown on paper", printed["shown"])
        assert printed["clipped"] == 0 and printed["heads"] == 0, (path, printed)
        assert printed["page"] <= printed["width"] and not printed["wide"], (path, printed)
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1, path
    finally:
        page.emulate_media(media="screen")
    return printed


def test_the_municipalitys_pages_print(live_server, pathway, visitor):
    ke = visitor(**SHEET)
    ke.sign_in("ke_tromso", "/inbox/ke/")
    printed = {path: assert_prints(ke, path) for path in [
        "/inbox/ke/", "/inbox/ke/archive/", "/ke/overview/", "/ke/plans/",
        f"/plans/{pathway['plan'].uuid}/",
        "/notifications/", "/services/", "/patients/"]}
    assert printed["/ke/overview/"]["tables"] >= 1  # the overview's lists are tables


def test_the_hospitals_pages_print(live_server, pathway, visitor):
    planner = visitor(**SHEET)
    planner.sign_in("planner", "/ward/")
    patient = pathway["admission"].patient.uuid
    printed = {path: assert_prints(planner, path) for path in [
        "/ward/", f"/meetings/{pathway['meeting'].uuid}/", f"/patients/{patient}/pathway/",
        f"/patients/{patient}/", "/notifications/", "/"]}
    assert printed["/ward/"]["tables"] >= 1 and \
        printed[f"/meetings/{pathway['meeting'].uuid}/"]["tables"] >= 1


def test_the_printed_plan_keeps_its_content_and_passes_axe(live_server, pathway, visitor):
    ke = visitor(**SHEET)
    path = f"/plans/{pathway['plan'].uuid}/"
    ke.sign_in("ke_tromso", path)
    ke.page.emulate_media(media="print")
    main = ke.page.locator("main")
    assert main.get_by_role("heading", level=1).is_visible()
    assert main.get_by_role("heading", name="Versjonshistorikk").is_visible()
    assert not main.locator("summary").first.is_visible()  # the edits are not printed
    assert_accessible(ke.page, f"{path} as printed")
