"""Issue 12, item 6 in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on the plan page
with its rewording forms open: the coordinator rewords the patient's goal and a measure's
text, the KE rewords a goal in staff's words; the new wording shows, the version history shows
each change as a diff, and the goal in the patient's own words stays marked as theirs (a <q>,
"the patient's words, reworded by ...") while staff's goal says only who reworded it."""

import re

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from coordination import services
from tests import factories

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(cast):
    """Built before the browser starts (see tests/browser/conftest.py): Tor's plan in
    preparation, coordinated by Kora, with a goal in his words, one in staff's and a measure."""
    ensure_service_levels()
    kora = factories.coordinator(cast)
    plan = factories.individual_plan(cast, kora, cast.tromso_only)
    cast.patients_goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden")
    cast.staff_goal = services.add_goal(plan, by=cast.ke_tromso, expressed_by_patient=False,
                                        text="Mobilisere med rullator")
    cast.measure = services.add_measure(plan, by=cast.ke_tromso,
                                        description="Trening to ganger i uka",
                                        extent="30 minutter")
    plan.refresh_from_db()  # the version the page shows
    return plan


def today() -> str:
    with translation.override("nb"):
        return formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")


def seen(page, where):
    assert_accessible(page, where)
    assert_fits(page, where)


def newest_version(page):
    """The version history's newest entry: what the last save changed."""
    return page.locator("#history > li").first


@VIEWPORTS
def test_the_coordinator_and_the_ke_reword_goals_and_measures(live_server, cast, plan, visitor,
                                                              screen):
    path = f"/plans/{plan.uuid}/"
    coordinator = visitor(**screen)
    coordinator.sign_in("coordinator", path)
    page = coordinator.page
    seen(page, "the plan page")
    version = plan.version  # each save adds one
    patients_goal = page.locator(f"#goal-{cast.patients_goal.pk}")
    expect(patients_goal.locator("q.patient-words")).to_have_text("Gå tur med hunden")
    measure = page.locator(f"#measure-{cast.measure.pk}")

    # Both rewording forms open, filled with the words as they are.
    patients_goal.get_by_text("Endre ordlyden i målet").click()
    measure.get_by_text("Endre teksten").click()
    wording = patients_goal.get_by_role("textbox", name=re.compile("^Mål"))
    expect(wording).to_have_value("Gå tur med hunden")
    expect(measure.get_by_role("textbox", name=re.compile("^Tiltak"))).to_have_value(
        "Trening to ganger i uka")
    seen(page, "the plan with the goal's and the measure's rewording forms open")

    wording.fill("Gå tur med hunden til fjæra")
    patients_goal.get_by_role("button", name="Lagre ordlyden").click()
    expect(patients_goal.get_by_text("Målets ordlyd er lagret.")).to_be_visible()
    # Still the patient's words, and the page says who reworded them.
    expect(patients_goal.locator("q.patient-words")).to_have_text(
        "Gå tur med hunden til fjæra")
    expect(patients_goal.locator(".goal-reworded")).to_have_text(
        f"(pasientens ord, omformulert av Kora Koordinator {today()})")
    change = newest_version(page)
    expect(change.locator(".timeline__title")).to_contain_text(
        f"Versjon {version + 1}, Kora Koordinator")
    expect(change.locator(".diff__what")).to_contain_text("Mål «Gå tur med hunden til fjæra»")
    expect(change.locator("del")).to_have_text("Gå tur med hunden")
    expect(change.locator("ins")).to_have_text("Gå tur med hunden til fjæra")
    seen(page, "the plan with the goal reworded")

    measure.get_by_text("Endre teksten").click()
    measure.get_by_role("textbox", name=re.compile("^Tiltak")).fill(
        "Styrketrening tre ganger i uka")
    measure.get_by_role("textbox", name="Omfang / hyppighet").fill("45 minutter")
    seen(page, "the plan with the measure's rewording form open again")
    measure.locator("form[id^='measure-text-form']").get_by_role("button", name="Lagre").click()
    expect(measure.get_by_text("Tiltakets tekst er lagret.")).to_be_visible()
    expect(measure.locator("th")).to_have_text("Styrketrening tre ganger i uka")
    expect(measure).to_contain_text("45 minutter")
    change = newest_version(page)
    expect(change.locator(".timeline__title")).to_contain_text(
        f"Versjon {version + 2}, Kora Koordinator")
    expect(change.locator("del")).to_have_text(["Trening to ganger i uka", "30 minutter"])
    expect(change.locator("ins")).to_have_text(["Styrketrening tre ganger i uka",
                                                "45 minutter"])
    seen(page, "the plan with the measure reworded")
    coordinator.check("the coordinator's rewording")

    # The KE rewords staff's goal: it says who reworded it, and is not made the patient's.
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", path)
    page = ke.page
    staff_goal = page.locator(f"#goal-{cast.staff_goal.pk}")
    expect(staff_goal.locator("q")).to_have_count(0)
    staff_goal.get_by_text("Endre ordlyden i målet").click()
    seen(page, "the plan with staff's goal's rewording form open")
    staff_goal.get_by_role("textbox", name=re.compile("^Mål")).fill(
        "Gå uten rullator innendørs")
    staff_goal.get_by_role("button", name="Lagre ordlyden").click()
    expect(staff_goal.get_by_text("Målets ordlyd er lagret.")).to_be_visible()
    expect(staff_goal.locator(".goal-text")).to_have_text("Gå uten rullator innendørs")
    expect(staff_goal.locator("q")).to_have_count(0)
    expect(staff_goal.locator(".goal-reworded")).to_have_text(
        f"(omformulert av Kåre Tromsø {today()})")
    change = newest_version(page)
    expect(change.locator(".timeline__title")).to_contain_text(
        f"Versjon {version + 3}, Kåre Tromsø")
    expect(change.locator("del")).to_have_text("Mobilisere med rullator")
    expect(change.locator("ins")).to_have_text("Gå uten rullator innendørs")
    # The patient's goal is still theirs, as the coordinator left it.
    patients_goal = page.locator(f"#goal-{cast.patients_goal.pk}")
    expect(patients_goal.locator("q.patient-words")).to_have_text(
        "Gå tur med hunden til fjæra")
    seen(page, "the plan with staff's goal reworded")
    ke.check("the KE's rewording")
