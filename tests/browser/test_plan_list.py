"""The KE's plan list and the measure's service search in a real browser: choosing a filter
swaps the results and the other filters' counts and leaves focus where it was; typing in the
service search narrows the select, which is then chosen by keyboard."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from coordination import services
from coordination.models import IndividualPlan, PlanStatus
from registry.models import OrganizationKind, ServiceLevel
from tests import factories

from .conftest import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def plans(cast):
    """Built before the browser starts (see tests/browser/conftest.py)."""
    if not ServiceLevel.objects.exists():
        migration = importlib.import_module("registry.migrations.0003_service_levels")
        migration.create_levels(apps, None)
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


def sign_in(browser, live_server, username, path):
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return context, page


def test_the_ke_filters_its_plans_by_keyboard(live_server, plans, browser):
    context, page = sign_in(browser, live_server, "ke_tromso", "/ke/plans/")
    try:
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
    finally:
        context.close()


def test_the_coordinator_searches_the_services_and_chooses_one_by_keyboard(
        live_server, plans, browser):
    path = f"/plans/{plans.plan.uuid}/"
    context, page = sign_in(browser, live_server, "coordinator", path)
    try:
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
    finally:
        context.close()
