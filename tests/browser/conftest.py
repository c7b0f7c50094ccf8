"""Playwright's sync API driving Debian's Chromium against pytest-django's live server."""

import os

import pytest
from django.db import connections

from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
