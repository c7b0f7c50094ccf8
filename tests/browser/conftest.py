"""Playwright's sync API driving Debian's Chromium against pytest-django's live server."""

import importlib
import os
import re
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections

from registry.models import ServiceLevel
from tests.conftest import skip_or_fail
from tests.pathways.pathway_helpers import one_of_everything

CHROMIUM = "/usr/bin/chromium"
# axe-core from npm, pinned by package-lock.json (`make install` runs `npm ci`).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
# A journey at both widths of issue 12: @VIEWPORTS, then `visitor(**screen)`.
VIEWPORTS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366x768", "390x844"])
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@cache
def axe_source() -> str:
    """axe.min.js, or a skip (a failure in CI) when `npm ci` has not installed it."""
    if not AXE.exists():
        skip_or_fail(f"axe-core not installed at {AXE}: run `make install` (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, exclude=()) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now (any open panel
    included). The source is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so the page's own policy stays as it is."""
    source = axe_source()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source + "\n;true")
    return page.evaluate(
        r"""async ([tags, exclude]) => {
             const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
             const result = await axe.run(context, {runOnly: {type: "tag", values: tags},
                                                    resultTypes: ["violations"]});
             return result.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => n.target.join(" ") + ": "
                                  + (n.failureSummary || "").replace(/\s+/g, " "))}));
           }""",
        [AXE_TAGS, list(exclude)])


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
            f"    - {node}" for node in v["nodes"][:8])
        for v in violations)


def assert_accessible(page, where: str, exclude=()):
    """No axe violation of any impact; the message names each rule, its impact and nodes."""
    violations = axe_violations(page, exclude)
    assert not violations, (
        f"axe: {len(violations)} violation(s) on {where} "
        f"({page.viewport_size['width']}px):\n{describe_violations(violations)}")


# The page's width against the window's, and the last elements that stick out past it.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(element => element.getBoundingClientRect().right > width + 1).slice(-5)
    .map(element => element.tagName.toLowerCase() + "." + [...element.classList].join("."));
  return {page: document.documentElement.scrollWidth, window: width, wide: wide};
}"""


def assert_fits(page, where: str):
    """On a phone, the page does not scroll sideways (a wide table scrolls in its own box)."""
    if page.viewport_size["width"] > PHONE["viewport"]["width"]:
        return
    measured = page.evaluate(OVERFLOW)
    assert measured["page"] <= measured["window"], (where, measured)


@pytest.fixture
def browser(monkeypatch):
    """Chromium, for the length of one test.

    Playwright's sync API runs an event loop in this thread, and Django refuses database work
    there unless told it is on purpose. It then also hands out a connection of its own, outside
    the test's: build the test data in fixtures listed before `page`, and close whatever was
    opened in the meantime before the loop goes away.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        skip_or_fail("chromium not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


@pytest.fixture
def page(browser):
    """A fresh page in a Norwegian-speaking browser."""
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


# Every main page, signed in as the people who use it (test_content_security_policy,
# test_phone_width).

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


def ensure_service_levels():
    """The pyramid's levels, as their migration made them: a transactional test may start
    after another one flushed them."""
    if not ServiceLevel.objects.exists():
        migration = importlib.import_module("registry.migrations.0003_service_levels")
        migration.create_levels(apps, None)


@pytest.fixture
def pathway(cast):
    """Built before the browser starts (see the `browser` fixture)."""
    ensure_service_levels()
    everything = one_of_everything(cast)
    get_user_model().objects.create_superuser("operator", "operator@example.org", PASSWORD)
    return everything


class Visitor:
    """A browser context that records every refusal and console complaint."""

    def __init__(self, browser, live_server, **context):
        self.base = live_server.url
        self.context = browser.new_context(locale="nb-NO", **context)
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

    def make(**context):
        visitors.append(Visitor(browser, live_server, **context))
        return visitors[-1]

    yield make
    for each in visitors:
        each.close()
