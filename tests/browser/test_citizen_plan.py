"""Astrid on her phone: she reads her plan, adds a goal in her own words, answers a proposed
wording and her self-report before the evaluation, with the keyboard where it matters; the
plan page and the self-report have no axe-core violation at 390 px and do not scroll
sideways."""

import re

import pytest

from coordination import services
from coordination.models import Goal, SelfReport
from tests import factories

from .conftest import PHONE, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def astrids_plan(cast):
    """Built before the browser starts: Astrid's plan in force, with the KE's goal, a measure
    and a coordinating unit to reach."""
    ensure_service_levels()
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00", opening_hours="08–15.30")
    service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    services.add_measure(plan, by=cast.ke_tromso, service=service, extent="To ganger i uka")
    return factories.activate_plan(cast, plan)


def sign_in(phone, cast, settings):
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}
    phone.visit("/me/sign-in/")
    phone.page.get_by_role("button", name=re.compile("Astrid Aune")).click()
    phone.page.wait_for_url(re.compile(rf"/me/p/{cast.shared.uuid}/$"))


def test_astrid_adds_a_goal_and_answers_her_self_report(live_server, cast, astrids_plan,
                                                         settings, visitor):
    phone = visitor(**PHONE)
    page = phone.page
    sign_in(phone, cast, settings)
    phone.visit(f"/me/p/{cast.shared.uuid}/plan/")
    assert_accessible(page, "the plan page")
    assert_fits(page, "the plan page")
    assert page.get_by_text("Hverdagsrehabilitering").first.is_visible()

    page.get_by_text("Legg til et mål med dine egne ord").click()
    page.get_by_label("Målet mitt").fill("Gå til butikken selv")
    page.get_by_role("button", name="Legg til målet").click()
    page.wait_for_url(re.compile(r"#goals$"))
    phone.check("after adding a goal")
    assert page.get_by_text("Målet ditt er lagt til").is_visible()
    assert page.get_by_text("Dine egne ord").first.is_visible()
    assert_accessible(page, "the plan page with her own goal")
    goal = Goal.objects.get(written_by_patient=True)

    # The coordinator proposes new words; she keeps her own.
    services.propose_goal_wording(goal, by=cast.coordinator, text="Gå til butikken på Storgata")
    phone.visit(f"/me/p/{cast.shared.uuid}/plan/")
    assert_accessible(page, "the plan page with a proposal")
    page.get_by_role("button", name="Behold mine ord").click()
    phone.check("after keeping her words")
    assert page.get_by_text("Du beholdt dine egne ord").is_visible()

    page.get_by_role("link", name="Fortell hvordan det går med målene dine").click()
    phone.check("the self-report")
    assert_accessible(page, "the self-report")
    assert_fits(page, "the self-report")
    # A missing score is an error in the summary, linked to its question.
    page.get_by_role("button", name="Send svarene mine").click()
    page.wait_for_selector("#self-report-errors")
    assert phone.problems and all("422" in problem for problem in phone.problems)
    phone.problems.clear()  # the refusal was the point
    phone.check("the refused self-report")
    assert page.get_by_text("Svar for minst ett mål.").is_visible()
    assert_accessible(page, "the self-report with its error")
    # The keyboard: into the first question's scale and along it with the arrows.
    first = page.locator(".scale").first.locator("input").first
    first.focus()
    first.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator(".scale").first.locator("input:checked").get_attribute("value") == "3"
    for scale in page.locator(".scale").all()[1:]:
        scale.locator(".scale__option", has_text=re.compile(r"^7$")).click()
    page.locator(".scale").nth(1).locator(".scale__option").nth(5).click()  # the first goal: 6
    page.get_by_role("button", name="Send svarene mine").click()
    phone.check("after answering")
    assert page.get_by_text("Svarene dine er lagret").is_visible()
    first_goal = Goal.objects.get(written_by_patient=False)
    report = SelfReport.objects.get(goal=first_goal)
    assert (report.performance, report.satisfaction) == (3, 6)
