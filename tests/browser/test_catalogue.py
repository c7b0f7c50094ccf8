"""KE staff explore the service catalogue in a real browser: htmx, no full page reload."""

import re

import pytest

from tests import factories
from tests.browser.conftest import ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def services(cast):
    """Built before the browser starts (see tests/browser/conftest.py)."""
    ensure_service_levels()
    factories.service(cast.tromso, "2", "Hverdagsrehabilitering Tromsø")
    factories.service(cast.tromso, "3", "Rehabiliteringsteam Tromsø")
    factories.service(cast.tromso, "4", "Korttidsavdeling rehab Tromsø")
    factories.service(cast.bodo, "3", "Rehabiliteringsteam Bodø")


def test_it_lists_the_services_of_a_level_and_filters_them_without_reloading_the_page(
        live_server, cast, services, page):
    page.goto(f"{live_server.url}/accounts/login/?next=/services/")
    page.get_by_label("Brukernavn").fill("ke_tromso")
    page.get_by_label("Passord").fill("correct horse battery")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(r"/services/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Tilbudsoversikt"

    # Anything set on window survives an htmx swap but not a full page load.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name=re.compile(r"^Nivå 3\b")).click()

    services = page.locator("#level-services")
    page.wait_for_url(re.compile(r"level=3"))
    assert services.get_by_role("heading", level=2).inner_text().startswith("Nivå 3:")
    names = services.locator("li.service h3").all_inner_texts()
    assert sorted(names) == ["Rehabiliteringsteam Bodø", "Rehabiliteringsteam Tromsø"]
    assert page.locator("#level-3").get_attribute("aria-current") == "true"
    assert page.locator("#announcer").inner_text() == "Nivå 3: 2 tilbud vises."

    page.get_by_label("Kommune").select_option(label="Bodø")
    page.wait_for_url(re.compile(rf"municipality={cast.bodo.uuid}"))
    services.get_by_text("Rehabiliteringsteam Tromsø").wait_for(state="detached")
    assert services.locator("li.service h3").all_inner_texts() == ["Rehabiliteringsteam Bodø"]
    assert "level=3" in page.url
    assert page.locator("#level-2 .pyramid__count").inner_text() == "0 tilbud"

    assert page.evaluate("window.notReloaded") is True
