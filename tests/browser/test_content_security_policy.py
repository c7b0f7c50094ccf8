"""Every main page in Chromium under the portal's Content-Security-Policy: nothing refused,
nothing logged to the console, and htmx still swaps."""

import re

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_public_pages_render_without_a_refusal(live_server, pathway, visitor):
    anonymous = visitor()
    anonymous.visit("/accounts/login/", "form")
    anonymous.visit("/admin/login/", "#login-form")
    anonymous.visit("/api/docs/", ".swagger-ui .info .title")


def test_the_hospitals_pages_render_without_a_refusal(live_server, pathway, visitor):
    planner = visitor()
    planner.sign_in("planner", "/ward/")
    for path in ["/", "/ward/", f"/patients/{pathway['admission'].patient.uuid}/pathway/",
                 f"/meetings/{pathway['meeting'].uuid}/", "/notifications/", "/patients/",
                 "/indicators/", "/indicators/capacity/"]:
        planner.visit(path)


def test_the_municipalitys_pages_render_without_a_refusal(live_server, pathway, visitor):
    ke = visitor()
    ke.sign_in("ke_tromso", "/inbox/ke/")
    for path in ["/inbox/ke/", "/inbox/ke/archive/", "/ke/overview/",
                 f"/plans/{pathway['plan'].uuid}/",
                 "/notifications/", "/services/", "/indicators/", "/indicators/capacity/"]:
        ke.visit(path)


def test_the_admin_renders_without_a_refusal(live_server, pathway, visitor):
    operator = visitor()
    operator.visit("/admin/login/", "#login-form")
    operator.page.get_by_label(re.compile("Brukernavn|Username")).fill("operator")
    operator.page.get_by_label(re.compile("Passord|Password")).fill(PASSWORD)
    operator.page.locator("input[type=submit]").click()
    operator.page.wait_for_url(re.compile(r"/admin/$"))
    operator.check("admin index")
    organization = pathway["admission"].hospital
    for path in ["/admin/registry/organization/",
                 f"/admin/registry/organization/{organization.pk}/change/",
                 "/admin/registry/user/add/"]:
        operator.visit(path, "#content")


def test_htmx_swaps_under_the_policy(live_server, pathway, visitor):
    ke = visitor()
    ke.sign_in("ke_tromso", "/services/")
    page = ke.page
    page.evaluate("window.notReloaded = true")  # survives an htmx swap, not a page load
    # The pyramid's steps take their widths from data-width through portal.js.
    widths = page.locator(".pyramid__level").evaluate_all(
        "steps => steps.map(step => step.getBoundingClientRect().width)")
    assert widths == sorted(widths) and widths[0] < widths[-1]
    page.get_by_role("link", name=re.compile(r"^Nivå 3\b")).click()
    page.wait_for_url(re.compile(r"level=3"))
    page.locator("#level-services li.service", has_text="Hverdagsrehabilitering").wait_for()
    assert page.evaluate("window.notReloaded") is True
    # The swapped-in pyramid got its widths too.
    page.wait_for_function("() => [...document.querySelectorAll('.pyramid__level')]"
                           ".every(step => step.style.width.endsWith('%'))")
    ke.check("catalogue after an htmx swap")
