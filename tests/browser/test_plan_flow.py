"""The individual plan in a real browser: Tromsø's KE accepts a request and appoints a
coordinator from the overview; the coordinator opens the plan, writes the patient's goal in
their own words, adds a measure on a level-3 service and downloads the plan as PDF."""

import re

import pytest

from coordination import services
from coordination.models import RequestKind, RequestSource
from tests import factories

from .conftest import ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def flow(cast):
    """Built through the services before the browser starts (see tests/browser/conftest.py)."""
    ensure_service_levels()
    cast.kora = services.create_coordinator_profile(user=cast.coordinator,
                                                    organization=cast.tromso, by=cast.ke_tromso)
    cast.request = services.submit_plan_request(
        patient=cast.tromso_only, municipality=cast.tromso, kind=RequestKind.INDIVIDUAL_PLAN,
        source=RequestSource.PATIENT, by=cast.ke_tromso, description="Trenger hjelp etter slag")
    cast.service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering Tromsø")
    return cast


def test_the_ke_appoints_a_coordinator_who_writes_the_plan_and_prints_it(
        live_server, flow, visitor):
    ke_tromso = visitor()
    ke_tromso.sign_in("ke_tromso", "/ke/overview/")
    ke = ke_tromso.page
    row = ke.locator("#open-requests tr", has_text="Tor Tindvik")
    row.get_by_role("link", name=re.compile("^Innvilg")).click()
    panel = ke.locator("#overview-panel")
    panel.get_by_role("heading", name="Innvilg meldingen om behov").wait_for()
    choice = panel.get_by_role("combobox", name=re.compile("^Koordinator"))
    assert "Kora Koordinator (Koordinator, 0 av 10 planer)" in choice.inner_text()
    choice.select_option(str(flow.kora.pk))
    panel.get_by_label("Pasientens ønsker").fill("Ønsker en som snakker rolig")
    panel.get_by_role("button", name="Innvilg og oppnevn").click()
    panel.get_by_text("Meldingen om behov som gjelder Tor Tindvik, er innvilget.").wait_for()
    ke.locator("#no-open-requests").wait_for()
    ke_tromso.check("the accepted request")

    coordinator = visitor(accept_downloads=True)
    coordinator.sign_in("coordinator", "/ke/overview/")
    page = coordinator.page
    page.get_by_role("link", name="Tor Tindvik").click()
    page.get_by_role("heading", level=1, name="Individuell plan for Tor Tindvik").wait_for()
    page.get_by_text("Skriv pasientens ord").click()
    page.get_by_role("textbox", name=re.compile(r"^Hva er viktig for deg\?")).fill(
        "Å gå tur med hunden min igjen")
    page.get_by_role("button", name="Lagre", exact=True).click()
    page.locator("blockquote#what-matters",
                 has_text="Å gå tur med hunden min igjen").wait_for()

    page.get_by_text("Legg til et tiltak").click()
    page.get_by_role("combobox", name=re.compile("^Tjeneste")).select_option(
        str(flow.service.pk))
    page.get_by_label("Omfang / hyppighet").fill("To ganger i uka")
    page.get_by_role("button", name="Legg til tiltaket").click()
    measure = page.locator("#measures tr", has_text="Hverdagsrehabilitering Tromsø")
    measure.wait_for()
    assert "3 " in measure.inner_text()

    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned PDF").click()
    path = info.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    coordinator.check("the plan")
