"""Every main page in Chromium under the portal's Content-Security-Policy: nothing refused,
nothing logged to the console, and htmx still swaps."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from registry.models import ServiceLevel
from tests.pathways.pathway_helpers import one_of_everything

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"

# Registered before any of the page's own scripts run; a policy violation is reported to the
# page as this event (and to the console, which is watched as well).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
                           + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def pathway(cast):
    """Built before the browser starts (see tests/browser/conftest.py)."""
    if not ServiceLevel.objects.exists():
        migration = importlib.import_module("registry.migrations.0003_service_levels")
        migration.create_levels(apps, None)
    everything = one_of_everything(cast)
    get_user_model().objects.create_superuser("operator", "operator@example.org", PASSWORD)
    return everything


class Visitor:
    """A browser context that records every refusal and console complaint."""

    def __init__(self, browser, live_server):
        self.base = live_server.url
        self.context = browser.new_context(locale="nb-NO")
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.problems = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._response)

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def _console(self, message):
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # the admin names no icon, so Chromium asks for one: not a refusal
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def visit(self, path: str, ready: str = "main"):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        self.page.locator(ready).first.wait_for()
        self.check(path)

    def check(self, where: str):
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)  # violation events are queued as tasks
        violations = self.page.evaluate("window.__violations")
        assert not violations and not self.problems, (where, violations, self.problems)

    def sign_in(self, username: str, path: str):
        self.page.goto(f"{self.base}/accounts/login/?next={path}")
        self.page.get_by_label("Brukernavn").fill(username)
        self.page.get_by_label("Passord").fill(PASSWORD)
        self.page.get_by_role("button", name="Logg inn").click()
        self.page.wait_for_url(re.compile(re.escape(path) + "$"))
        self.check(f"sign-in as {username}")

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser, live_server):
    visitors = []

    def make():
        visitors.append(Visitor(browser, live_server))
        return visitors[-1]

    yield make
    for each in visitors:
        each.close()


def test_the_public_pages_render_without_a_refusal(live_server, pathway, visitor):
    anonymous = visitor()
    anonymous.visit("/accounts/login/", "form")
    anonymous.visit("/admin/login/", "#login-form")
    anonymous.visit("/api/docs/", ".swagger-ui .info .title")


def test_the_hospitals_pages_render_without_a_refusal(live_server, pathway, visitor):
    planner = visitor()
    planner.sign_in("planner", "/ward/")
    for path in ["/", "/ward/", f"/patients/{pathway['admission'].patient.uuid}/pathway/",
                 f"/meetings/{pathway['meeting'].uuid}/", "/notifications/", "/patients/"]:
        planner.visit(path)


def test_the_municipalitys_pages_render_without_a_refusal(live_server, pathway, visitor):
    ke = visitor()
    ke.sign_in("ke_tromso", "/inbox/ke/")
    for path in ["/inbox/ke/", "/ke/overview/", f"/plans/{pathway['plan'].uuid}/",
                 "/notifications/", "/services/"]:
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
