"""Saving an inline form of the plan page keeps the user where they were (issue 12, item 2):
the window does not jump, and focus lands on the confirmation next to what was changed
instead of on <body> (static/js/portal.js, "Keeping the user's place")."""

import contextlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError

from coordination import services
from registry.models import Role
from tests import factories

from .conftest import DESKTOP, PHONE, assert_accessible

pytestmark = pytest.mark.browser

# How far the window may move: the form closes and the confirmation appears below it.
MAX_JUMP = 200


@pytest.fixture
def full_plan(cast, pathway):
    """Tromsø's plan for Tor with something in every section, in force, and a second
    coordinator to appoint: every inline form of the page is there, and the page is long."""
    plan = pathway["plan"]
    other = factories.user("coordinator2", cast.tromso, Role.COORDINATOR, first_name="Kari",
                           last_name="Koordinator")
    services.create_coordinator_profile(user=other, organization=cast.tromso, by=cast.ke_tromso)
    by = cast.ke_tromso
    services.update_plan(plan, by=by, expected_version=plan.version,
                         what_matters="Å gå tur med hunden igjen")
    first = services.add_goal(plan, by=by, text="Gå til butikken selv")
    services.add_goal(plan, by=by, text="Gå 500 meter", parent=first)
    services.add_goal(plan, by=by, text="Lage middag selv")
    service = factories.service(cast.tromso, "3", name="Fysioterapi Tromsø")
    for extent in ("To ganger i uka", "Hver dag", "Hver fredag"):
        services.add_measure(plan, by=by, service=service, extent=extent)
    for name in ("Ola Nordmann", "Kari Nordmann"):
        services.add_participant(plan, by=by, kind="next_of_kin", name=name)
    services.record_consent(plan, cast.tromso, "plan", "written", by=by)
    services.record_consent(plan, cast.unn, "information_sharing", "oral", by=by)
    plan.refresh_from_db()
    services.set_status(plan, "active", by=by)
    plan.refresh_from_db()
    return plan


WHERE = """() => {
  const focused = document.activeElement;
  const box = focused.getBoundingClientRect();
  return {y: window.scrollY, focused: focused.tagName.toLowerCase() + "." + focused.className,
          text: focused.textContent.trim(), top: box.top, bottom: box.bottom,
          height: window.innerHeight};
}"""


def save_in_place(page, summary, fill, submit):
    """Open the form under `summary`, fill it (`fill(form)`), press `submit`; the window stays
    (within MAX_JUMP) and focus is on the confirmation, which is on screen. Returns the
    confirmation's text."""
    summary.click()
    form = summary.locator("xpath=..").locator("form")
    fill(form)
    button = form.get_by_role("button", name=submit)
    button.scroll_into_view_if_needed()
    return press_in_place(page, button)


def press_in_place(page, button):
    before = page.evaluate("window.scrollY")
    # A tall form that began above the window closes on saving; its confirmation, where the
    # form began, is then scrolled just into view: the window may move by that much more.
    hidden_above = max(0, -button.evaluate(
        "button => (button.closest('details') || button).getBoundingClientRect().top"))
    page.evaluate("document.getElementById('plan-body').dataset.old = 'yes'")
    button.click()
    page.wait_for_function("() => !document.querySelector('#plan-body[data-old]')")
    # The swap settles, then portal.js moves focus (a failure shows where it went instead).
    with contextlib.suppress(TimeoutError):
        page.wait_for_function("() => document.activeElement !== document.body", timeout=3000)
    where = page.evaluate(WHERE)
    assert abs(where["y"] - before) < MAX_JUMP + hidden_above, (before, hidden_above, where)
    assert where["focused"] == "p.notice notice--success plan-done", where
    assert -1 <= where["top"] and where["bottom"] <= where["height"] + 1, where
    return where["text"]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_inline_form_of_the_plan_keeps_the_place(live_server, cast, full_plan, visitor,
                                                       size):
    ke = visitor(**size)
    path = f"/plans/{full_plan.uuid}/"
    ke.sign_in("ke_tromso", path)
    page = ke.page
    body = page.locator("#plan-body")

    def section(heading):
        return page.locator("section", has=page.get_by_role("heading", level=2, name=heading))

    def summary(where, text):
        return where.locator("summary", has_text=re.compile("^" + re.escape(text))).first

    coordinators = section("Koordinator")
    assert save_in_place(
        page, summary(coordinators, "Bytt koordinator"),
        lambda form: form.get_by_label("Ny koordinator").select_option(index=1),
        "Oppnevn") == "Kari Koordinator er nå planens koordinator."

    words = section("Hva er viktig for deg?")
    assert "lagret" in save_in_place(
        page, summary(words, "Skriv pasientens ord"),
        lambda form: form.locator("textarea").fill("Å gå tur med hunden hver dag"), "Lagre")
    body.locator("#what-matters", has_text="hver dag").wait_for()

    goals = section(re.compile("^Mål"))

    def goal(text):
        return goals.locator("li", has_text=text).first

    assert "oppdatert" in save_in_place(
        page, summary(goal("Gå til butikken selv"), "Måloppnåelse og måldato"),
        lambda form: form.get_by_label("Måloppnåelse").select_option(index=1), "Lagre")
    assert "Delmålet er lagt til." == save_in_place(
        page, summary(goal("Gå til butikken selv"), "Legg til et delmål"),
        lambda form: form.locator("textarea").fill("Gå trappa"), "Legg til delmålet")
    assert "oppdatert" in save_in_place(
        page, summary(goal("Gå 500 meter"), "Måloppnåelse og måldato"),
        lambda form: form.get_by_label("Måloppnåelse").select_option(index=2), "Lagre")
    assert "lagt til" in save_in_place(
        page, summary(goals, "Legg til et mål"),
        lambda form: form.locator("textarea").fill("Sykle igjen"), "Legg til målet")
    goals.locator("q", has_text="Sykle igjen").wait_for()

    measures = section(re.compile("^Tiltak"))
    assert "oppdatert" in save_in_place(
        page, summary(measures.locator("tr", has_text="Hver dag"), "Status og periode"),
        lambda form: form.get_by_label("Status").select_option(index=1), "Lagre")
    assert "lagt til" in save_in_place(
        page, summary(measures, "Legg til et tiltak"),
        lambda form: (form.get_by_label("Tiltak").fill("Turgruppe"),
                      form.get_by_label("Omfang / hyppighet").fill("Hver mandag")),
        "Legg til tiltaket")

    group = section("Ansvarsgruppe")
    assert "fjernet" in press_in_place(
        page, group.get_by_role("button", name=re.compile("Fjern.*Ola Nordmann")))
    assert "lagt til" in save_in_place(
        page, summary(group, "Legg til et medlem"),
        lambda form: form.get_by_label("Navn").fill("Per Hansen"), "Legg til medlemmet")

    consent = section("Samtykke")
    assert "trukket tilbake" in press_in_place(
        page, consent.get_by_role("button", name=re.compile("Trekk tilbake.*UNN")))
    assert "registrert" in save_in_place(
        page, summary(consent, "Registrer samtykke"),
        lambda form: form.get_by_label("Organisasjon").select_option(str(cast.bodo.pk)),
        "Registrer samtykket")

    period = section("Planperiode og evalueringer")
    today = timezone.localdate().isoformat()
    assert "registrert" in save_in_place(
        page, summary(period, "Registrer en evaluering"),
        lambda form: (form.get_by_label("Dato for evalueringen").fill(today),
                      form.get_by_label("Oppsummering").fill("Går bedre")),
        "Registrer evalueringen")
    assert "endret" in save_in_place(
        page, summary(period, "Endre status"),
        lambda form: form.get_by_label("Ny status").select_option(index=0), "Endre status")
    ke.check("the plan after every inline form")
    # The page with a history of every kind of change: axe, and nothing wider than a phone.
    assert_accessible(page, "the plan after every inline form")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["viewport"]["width"]


def test_a_refused_save_focuses_its_error_summary_in_place(live_server, full_plan, visitor):
    ke = visitor(**DESKTOP)
    ke.sign_in("ke_tromso", f"/plans/{full_plan.uuid}/")
    page = ke.page
    goals = page.locator("section", has=page.get_by_role("heading", level=2,
                                                            name=re.compile("^Mål")))
    goals.locator("summary", has_text="Legg til et mål").click()
    goals.get_by_role("button", name="Legg til målet").scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    goals.get_by_role("button", name="Legg til målet").click()  # no text: refused
    page.wait_for_function("() => document.activeElement.matches('.error-summary')")
    where = page.evaluate(WHERE)
    assert abs(where["y"] - before) < MAX_JUMP + 150, (before, where)  # the summary is taller
    assert -1 <= where["top"] and where["bottom"] <= where["height"] + 1, where
    assert page.locator("#goal-form .error-summary").is_visible()
