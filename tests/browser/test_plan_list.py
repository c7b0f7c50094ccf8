"""Issue 12, items 1 and 3 in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on each
page and each opened form: the KE's list of its municipality's plans, where choosing a filter
swaps the results and the other filters' counts and leaves focus where it was; and the
measure's service list, which offers only the services that can serve the patient, grouped by
pyramid level, and narrows as the coordinator types, to be chosen by keyboard."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coordination import services
from coordination.models import IndividualPlan, PlanStatus
from registry.models import OrganizationKind
from tests import factories

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def plans(cast):
    """Built before the browser starts (see tests/browser/conftest.py): three plans of
    Tromsø's besides Astrid's (overdue, due today, closed), one with a level-2 measure; a
    private institution's, Tromsø's and Alta's services."""
    ensure_service_levels()
    cast.kora = services.create_coordinator_profile(user=cast.coordinator,
                                                    organization=cast.tromso, by=cast.ke_tromso)
    today = timezone.localdate()
    private = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord")
    cast.private_service = factories.service(private, "5.1", name="Rehabiliteringsopphold")
    everyday = factories.service(cast.tromso, "2", name="Hverdagsrehabilitering Tromsø")
    alta = factories.organization(name="Alta", municipality_number="5601")
    factories.service(alta, "1", name="Frisklivssentralen i Alta")
    for n, status in enumerate([PlanStatus.ACTIVE, PlanStatus.ACTIVE, PlanStatus.CLOSED]):
        patient = factories.patient(cast.ke_tromso, f"Pasient{n}", "Planliste",
                                    municipality=cast.tromso)
        plan = factories.individual_plan(cast, cast.kora, patient)
        IndividualPlan.objects.filter(pk=plan.pk).update(  # as if it had lived a while
            status=status, next_evaluation_on=today + datetime.timedelta(days=n - 1))
        if n == 0:
            services.add_measure(plan, by=cast.ke_tromso, service=everyday)
    cast.plan = factories.individual_plan(cast, cast.kora, cast.shared)
    return cast


def count(page, text):
    page.locator("#plan-list-count", has_text=text).wait_for()


@VIEWPORTS
def test_the_ke_filters_its_plans_by_keyboard(live_server, plans, visitor, screen):
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", "/ke/plans/")
    page = ke.page
    count(page, "4 planer.")
    assert_accessible(page, "the plan list")
    assert_fits(page, "the plan list")

    status = page.get_by_role("combobox", name="Status")
    status.focus()
    status.select_option("closed")  # as the arrow keys do: a change event
    count(page, "1 plan.")
    assert "status=closed" in page.url
    # The coordinator's count now counts within the chosen status; focus stayed put.
    page.locator("#facet-coordinator option", has_text="Kora Koordinator (1)").wait_for(
        state="attached")
    assert page.evaluate("document.activeElement.name") == "status"
    assert_accessible(page, "the plan list, closed plans")
    status.select_option("")
    count(page, "4 planer.")

    evaluation = page.get_by_role("combobox", name="Evaluering")
    evaluation.select_option("overdue")
    count(page, "1 plan.")
    row = page.locator("#plan-list tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="Pasient0 Planliste", exact=True)).to_be_visible()
    expect(row.get_by_text("forfalt", exact=True)).to_be_visible()
    evaluation.select_option("")
    count(page, "4 planer.")

    page.get_by_role("combobox", name=re.compile("^Nivå i pyramiden")).select_option("2")
    count(page, "1 plan.")
    expect(row.get_by_role("link", name="Pasient0 Planliste", exact=True)).to_be_visible()
    expect(row.locator("td").nth(3)).to_have_text("2")
    assert_accessible(page, "the plan list, plans on level 2")
    assert_fits(page, "the plan list, plans on level 2")

    page.get_by_role("link", name="Vis alle planer").click()
    count(page, "4 planer.")
    page.get_by_role("searchbox", name=re.compile("^Pasientens navn")).fill("pasient1")
    count(page, "1 plan.")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("^Åpne planen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Individuell plan for Pasient1 Planliste")
    assert_accessible(page, "the plan opened from the list")
    ke.check("the plan list's filters")


@VIEWPORTS
def test_the_coordinator_searches_the_services_and_chooses_one_by_keyboard(
        live_server, plans, visitor, screen):
    coordinator = visitor(**screen)
    coordinator.sign_in("coordinator", f"/plans/{plans.plan.uuid}/")
    page = coordinator.page
    assert_accessible(page, "the plan page")
    page.get_by_text("Legg til et tiltak").click()
    select = page.get_by_role("combobox", name=re.compile("^Tjeneste"))
    # The services that can serve a Tromsø patient, under their levels; not Alta's.
    groups = select.locator("optgroup")
    expect(groups).to_have_count(2)
    assert [groups.nth(n).get_attribute("label") for n in range(2)] == [
        "2 Lavterskeltilbud / hverdagsrehabilitering",
        "5.1 Spesialisert rehabilitering, høy kompleksitet"]
    expect(groups.nth(0).locator("option")).to_have_text(
        ["Hverdagsrehabilitering Tromsø (Tromsø)"])
    expect(groups.nth(1).locator("option")).to_have_text(["Rehabiliteringsopphold (Valnesfjord)"])
    assert "Alta" not in select.inner_text()
    assert "---------" not in select.inner_text()
    assert_accessible(page, "the measure form")
    assert_fits(page, "the measure form")

    search = page.get_by_role("searchbox", name=re.compile("^Søk i tjenestene"))
    search.fill("valnes")
    page.wait_for_function(
        "() => document.querySelectorAll('#id_measure_service option').length === 2")
    expect(select.locator("optgroup")).to_have_count(1)
    assert "Hverdagsrehabilitering" not in select.inner_text()
    expect(page.locator("#announcer")).to_have_text("1 tjeneste i listen.")
    assert_accessible(page, "the measure form, narrowed")
    search.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_measure_service"
    page.keyboard.press("ArrowDown")  # from "Ingen tjeneste valgt" to the one match
    assert select.input_value() == str(plans.private_service.pk)
    page.get_by_role("button", name="Legg til tiltaket").click()
    measure = page.locator("#measures tr", has_text="Rehabiliteringsopphold")
    expect(measure).to_contain_text("5.1 Spesialisert rehabilitering")
    assert_accessible(page, "the plan with the new measure")
    assert_fits(page, "the plan with the new measure")
    coordinator.check("the service search")
