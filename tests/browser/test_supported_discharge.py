"""Early supported discharge in the browser, at a desktop's and a phone's width: the planner
starts the pathway from the patient's pathway page, plans the team's home visit and records it
done, and hands the plan over; Tromsø's KE opens the same page and sees the shared plan, the
visit the team recorded and the handover, and may go on with the municipality's part."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import admit
from tests.pathways.variant_helpers import ensure_variants

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def stay(cast):
    """Built before the browser starts (see tests/browser/conftest.py)."""
    ensure_service_levels()
    ensure_variants()
    return admit(cast, hours_ago=30)


def oslo(moment) -> str:
    """A datetime-local value as a person in Norway types it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@VIEWPORTS
def test_the_team_and_the_municipality_share_the_plan_until_the_handover(
        live_server, cast, stay, visitor, screen):
    pathway = f"/patients/{cast.shared.uuid}/pathway/"
    planner = visitor(**screen)
    planner.sign_in("planner", pathway)
    page = planner.page
    plan = page.locator("#home-rehabilitation")
    panel = page.locator("#home-rehabilitation-panel")
    plan.get_by_text("Pasienten følger ikke noe forløp").wait_for()

    # The planner starts early supported discharge.
    plan.get_by_role("link", name="Start rehabilitering i hjemmet").click()
    panel.get_by_role("heading", name="Start rehabilitering i hjemmet").wait_for()
    assert_accessible(page, "the enrolment form")
    assert_fits(page, "the enrolment form")
    panel.get_by_label("Tidlig støttet utskriving etter hjerneslag").check()
    panel.get_by_role("button", name="Start forløpet").click()
    panel.get_by_text("Astrid Aune følger Tidlig støttet utskriving etter hjerneslag; Tromsø "
                      "ser planen.").wait_for()
    card = plan.locator("article", has_text="Tidlig støttet utskriving etter hjerneslag")
    card.get_by_text("Aktiv", exact=True).wait_for()

    # She plans the team's home visit, an hour ago, and records it done.
    plan.get_by_role("link", name="Planlegg en aktivitet").click()
    panel.get_by_role("heading", name="Planlegg en aktivitet").wait_for()
    panel.get_by_role("combobox", name="Aktivitet").select_option(
        label="Hjemmebesøk av det ambulante teamet")
    panel.get_by_label("Tidspunkt:", exact=True).fill(
        oslo(timezone.now() - datetime.timedelta(hours=1)))
    panel.get_by_label("Merknad:", exact=True).fill("Trappetrening")
    panel.get_by_role("button", name="Planlegg aktiviteten").click()
    panel.get_by_text("Planlagt: Hjemmebesøk av det ambulante teamet").wait_for()
    team = plan.locator('[data-side="hospital_team"]')
    visit = team.locator('[data-list="upcoming"] li', has_text="Hjemmebesøk")
    visit.get_by_text("ikke registrert").wait_for()  # its time has passed
    assert_fits(page, "the plan with a visit")
    visit.get_by_role("link", name="Registrer").click()
    panel.get_by_role("heading", name="Registrer aktiviteten").wait_for()
    panel.get_by_label("Utført", exact=True).check()
    panel.get_by_label("Merknad:", exact=True).fill("Går trygt i trappen med rekkverk.")
    assert_accessible(page, "the record form")
    panel.get_by_role("button", name="Registrer", exact=True).click()
    panel.get_by_text("Registrert som utført: Hjemmebesøk av det ambulante teamet").wait_for()
    done = team.locator('[data-list="recorded"] li', has_text="Hjemmebesøk")
    done.get_by_text("Går trygt i trappen med rekkverk.").wait_for()
    done.get_by_text("Registrert av Pia Planlegger").wait_for()

    # The team hands the plan over to Tromsø.
    plan.get_by_role("link", name="Overfør til kommunen").click()
    panel.get_by_role("heading", name="Overfør til kommunen").wait_for()
    panel.get_by_label("Overføringsnotat:", exact=True).fill(
        "Kommunens hverdagsrehabilitering overtar.")
    panel.get_by_role("button", name="Overfør", exact=True).click()
    panel.get_by_text("Planen er overført til Tromsø.").wait_for()
    card.get_by_text("Overført til kommunen", exact=True).wait_for()
    assert plan.get_by_role("link", name="Planlegg en aktivitet").count() == 0
    assert_accessible(page, "the handed-over plan")
    assert_fits(page, "the handed-over plan")
    planner.check("the planner's steps")

    # Tromsø's KE sees the same plan, the team's visit and the handover.
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", pathway)
    shared = ke.page.locator("#home-rehabilitation")
    shared.get_by_text("Planen er overført til Tromsø. Sykehusets team kan lese den, men ikke "
                       "lenger endre den.").wait_for()
    shared.get_by_text("Kommunens hverdagsrehabilitering overtar.").wait_for()
    recorded = shared.locator('[data-side="hospital_team"] [data-list="recorded"] li')
    recorded.get_by_text("Går trygt i trappen med rekkverk.").wait_for()
    # The municipality goes on with its own part.
    shared.get_by_role("link", name="Planlegg en aktivitet").click()
    ke_panel = ke.page.locator("#home-rehabilitation-panel")
    ke_panel.get_by_role("heading", name="Planlegg en aktivitet").wait_for()
    options = ke_panel.locator("select option").all_inner_texts()
    assert "Hverdagsrehabilitering" in options
    assert "Hjemmebesøk av det ambulante teamet" not in options
    assert_accessible(ke.page, "the KE's view of the plan")
    assert_fits(ke.page, "the KE's view of the plan")
    ke.check("the KE's view")
