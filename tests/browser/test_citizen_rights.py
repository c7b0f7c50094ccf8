"""Astrid on her phone, "My rights": she sees that the KE in Tromsø read her plan, gives her
daughter access to meetings only (with the keyboard; a mistyped number first), the daughter
signs in and sees the meetings but not the plan, and Astrid takes it back: the daughter is
out at once. Then the consents page and the experience survey. Every page: no axe-core
violation at 390 px, no sideways scrolling."""

import re

import pytest

from coordination import services as coordination_services
from coordination.access import get_visible_plan
from coordination.models import ExperienceInvitation, ExperienceResponse, PlanStatus
from pathways.models import ParticipantKind, Representation
from tests import factories

from .conftest import PHONE, assert_accessible, assert_fits

pytestmark = pytest.mark.browser

DAUGHTER = "Dina Aune"


@pytest.fixture
def astrid(cast):
    """Built before the browser starts: Astrid's active plan (read by Tromsø's KE) and a
    meeting she is invited to."""
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    get_visible_plan(cast.ke_tromso, plan.uuid)  # the KE reads the plan
    factories.discharge_meeting(cast, participants=[
        {"kind": ParticipantKind.PATIENT},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso}])
    return plan, factories.identity_number()


def demo_sign_in(phone, name, settings):
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}
    phone.visit("/me/sign-in/")
    phone.page.get_by_role("button", name=re.compile(name)).first.click()
    phone.page.wait_for_url(re.compile(r"/me/"))


def look(phone, where):
    phone.check(where)
    assert_accessible(phone.page, where)
    assert_fits(phone.page, where)


def test_astrid_reads_her_log_and_gives_and_takes_back_her_daughters_access(
        live_server, cast, astrid, settings, visitor):
    plan, daughter_number = astrid
    phone = visitor(**PHONE)
    page = phone.page
    demo_sign_in(phone, "Astrid Aune", settings)
    page.wait_for_url(re.compile(rf"/me/p/{cast.shared.uuid}/$"))

    page.get_by_role("link", name="Mine rettigheter").first.click()
    page.wait_for_url(re.compile(r"/rights/$"))
    look(phone, "my rights")
    page.get_by_role("link", name=re.compile("^Hvem har lest opplysningene mine")).click()
    page.wait_for_url(re.compile(r"/rights/log/$"))
    look(phone, "the access log")
    assert page.get_by_text("Kåre Tromsø, koordinerende enhet, Tromsø").first.is_visible()
    assert page.locator(".citizen-log__what", has_text="leste planen din").first.is_visible()
    page.get_by_label("Bare andre enn meg").check()
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"others=on"))
    look(phone, "the access log, others only")

    page.get_by_role("link", name="Tilbake til Mine rettigheter").click()
    page.get_by_role("link", name=re.compile("^Hvem kan handle for meg")).click()
    page.wait_for_url(re.compile(r"/rights/representatives/$"))
    look(phone, "who may act for me")
    page.get_by_label("Navn").fill(DAUGHTER)
    page.get_by_label("Fødselsnummeret deres (11 siffer)").fill(daughter_number[:-1] + "0"
                                                                 if daughter_number[-1] != "0"
                                                                 else daughter_number[:-1] + "1")
    page.get_by_label("Møtene mine").check()
    page.get_by_role("button", name="Gi tilgang").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page, "who may act for me, with an error")
    assert not Representation.objects.exists()
    phone.problems.clear()  # the refusal's 422, on purpose
    field = page.get_by_label("Fødselsnummeret deres (11 siffer)")
    field.fill(daughter_number)
    page.get_by_label("Møtene mine").check()
    # The keyboard: from the last box to the button and Enter.
    page.get_by_label("Meldingene mine").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/rights/representatives/$"))
    phone.check("after giving access")
    assert page.get_by_text(f"{DAUGHTER} har nå tilgang.", exact=False).is_visible()
    assert Representation.objects.get().scopes == {"meetings"}
    look(phone, "who may act for me, with the daughter")

    # The daughter, on her own phone: the meetings, not the plan.
    her = visitor(**PHONE)
    demo_sign_in(her, DAUGHTER, settings)
    her.page.goto(f"{her.base}/me/p/{cast.shared.uuid}/")
    nav = her.page.get_by_role("navigation", name="Min side")
    assert nav.get_by_role("link", name=re.compile("^Møter")).is_visible()
    assert nav.get_by_role("link", name="Min plan").count() == 0
    assert her.page.goto(f"{her.base}/me/p/{cast.shared.uuid}/meetings/").status == 200
    assert her.page.goto(f"{her.base}/me/p/{cast.shared.uuid}/plan/").status == 404
    her.problems.clear()

    # Astrid takes it back; the daughter's next click is a 404.
    page.get_by_role("link", name=f"Ta tilbake tilgangen fra {DAUGHTER}").click()
    look(phone, "take back access")
    page.get_by_role("button", name="Ja, ta tilbake tilgangen").click()
    page.wait_for_url(re.compile(r"/rights/representatives/$"))
    assert page.get_by_text(f"{DAUGHTER} har ikke lenger tilgang til siden din.").is_visible()
    assert her.page.goto(f"{her.base}/me/p/{cast.shared.uuid}/meetings/").status == 404
    her.problems.clear()

    # The consents, and what withdrawing one means.
    page.get_by_role("link", name="Tilbake til Mine rettigheter").click()
    page.get_by_role("link", name=re.compile("^Mine samtykker")).click()
    page.wait_for_url(re.compile(r"/rights/consents/$"))
    look(phone, "my consents")
    page.get_by_role("link", name=re.compile("^Trekk tilbake samtykket til")).first.click()
    look(phone, "withdraw a consent")
    assert page.get_by_text("De ser likevel opplysningene dine", exact=False).is_visible()


def test_astrid_answers_the_experience_survey(live_server, cast, astrid, settings, visitor):
    plan, _number = astrid
    coordination_services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    invitation = ExperienceInvitation.objects.get()
    phone = visitor(**PHONE)
    page = phone.page
    demo_sign_in(phone, "Astrid Aune", settings)
    page.wait_for_url(re.compile(rf"/me/p/{cast.shared.uuid}/$"))
    page.get_by_role("link", name="Svar på undersøkelsen").click()
    page.wait_for_url(re.compile(rf"/survey/{invitation.uuid}/$"))
    look(phone, "the survey")
    page.get_by_role("button", name="Send svarene mine").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page, "the survey, nothing answered")
    phone.problems.clear()  # the refusal's 422, on purpose
    overall = page.get_by_role("group", name="Alt i alt er jeg fornøyd med hjelpen jeg fikk.")
    overall.get_by_label("4 – I stor grad").check()
    # The keyboard moves within a radio group with the arrow keys.
    heard = page.get_by_role("group", name=re.compile("^Jeg ble lyttet til"))
    heard.get_by_label("1 – Ikke i det hele tatt").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Send svarene mine").click()
    page.wait_for_url(re.compile(rf"/survey/{invitation.uuid}/$"))
    look(phone, "the survey, answered")
    assert page.get_by_text("Takk!", exact=False).first.is_visible()
    assert ExperienceResponse.objects.get().answers == {"overall": 4, "heard": 3}
