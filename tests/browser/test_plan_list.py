"""The KE's plan list and the measure's service search in a real browser: choosing a filter
swaps the results and the other filters' counts and leaves focus where it was; typing in the
service search narrows the select, which is then chosen by keyboard."""

import datetime
import re

import pytest
from django.utils import timezone

from coordination import services
from coordination.models import IndividualPlan, PlanStatus
from registry.models import OrganizationKind
from tests import factories

from .conftest import assert_accessible, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def plans(cast):
    """Built before the browser starts (see tests/browser/conftest.py)."""
    ensure_service_levels()
    cast.kora = services.create_coordinator_profile(user=cast.coordinator,
                                                    organization=cast.tromso, by=cast.ke_tromso)
    today = timezone.localdate()
    for n, status in enumerate([PlanStatus.ACTIVE, PlanStatus.ACTIVE, PlanStatus.CLOSED]):
        patient = factories.patient(cast.ke_tromso, f"Pasient{n}", "Planliste",
                                    municipality=cast.tromso)
        IndividualPlan.objects.create(
            patient=patient, municipality=cast.tromso, status=status, coordinator=cast.kora,
            next_evaluation_on=today + datetime.timedelta(days=n - 1), created_by=cast.ke_tromso)
    private = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord")
    cast.private_service = factories.service(private, "5.1", name="Rehabiliteringsopphold")
    factories.service(cast.tromso, "2", name="Hverdagsrehabilitering Tromsø")
    cast.plan = factories.individual_plan(cast, cast.kora, cast.shared)
    return cast


def test_the_ke_filters_its_plans_by_keyboard(live_server, plans, visitor):
    ke = visitor()
    ke.sign_in("ke_tromso", "/ke/plans/")
    page = ke.page
    page.locator("#plan-list-count", has_text="4 planer.").wait_for()
    assert_accessible(page, "the plan list")
    status = page.get_by_role("combobox", name="Status")
    status.focus()
    status.select_option("closed")  # as the arrow keys do: a change event
    page.locator("#plan-list-count", has_text="1 plan.").wait_for()
    assert "status=closed" in page.url
    # The coordinator's count now counts within the chosen status; focus stayed put.
    page.locator("#facet-coordinator option", has_text="Kora Koordinator (1)").wait_for(
        state="attached")
    assert page.evaluate("document.activeElement.name") == "status"
    status.select_option("")
    page.locator("#plan-list-count", has_text="4 planer.").wait_for()
    page.get_by_role("searchbox", name=re.compile("^Pasientens navn")).fill("pasient1")
    page.locator("#plan-list-count", has_text="1 plan.").wait_for()
    assert page.locator("#plan-list tbody tr").count() == 1
    ke.check("the plan list's filters")


def test_the_coordinator_searches_the_services_and_chooses_one_by_keyboard(
        live_server, plans, visitor):
    coordinator = visitor()
    coordinator.sign_in("coordinator", f"/plans/{plans.plan.uuid}/")
    page = coordinator.page
    page.get_by_text("Legg til et tiltak").click()
    search = page.get_by_role("searchbox", name=re.compile("^Søk i tjenestene"))
    search.fill("valnes")
    select = page.get_by_role("combobox", name=re.compile("^Tjeneste"))
    page.wait_for_function(
        "() => document.querySelectorAll('#id_measure_service option').length === 2")
    assert "Hverdagsrehabilitering" not in select.inner_text()
    search.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_measure_service"
    page.keyboard.press("ArrowDown")  # from "Ingen tjeneste valgt" to the one match
    assert select.input_value() == str(plans.private_service.pk)
    page.get_by_role("button", name="Legg til tiltaket").click()
    page.locator("#measures tr", has_text="Rehabiliteringsopphold").wait_for()
    coordinator.check("the service search")
