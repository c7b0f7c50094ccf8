"""Issue 12, item 1 in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on each page
and each opened panel: Tromsø's KE accepts a request and appoints a coordinator from the
overview; the confirmation links to the plan it created, and the patient page shows the plan
and its coordinator. The coordinator then opens the plan, writes the patient's goal in their
own words, adds a measure on a level-3 service and downloads the plan as PDF."""

import re

import pytest
from playwright.sync_api import expect

from coordination import services
from coordination.models import RequestKind, RequestSource
from tests import factories

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

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


def seen(page, where):
    assert_accessible(page, where)
    assert_fits(page, where)


@VIEWPORTS
def test_the_ke_appoints_a_coordinator_who_writes_the_plan_and_prints_it(
        live_server, flow, visitor, screen):
    ke_tromso = visitor(**screen)
    ke_tromso.sign_in("ke_tromso", "/ke/overview/")
    ke = ke_tromso.page
    seen(ke, "the KE overview")
    row = ke.locator("#open-requests tr", has_text="Tor Tindvik")
    row.get_by_role("link", name=re.compile("^Innvilg")).click()
    panel = ke.locator("#overview-panel")
    panel.get_by_role("heading", name="Innvilg meldingen om behov").wait_for()
    choice = panel.get_by_role("combobox", name=re.compile("^Koordinator"))
    assert "Kora Koordinator (Koordinator, 0 av 10 planer)" in choice.inner_text()
    seen(ke, "the accept panel")
    choice.select_option(str(flow.kora.pk))
    panel.get_by_label("Pasientens ønsker").fill("Ønsker en som snakker rolig")
    panel.get_by_role("button", name="Innvilg og oppnevn").click()
    panel.get_by_text("Meldingen om behov som gjelder Tor Tindvik, er innvilget.").wait_for()
    ke.locator("#no-open-requests").wait_for()
    # The confirmation links to what the decision made: the plan and the appointment.
    assignment = panel.get_by_role(
        "link", name="Se oppnevningen av koordinator (Kora Koordinator)")
    expect(assignment).to_have_attribute("href", re.compile(r"^/plans/[0-9a-f-]+/#assignment-"))
    seen(ke, "the accept confirmation")
    panel.get_by_role("link", name="Åpne den individuelle planen for Tor Tindvik").click()
    expect(ke.get_by_role("heading", level=1)).to_have_text("Individuell plan for Tor Tindvik")
    expect(ke.locator("#plan-coordinator")).to_have_text("Kora Koordinator")
    expect(ke.locator("#assignments")).to_contain_text("Ønsker en som snakker rolig")
    plan_url = ke.url
    seen(ke, "the plan the KE created")

    # The patient page, reached from the list of all plans, shows the plan and coordinator.
    ke.get_by_role("link", name="Alle planer").click()
    listed = ke.locator("#plan-list tbody tr", has_text="Tor Tindvik")
    expect(listed).to_contain_text("Kora Koordinator")
    listed.get_by_role("link", name="Tor Tindvik", exact=True).click()
    section = ke.locator("#patient-plans")
    plan_row = section.locator("#patient-plan-list tbody tr")
    expect(plan_row).to_have_count(1)
    expect(plan_row).to_contain_text("Under utarbeiding")
    expect(plan_row).to_contain_text("Kora Koordinator (Koordinator)")
    expect(ke.get_by_text("Ikke tilgjengelig ennå")).to_have_count(0)
    seen(ke, "the patient page")
    plan_row.get_by_role("link", name="Individuell plan, Tromsø").click()
    ke.wait_for_url(plan_url)
    ke_tromso.check("the accepted request")

    coordinator = visitor(accept_downloads=True, **screen)
    coordinator.sign_in("coordinator", "/ke/overview/")
    page = coordinator.page
    seen(page, "the coordinator's overview")
    page.get_by_role("link", name="Åpne planen (Tor Tindvik)").click()
    page.get_by_role("heading", level=1, name="Individuell plan for Tor Tindvik").wait_for()
    page.get_by_text("Skriv pasientens ord").click()
    seen(page, "the plan with the patient's words form open")
    page.get_by_role("textbox", name=re.compile(r"^Hva er viktig for deg\?")).fill(
        "Å gå tur med hunden min igjen")
    page.get_by_role("button", name="Lagre", exact=True).click()
    page.locator("blockquote#what-matters", has_text="Å gå tur med hunden min igjen").wait_for()

    page.get_by_text("Legg til et tiltak").click()
    seen(page, "the plan with the measure form open")
    page.get_by_role("combobox", name=re.compile("^Tjeneste")).select_option(
        str(flow.service.pk))
    page.get_by_label("Omfang / hyppighet").fill("To ganger i uka")
    page.get_by_role("button", name="Legg til tiltaket").click()
    measure = page.locator("#measures tr", has_text="Hverdagsrehabilitering Tromsø")
    measure.wait_for()
    assert "3 " in measure.inner_text()
    seen(page, "the plan with its measure")

    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned PDF").click()
    with open(info.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    coordinator.check("the plan")
