"""Astrid on her phone: she accepts her discharge meeting with the keyboard, writes what she
wants to talk about, and sends her coordinator a message; the meetings and messages pages
have no axe-core violation at 390 px (also with a form error) and do not scroll sideways."""

import re

import pytest

from coordination.models import PlanMessage
from pathways.models import MeetingParticipant, ParticipantKind, ParticipantStatus
from tests import factories

from .conftest import PHONE, assert_accessible, assert_fits

pytestmark = pytest.mark.browser


@pytest.fixture
def astrids_meeting_and_plan(cast):
    """Built before the browser starts: a meeting in two days with Astrid and Tromsø's KE
    invited, by video too, and Astrid's plan with its unit to reach."""
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00",
                                opening_hours="Hverdager 08.00–15.30")
    meeting = factories.discharge_meeting(
        cast, video_link="https://video.example.org/rom/123", participants=[
            {"kind": ParticipantKind.PATIENT},
            {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso}])
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    return meeting, plan


def sign_in(phone, cast, settings):
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}
    phone.visit("/me/sign-in/")
    phone.page.get_by_role("button", name=re.compile("Astrid Aune")).click()
    phone.page.wait_for_url(re.compile(rf"/me/p/{cast.shared.uuid}/$"))


def test_astrid_accepts_her_meeting_and_writes_to_her_coordinator(
        live_server, cast, astrids_meeting_and_plan, settings, visitor):
    meeting, plan = astrids_meeting_and_plan
    phone = visitor(**PHONE)
    page = phone.page
    sign_in(phone, cast, settings)

    page.get_by_role("link", name=re.compile("^Møter")).first.click()
    page.wait_for_url(re.compile(r"/meetings/$"))
    phone.check("the meetings page")
    assert_accessible(page, "the meetings page")
    assert_fits(page, "the meetings page")
    assert page.get_by_text("Du har ikke svart ennå.").is_visible()

    # The keyboard: to "Jeg kommer" and Enter.
    accept = page.get_by_role("button", name="Jeg kommer", exact=True)
    accept.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"#meeting-{meeting.uuid}$"))
    phone.check("after accepting")
    assert page.get_by_text("Takk. Du har sagt at du kommer på møtet.").is_visible()
    assert MeetingParticipant.objects.get(
        meeting=meeting, kind=ParticipantKind.PATIENT).status == ParticipantStatus.ACCEPTED
    assert page.get_by_role("button", name="Jeg kommer", exact=True).get_attribute(
        "aria-pressed") == "true"

    page.get_by_label("Dette vil jeg snakke om").fill("Hvem hjelper meg med dusjen?")
    page.get_by_role("button", name="Lagre det jeg vil snakke om").click()
    page.wait_for_url(re.compile(rf"#meeting-{meeting.uuid}$"))
    phone.check("after the topics")
    assert page.get_by_text("Lagret.").first.is_visible()
    assert_accessible(page, "the meetings page after answering")

    page.get_by_role("link", name=re.compile("^Meldinger")).first.click()
    page.wait_for_url(re.compile(r"/messages/$"))
    phone.check("the messages page")
    assert_accessible(page, "the messages page")
    assert_fits(page, "the messages page")
    assert page.get_by_text("Meldinger leses i åpningstiden. Haster det, ring 77 79 00 00.",
                            exact=False).is_visible()

    # An empty message: the error is announced and linked to the box.
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector(".error-summary")
    assert phone.problems and all("422" in problem for problem in phone.problems)
    phone.problems.clear()  # the refusal was the point
    assert page.get_by_text("Skriv en melding før du sender den.").first.is_visible()
    assert_accessible(page, "the messages page with an error")
    assert not PlanMessage.objects.exists()

    page.get_by_label("Din melding").fill("Kan fysioterapeuten ringe meg i morgen?")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(re.compile(rf"#plan-{plan.uuid}$"))
    phone.check("after sending")
    assert page.get_by_text("Kan fysioterapeuten ringe meg i morgen?").is_visible()
    assert page.get_by_text("Ikke lest ennå").is_visible()
    assert_accessible(page, "the thread with her message")
    assert_fits(page, "the thread with her message")
    assert PlanMessage.objects.get().from_citizen


@pytest.fixture
def thread_and_topics(cast, astrids_meeting_and_plan):
    """Built before the browser starts: Astrid's message and her topics, for staff to read."""
    from citizen.auth import citizen_user
    from coordination import services

    meeting, plan = astrids_meeting_and_plan
    astrid = citizen_user(cast.shared.identity_number, given_name="Astrid", family_name="Aune")
    services.send_message(plan, astrid, "Kan fysioterapeuten ringe meg?")
    services.send_message(plan, cast.ke_tromso, "Ja, i morgen formiddag.")
    MeetingParticipant.objects.filter(meeting=meeting, kind=ParticipantKind.PATIENT).update(
        topics="Hvem hjelper meg med dusjen?")
    return meeting, plan


def test_the_coordinator_reads_and_answers_the_thread(live_server, cast, thread_and_topics,
                                                      visitor):
    meeting, plan = thread_and_topics
    desk = visitor()
    page = desk.page
    desk.sign_in("coordinator", f"/plans/{plan.uuid}/")
    assert page.locator("#plan-messages").get_by_text("Kan fysioterapeuten ringe meg?").is_visible()
    page.locator("#plan-messages summary").click()
    assert_accessible(page, "the plan page with its thread")
    page.get_by_role("textbox", name="Melding").fill("Hun ringer klokka ti.")
    page.get_by_role("button", name="Send meldingen").click()
    page.wait_for_selector("#plan-messages >> text=Hun ringer klokka ti.")
    desk.check("after the reply")
    assert page.get_by_text("Meldingen er sendt.").first.is_visible()
    assert PlanMessage.objects.filter(from_citizen=False).count() == 2

    desk.visit(f"/meetings/{meeting.uuid}/")
    assert page.locator("#topics").get_by_text("Hvem hjelper meg med dusjen?").is_visible()
    assert_accessible(page, "the meeting page with the patient's topics")
