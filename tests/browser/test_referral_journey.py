"""Issue 15's journey in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on each page:
a GP refers her patient to Valnesfjord through the region's assessment unit (RVE); the RVE's
assessor finds it in the inbox, fills in the rights assessment and accepts it with a start
date within the deadline for necessary care; the GP and the patient's KE are told;
Valnesfjord's waiting list shows the patient; the catalogue's waiting time for Valnesfjord's
service moves from "not known" to a number of days."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from tests.referrals.conftest import referral_world

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser

START_IN = 21  # days from today to the expected start
DEADLINE_IN = 60  # days from today to the date care must start at the latest


@pytest.fixture
def world(cast):
    """Built through the services before the browser starts (see tests/browser/conftest.py):
    the pyramid's levels and the referral reference data (function domains and the stroke
    level rules) come back after another test's flush."""
    ensure_service_levels()
    importlib.import_module("referrals.migrations.0002_domains_and_stroke_rules").seed(apps, None)
    return referral_world(cast)


def seen(visitor, where):
    visitor.check(where)
    assert_accessible(visitor.page, where)
    assert_fits(visitor.page, where)


def valnesfjord_card(page):
    return page.locator("#level-services li.service",
                        has_text="Valnesfjord: rehabilitering etter hjerneslag")


@VIEWPORTS
def test_a_gps_referral_to_valnesfjord_is_assessed_by_the_rve_within_its_deadline(
        live_server, world, visitor, screen):
    today = timezone.localdate()
    patient = world.patient.full_name

    # The catalogue does not know Valnesfjord's waiting time yet: nobody waits there.
    gp = visitor(**screen)
    gp.sign_in("gp", "/services/?level=5.1")
    expect(valnesfjord_card(gp.page).locator(".waiting-time")).to_have_text(
        re.compile(r"ikke kjent"))

    # The GP refers from the patient's page.
    gp.visit(f"/patients/{world.patient.uuid}/")
    section = gp.page.locator("#patient-referrals")
    expect(section).to_contain_text("Ingen henvisning du har tilgang til.")
    seen(gp, "the patient page's referral section")
    section.get_by_role("link", name="Henvis pasienten").click()
    form = gp.page.locator("#referral-form")
    service = form.get_by_label("Tilbud det henvises til")
    option = service.locator("option", has_text="Valnesfjord: rehabilitering")
    expect(option).to_contain_text("vurderes av Regional vurderingsenhet, UNN")
    expect(option).to_contain_text("ventetid ikke kjent")
    seen(gp, "the referral form")
    service.select_option(str(world.valnesfjord_rehab.uuid))
    form.get_by_label("Hva henvisningen gjelder, og hvorfor").fill(
        "Hjerneslag for tre uker siden; trenger intensiv rehabilitering for å komme hjem.")
    form.get_by_role("button", name="Send henvisningen").click()
    gp.page.get_by_text("Henvisningen er sendt til Regional vurderingsenhet, UNN").wait_for()
    expect(gp.page.locator("#referral-status")).to_have_text("Mottatt, venter på vurdering")
    expect(gp.page.locator("#referral-deadline")).to_contain_text("10 arbeidsdager igjen")
    expect(gp.page.locator("#rights-assessment")).to_have_count(0)  # the GP does not decide
    seen(gp, "the referral as sent")

    # The RVE's assessor finds it in the inbox, by deadline.
    rve = visitor(**screen)
    rve.sign_in("rve_assessor", "/referrals/")
    row = rve.page.locator("#awaiting-table tbody tr", has_text=patient)
    expect(row).to_contain_text("10 arbeidsdager igjen")
    seen(rve, "the RVE's inbox")
    row.get_by_role("link", name=patient).click()
    assessment = rve.page.locator("#rights-assessment")
    expect(assessment.get_by_role("heading", name="Rettighetsvurdering")).to_be_visible()
    expect(rve.page.locator("#referral-reason")).to_contain_text("intensiv rehabilitering")
    expect(rve.page.locator("#no-other-referrals")).to_be_visible()
    seen(rve, "the rights assessment form")
    assessment.get_by_label("Alvorlighet").fill("Moderat til alvorlig funksjonsnedsettelse")
    assessment.get_by_label("Forventet nytte").fill("God: ung, motivert, gode prognoser")
    assessment.get_by_label("Ressursbruk").fill("Fire ukers opphold")
    assessment.get_by_role("radio", name="Ja").check()
    deadline = today + datetime.timedelta(days=DEADLINE_IN)
    start = today + datetime.timedelta(days=START_IN)
    assessment.get_by_label("Helsehjelpen skal starte senest").fill(deadline.isoformat())
    assessment.get_by_label("Plass ved").select_option(str(world.valnesfjord_rehab.uuid))
    assessment.get_by_label("Forventet oppstart").fill(start.isoformat())
    assessment.get_by_role("button", name="Innvilg").click()
    rve.page.locator("#referral-flash", has_text="Henvisningen er innvilget").wait_for()
    expect(rve.page.locator("#referral-status")).to_have_text("Innvilget, venter")
    expect(rve.page.locator("#care-start-deadline")).to_contain_text(
        deadline.strftime("%d.%m.%Y"))
    expect(rve.page.locator("#expected-start")).to_contain_text(start.strftime("%d.%m.%Y"))
    assert start <= deadline
    seen(rve, "the accepted referral")

    # Valnesfjord's waiting list shows the patient, with the published waiting time.
    valnesfjord = visitor(**screen)
    valnesfjord.sign_in("valnesfjord_assessor", "/referrals/")
    valnesfjord.page.locator("#waiting-lists").get_by_role(
        "link", name="Valnesfjord: rehabilitering etter hjerneslag").click()
    queue = valnesfjord.page.locator("#waiting-list-table tbody tr")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text(patient)
    expect(valnesfjord.page.locator("#published-waiting-time")).to_contain_text(
        f"Ventetid: {START_IN} dager (beregnet fra ventelisten)")
    seen(valnesfjord, "Valnesfjord's waiting list")

    # The GP and the patient's KE are told, and the notification opens the referral.
    gp.visit("/notifications/")
    told = gp.page.get_by_role("link", name=re.compile(
        "En henvisning er innvilget: Valnesfjord"))
    expect(told).to_have_count(1)
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", "/notifications/")
    told = ke.page.get_by_role("link", name=re.compile(
        "En henvisning er innvilget: Valnesfjord"))
    expect(told).to_have_count(1)
    seen(ke, "the KE's notifications")
    told.click()
    expect(ke.page.get_by_role("heading", level=1)).to_have_text(f"Henvisning: {patient}")
    expect(ke.page.locator("#allocated-service")).to_contain_text("Valnesfjord")
    seen(ke, "the referral as the KE reads it")

    # The catalogue's waiting time moved.
    gp.visit("/services/?level=5.1")
    expect(valnesfjord_card(gp.page).locator(".waiting-time")).to_have_text(
        re.compile(rf"{START_IN} dager \(beregnet fra ventelisten\)"))
    seen(gp, "the catalogue after the acceptance")


@VIEWPORTS
def test_a_gp_maps_the_needs_with_the_patients_goals_first_and_overrides_the_suggestion(
        live_server, world, visitor, screen):
    gp = visitor(**screen)
    gp.sign_in("gp", f"/patients/{world.patient.uuid}/")
    gp.page.get_by_role("button", name="Start kartlegging").click()
    form = gp.page.locator("#assessment-form")
    goals = form.get_by_label("Pasientens egne mål")
    goals.wait_for()
    expect(gp.page.locator("#no-suggestion")).to_be_visible()
    seen(gp, "a new needs assessment")
    goals.fill("Klare meg selv hjemme og gå tur med hunden")
    # The suggestion follows the scores as they are typed (htmx, nothing saved yet).
    form.get_by_label("Barthel-indeks (0–100)").fill("50")
    form.get_by_label("Modifisert Rankin-skala (0–6)").fill("4")
    form.get_by_label("Modifisert Rankin-skala (0–6)").blur()
    expect(gp.page.locator("#suggested-level")).to_contain_text(
        "Nivå 4: Institusjonsrehabilitering i kommunen")
    form.locator("#domain-mobility").get_by_role("combobox").select_option("3")
    form.get_by_role("button", name="Lagre utkastet").click()
    gp.page.locator("#assessment-flash", has_text="Utkastet er lagret.").wait_for()
    expect(gp.page.locator("#suggestion-reason")).to_contain_text("døgnopphold")
    seen(gp, "the saved draft with its suggestion")
    # Another level than suggested, with the reason; both are shown afterwards.
    form.get_by_label("Valgt nivå").select_option("5.1")
    form.get_by_label("Begrunnelse for å velge et annet nivå").fill(
        "Trenger tett medisinsk oppfølging")
    form.get_by_role("button", name="Fullfør kartleggingen").click()
    gp.page.locator("#assessment-flash", has_text="Kartleggingen er fullført.").wait_for()
    expect(gp.page.locator("#suggested-level")).to_contain_text("Nivå 4")
    expect(gp.page.locator("#chosen-level")).to_contain_text("Nivå 5.1")
    expect(gp.page.locator("#override-reason")).to_have_text("Trenger tett medisinsk oppfølging")
    expect(gp.page.locator("#assessment-form")).to_have_count(0)  # read-only now
    seen(gp, "the completed assessment")
    gp.page.get_by_role("link", name="Henvis fra denne kartleggingen").click()
    expect(gp.page.locator("#refer-linked")).to_contain_text("Fra kartleggingen, versjon 1")
    seen(gp, "the referral form from the assessment")
