"""Issue 14's journey in Chromium on a phone (390 x 844), on the demo's own data (seed_demo):
Astrid signs in, adds a goal in her own words, answers her evaluation self-report, accepts
tomorrow's discharge meeting, sends a message, sees that the KE in Tromsø read her plan
yesterday, and gives her daughter Kari access to meetings only. Kari signs in and sees the
meeting but not the plan; Astrid withdraws the access and Kari is out at once. Then the
coordinator, at her desk, sees Astrid's goal as the patient's proposal and her message on the
plan page. Every page of the patient's door passes axe-core with no violation and fits the
phone's width."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from citizen.demo import RELATIVES
from coordination.models import IndividualPlan
from pathways.models import Patient
from registry.demo_credentials import demo_password

from .conftest import DESKTOP, PHONE, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser

GOAL = "Gå til butikken alene innen påske"
MESSAGE = "Kan vi snakke om hjemmetrening før møtet?"


@pytest.fixture
def demo(db, settings):
    """The demo world (built before the browser starts): Astrid, her plan in force and due for
    evaluation, tomorrow's discharge meeting with Astrid and Kari invited, the KE's read of the
    plan yesterday."""
    settings.CITIZEN_DEMO_LOGIN = True
    settings.INDICATORS_DEMO_HISTORY_MONTHS = 0
    ensure_service_levels()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    astrid = Patient.objects.get(given_name="Astrid", family_name="Aune")
    kari = next(r for r in RELATIVES if r.name == "Kari Aune")
    return astrid, kari


def seen(phone, where):
    phone.check(where)
    assert_accessible(phone.page, where)
    assert_fits(phone.page, where)


def demo_sign_in(phone, name):
    phone.visit("/me/sign-in/")
    phone.page.get_by_role("button", name=re.compile(name)).first.click()
    phone.page.wait_for_url(re.compile(r"/me/p/[0-9a-f-]+/$"))


def sign_out(phone):
    phone.page.get_by_role("button", name="Logg ut").click()
    phone.page.wait_for_url(re.compile(r"/me/sign-in/"))


def test_astrid_and_her_daughter_on_their_phones(live_server, demo, visitor):
    astrid, kari = demo
    base = live_server.url
    phone = visitor(**PHONE)
    page = phone.page

    # Astrid signs in (the demo login: ID-porten's flow is test_citizen_sign_in's).
    demo_sign_in(phone, "Astrid Aune")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Astrid")
    seen(phone, "Astrid's overview")

    # A goal in her own words.
    page.get_by_role("navigation", name="Min side").get_by_role("link", name="Min plan").click()
    page.wait_for_url(re.compile(r"/plan/"))
    seen(phone, "her plan")
    page.locator("#add-goal-form").locator("xpath=ancestor::details").locator(
        "summary").click()
    page.locator("#add-goal-form textarea[name=text], #add-goal-form input[name=text]").fill(GOAL)
    page.locator("#add-goal-submit").click()
    expect(page.get_by_text(GOAL).first).to_be_visible()
    seen(phone, "her plan with her new goal")

    # The self-report before the evaluation: the first score of each scale.
    page.goto(f"{base}/me/p/{astrid.uuid}/plan/self-report/")
    seen(phone, "the self-report")
    for scale in page.locator("#self-report-form fieldset.scale").all():
        scale.locator("label.scale__option").nth(6).click()  # 7 of 10
    page.locator("#self-report-submit").click()
    expect(page.locator(".notice, [role=status]").first).to_be_visible()
    phone.check("the self-report sent")

    # Tomorrow's discharge meeting: she accepts.
    page.get_by_role("navigation", name="Min side").get_by_role("link", name="Møter").click()
    seen(phone, "her meetings")
    page.locator("button[id^=accept-]").first.click()
    expect(page.locator("button[id^=accept-][aria-pressed=true]").first).to_be_visible()
    phone.check("the meeting accepted")

    # A message to her coordinator and the KE.
    page.get_by_role("navigation", name="Min side").get_by_role("link", name="Meldinger").click()
    seen(phone, "her messages")
    page.locator("form.citizen-write textarea").first.fill(MESSAGE)
    page.locator("form.citizen-write button[type=submit]").first.click()
    expect(page.get_by_text(MESSAGE).first).to_be_visible()
    phone.check("the message sent")

    # Who has read her data: the KE in Tromsø read her plan yesterday.
    nav = page.get_by_role("navigation", name="Min side")
    nav.get_by_role("link", name="Mine rettigheter").click()
    seen(phone, "her rights")
    page.goto(f"{base}/me/p/{astrid.uuid}/rights/log/")
    seen(phone, "who has read my data")
    page.get_by_label("Bare andre enn meg").check()
    page.get_by_role("button", name="Vis").click()
    seen(phone, "who has read my data, others only")
    with translation.override("nb"):
        day = formats.date_format(timezone.localdate() - datetime.timedelta(days=1),
                                  "DATE_FORMAT")
    read = page.get_by_role("list", name="Hendelser, de nyeste først").get_by_role(
        "listitem").filter(has_text="Tromsø").filter(has_text="leste planen din")
    expect(read.first).to_contain_text(day)

    # Kari gets the meetings, nothing else.
    page.goto(f"{base}/me/p/{astrid.uuid}/rights/representatives/")
    seen(phone, "who may act for me")
    page.locator("input[name=name]").fill(kari.name)
    page.locator("input[name=identity_number]").fill(kari.identity_number)
    page.locator("input[name=sees_meetings]").check()
    page.get_by_role("button", name="Gi tilgang").click()
    expect(page.get_by_text(kari.name).first).to_be_visible()
    seen(phone, "Kari given access to meetings")
    sign_out(phone)

    # Kari signs in on her own phone: the meeting, not the plan.
    daughter = visitor(**PHONE)
    demo_sign_in(daughter, "Kari Aune")
    nav = daughter.page.get_by_role("navigation", name="Min side")
    expect(nav.get_by_role("link", name="Møter")).to_be_visible()
    expect(nav.get_by_role("link", name="Min plan")).to_have_count(0)
    seen(daughter, "Kari's view of Astrid's page")
    nav.get_by_role("link", name="Møter").click()
    expect(daughter.page.locator("article, li").filter(has_text="møterom 5").first).to_be_visible()
    seen(daughter, "Kari sees the meeting")
    response = daughter.page.goto(f"{base}/me/p/{astrid.uuid}/plan/")
    assert response.status == 404
    daughter.problems.clear()  # the 404 is the point

    # Astrid withdraws it; Kari is out at her next click.
    demo_sign_in(phone, "Astrid Aune")
    page.goto(f"{base}/me/p/{astrid.uuid}/rights/representatives/")
    page.get_by_role("link", name=re.compile("Kari Aune")).first.click()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/rights/representatives/"))
    phone.check("the access withdrawn")
    response = daughter.page.goto(f"{base}/me/p/{astrid.uuid}/meetings/")
    assert response.status == 404
    daughter.problems.clear()

    # The coordinator at her desk: Astrid's goal as her proposal, her message on the plan.
    desk = visitor(**DESKTOP)
    plan = IndividualPlan.objects.get(patient=astrid)
    desk.page.goto(f"{base}/accounts/login/?next=/plans/{plan.uuid}/")
    desk.page.get_by_label("Brukernavn").fill("koordinator.tromso")
    desk.page.get_by_label("Passord").fill(demo_password("koordinator.tromso"))
    desk.page.get_by_role("button", name="Logg inn").click()
    desk.page.wait_for_url(re.compile(rf"/plans/{plan.uuid}/$"))
    from_patient = desk.page.locator("section").filter(has_text=GOAL).first
    expect(from_patient).to_be_visible()
    expect(desk.page.get_by_text(MESSAGE).first).to_be_visible()
    desk.check("the coordinator's plan page")
    assert_accessible(desk.page, "the coordinator's plan page")
