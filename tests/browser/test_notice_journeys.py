"""Issue 12, items 4, 7 and 8 in Chromium, at 1366 x 768 and at 390 x 844, with axe-core on
each page and each opened panel: the planner updates an early notification without choosing
what kind of message it is (it goes as a change); the estimated discharge date given at
admission reaches the KE, the organiser of a discharge meeting has accepted it from the start
and the bell names the patient to those who may see them; and the words a user reads, in
bokmål and, for dates in tables, in English."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coordination import services as coordination_services
from pathways import services
from pathways.models import ParticipantKind
from tests import factories
from tests.browser.conftest import VIEWPORTS, assert_accessible, assert_fits
from tests.factories import admit

pytestmark = pytest.mark.browser

# Polls would only race the steps here (and lock SQLite's shared test database): slow them.
QUIET_POLLS = {"ke_inbox": 120, "ward_board": 120, "notification_badge": 120}


def options_of(select) -> list[str]:
    return [text.strip() for text in select.locator("option").all_text_contents()]


def assert_words_read_right(page, where: str):
    """Issue 12, item 8, as a bokmål reader meets it on the page as it is now (open panels,
    menus and each select's options included; text for screen readers counts too): no
    '---------' or blank option, no "Droppet", no "forespørsel" for the plan request, no
    "created" left in English, no "La stå tomt for nå"."""
    assert page.evaluate("document.documentElement.lang") == "nb", where
    text = page.evaluate("document.body.textContent")
    options = page.evaluate("Array.from(document.querySelectorAll('select option'), "
                            "o => [o.closest('select').id, o.textContent.trim()])")
    assert [(select, o) for select, o in options if re.fullmatch(r"[-\s]*", o)] == [], where
    assert "Droppet" not in text, where
    assert "forespørsel" not in text.lower(), where
    assert not re.search(r"\bcreated\b", text, re.IGNORECASE), where
    assert "for nå" not in text, where


def look(page, where: str):
    """What every stop of a journey checks: axe-core, the words, and at 390 px no sideways
    scroll."""
    assert_accessible(page, where)
    assert_words_read_right(page, where)
    assert_fits(page, page.url)


def switch_user(visitor, username: str, path: str):
    """Sign out and in as someone else, in the same browser context."""
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="Logg ut").click()
    visitor.sign_in(username, path)


def upcoming_meeting(page, name: str):
    """The KE inbox's entry for a patient's upcoming discharge meeting (a card or a row)."""
    return page.locator("#meetings li, #meetings tbody tr").filter(has_text=name)


def row_step(row, name: str):
    """A step of a ward board row, from the row's menu."""
    row.locator("summary").click()
    row.get_by_role("link", name=re.compile("^" + re.escape(name))).click()


@pytest.fixture
def sent(cast):
    """Built before the browser starts: Astrid on the planner's ward, notice version 1 sent."""
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    admission = admit(cast)
    services.send_early_notification(admission, by=cast.planner)
    return admission


@VIEWPORTS
def test_an_update_with_nothing_chosen_goes_as_a_change(live_server, sent, visitor, screen):
    planner = visitor(**screen)
    planner.sign_in("planner", "/ward/")
    page = planner.page
    assert_accessible(page, "the ward board")
    assert_fits(page, page.url)
    row = page.locator("#ward-board tr", has_text="Aune, Astrid")
    row.locator("summary").click()
    row.get_by_role("link", name=re.compile("^Send oppdatering")).click()
    panel = page.locator("#board-panel")
    expect(panel.get_by_role("heading", name=re.compile("^Tidligmelding"))).to_be_visible()
    kind = panel.get_by_role("radio", name=re.compile("^Endring"))
    expect(kind).to_be_checked()
    expect(panel.get_by_role("radio", name=re.compile("^Annullering"))).not_to_be_checked()
    expect(panel.get_by_text("Avbryt", exact=True)).to_have_count(1)
    expect(panel.locator("select option", has_text="---------")).to_have_count(0)
    assert_accessible(page, "the notice panel")
    assert_fits(page, page.url)
    panel.get_by_role("button", name="Send til kommunen").click()
    expect(panel.get_by_text(re.compile("Tidligmelding versjon 2 er sendt til"))).to_be_visible()
    assert_accessible(page, "the notice panel, sent")
    assert_fits(page, page.url)
    assert sent.early_notifications.latest("sequence").message_status == "change"
    planner.check("the update")


# --- Item 7: the date, the organiser, the names --------------------------------------------

@pytest.fixture
def ward_and_ke(cast, settings):
    """Built before the browser starts: the planner works on UNN's stroke unit; a patient
    new to the portal is to be admitted, leaving in six days as far as the ward knows."""
    settings.PORTAL_POLL_SECONDS = QUIET_POLLS
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    cast.new_number = factories.identity_number(datetime.date(1961, 5, 17))
    cast.leaving = timezone.localdate() + datetime.timedelta(days=6)
    return cast


@VIEWPORTS
def test_the_ke_sees_the_estimated_date_the_organiser_has_accepted_and_the_bell_names_the_patient(
        live_server, ward_and_ke, visitor, screen):
    leaving = ward_and_ke.leaving.strftime("%d.%m.%Y")
    person = visitor(**screen)  # the planner, then the KE, in one browser context
    person.sign_in("planner", "/ward/")
    page = person.page
    look(page, "the ward board")

    # The ward admits Nils with the date it expects him to leave.
    page.get_by_role("link", name="Legg inn en pasient").click()
    panel = page.locator("#board-panel")
    expect(panel.get_by_role("heading", name="Legg inn en pasient")).to_be_visible()
    assert options_of(panel.get_by_label("Bostedskommune"))[0] == "Velg en kommune"
    look(page, "the admit panel")
    panel.get_by_label("Fødselsnummer eller D-nummer").fill(ward_and_ke.new_number)
    panel.get_by_label("Fornavn").fill("Nils")
    panel.get_by_label("Etternavn").fill("Nyvik")
    panel.get_by_label("Bostedskommune").select_option(label="Tromsø")
    panel.get_by_label("Årsak til innleggelse").fill("Hjerneslag")
    panel.get_by_label("Antatt utskrivningsdato").fill(ward_and_ke.leaving.isoformat())
    panel.get_by_role("button", name="Legg inn", exact=True).click()
    expect(panel.get_by_text("Nils Nyvik er lagt inn på Slag.")).to_be_visible()
    look(page, "the admit panel, admitted")

    # The notice starts from that date; the planner sends it as it is.
    row = page.locator("#ward-board tr", has_text="Nyvik, Nils")
    row_step(row, "Skriv tidligmelding")
    expect(panel.get_by_role("heading", name="Tidligmelding")).to_be_visible()
    expect(panel.get_by_label("Antatt utskrivningsdato")).to_have_value(
        ward_and_ke.leaving.isoformat())
    look(page, "the notice panel")
    panel.get_by_label("Forventet forløp").fill("Stabil, mobiliseres med hjelp.")
    panel.get_by_role("button", name="Send til kommunen").click()
    expect(panel.get_by_text("Tidligmelding versjon 1 er sendt til Tromsø.")).to_be_visible()
    look(page, "the notice panel, sent")

    # She calls a discharge meeting with Tromsø's KE; she is in it from the start.
    row_step(row, "Planlegg møte")
    expect(panel.get_by_role("heading", name="Planlegg et utskrivingsmøte")).to_be_visible()
    expect(panel.get_by_role("checkbox", name="Pia Planlegger")).to_be_checked()
    look(page, "the meeting panel")
    when = timezone.localtime() + datetime.timedelta(days=2)
    panel.locator("#id_scheduled_at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    panel.get_by_label("Sted").fill("Møterom 3, Slagenheten")
    panel.get_by_role("checkbox", name="Kåre Tromsø").check()
    panel.get_by_role("button", name="Planlegg og inviter").click()
    expect(panel.get_by_text(re.compile(
        r"^Utskrivingsmøte for Nils Nyvik er planlagt .*; 1 invitert\.$"))).to_be_visible()
    look(page, "the meeting panel, scheduled")
    # The count is of the people she invited: the KE has not answered yet.
    expect(row).to_contain_text("0 av 1 har takket ja")

    # The meeting's page: the organiser has accepted, with nothing of her own to answer.
    row.locator("a[id^='meeting-page-']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utskrivingsmøte for Nils Nyvik")
    organiser = page.locator("#participants tr", has_text="Pia Planlegger")
    expect(organiser).to_contain_text("(arrangør)")
    expect(organiser).to_contain_text("(deg)")
    expect(organiser.locator("td").last).to_contain_text("Takket ja")
    expect(page.locator("#my-invitation")).to_have_text("Takket ja")
    expect(page.locator("#participants-heading")).to_contain_text("(0 av 1 har takket ja)")
    look(page, "the meeting page (organiser)")

    # Nobody is told of their own meeting: the planner's bell has no invitation.
    page.get_by_role("link", name=re.compile("^Varsler")).click()
    expect(page.get_by_role("heading", level=1, name="Varsler")).to_be_visible()
    expect(page.locator(".notification", has_text="Invitasjon")).to_have_count(0)
    look(page, "the planner's notifications")
    person.check("the ward's side")

    # The KE: the date is in the inbox row and in the whole notice.
    switch_user(person, "ke_tromso", "/inbox/ke/")
    notice = page.locator("#notice-rows > tr", has_text="Nils Nyvik")
    expect(notice).to_contain_text(f"Forventet utskrevet {leaving}")
    expect(notice).not_to_contain_text("ikke kjent ennå")
    look(page, "the KE inbox")
    notice.get_by_text("Hele meldingen").click()
    date = notice.locator(".notice-content dt", has_text="Antatt utskrivningsdato")
    expect(date.locator("xpath=following-sibling::dd")).to_have_text(leaving)
    expect(notice.locator(".notice-content")).not_to_contain_text("Ikke kjent ennå")
    look(page, "the whole notice in the KE inbox")

    # The invitation names the organiser and counts the people she invited.
    invitation = upcoming_meeting(page, "Nils Nyvik")
    expect(invitation).to_contain_text("Pia Planlegger")  # the organiser
    expect(invitation).to_contain_text("0 av 1 har takket ja")
    expect(invitation.locator("strong[id^='invitation-']")).to_have_text("Invitert")

    # The bell: the notice and the invitation, each naming the patient the KE may see.
    expect(page.locator("#unread-badge")).to_have_text(re.compile(r"^\d+"))
    page.get_by_role("link", name=re.compile("^Varsler")).click()
    expect(page.get_by_role("heading", level=1, name="Varsler")).to_be_visible()
    told = page.locator(".notification", has_text="Tidligmelding: en pasient fra kommunen din")
    expect(told.locator(".notification__patient")).to_have_text("Pasient: Nils Nyvik")
    invited = page.locator(".notification", has_text="Invitasjon: utskrivingsmøte")
    expect(invited.locator(".notification__patient")).to_have_text("Pasient: Nils Nyvik")
    look(page, "the KE's notifications")

    # The invitation opens the meeting: the organiser accepted, the KE answers hers.
    invited.get_by_role("link", name=re.compile("^Åpne")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utskrivingsmøte for Nils Nyvik")
    expect(page.locator("#participants tr", has_text="Pia Planlegger")).to_contain_text(
        "Takket ja")
    expect(page.locator("#participants tr", has_text="Kåre Tromsø")).to_contain_text(
        "Invitert")
    look(page, "the meeting page (KE)")
    page.locator("#meeting-accept").click()
    expect(page.locator("#participants-heading")).to_contain_text("(1 av 1 har takket ja)")
    look(page, "the meeting page, accepted")
    person.check("the KE's side")


# --- Item 8: the words, in bokmål and in English ----------------------------------------------

@pytest.fixture
def requested(cast, settings):
    """Built before the browser starts: Astrid admitted at UNN with an estimated date, the
    notice saying she may need an individual plan (a request to Tromsø's KE), Kora a
    coordinator of Tromsø, and a discharge meeting the planner called with the KE."""
    settings.PORTAL_POLL_SECONDS = QUIET_POLLS
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    admission = admit(cast, estimated_discharge_date=timezone.localdate()
                      + datetime.timedelta(days=5))
    services.send_early_notification(admission, by=cast.planner, requests_individual_plan=True,
                                     rehabilitation_need="Opptrening etter hjerneslag")
    coordination_services.create_coordinator_profile(
        user=cast.coordinator, organization=cast.tromso, by=cast.ke_tromso)
    factories.discharge_meeting(cast, admission, participants=[
        {"kind": ParticipantKind.HOSPITAL_STAFF, "user": cast.planner,
         "organization": cast.unn},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso,
         "organization": cast.tromso}])
    return cast


EN_DAY = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
EN_MOMENT = EN_DAY + r", \d{2}:\d{2}"


def assert_one_date_style_in_cells(page, where: str):
    """In English every time in a table cell is '6 Dec 2026, 14:05': no a.m./p.m., no US
    month/day, no time of day without its date in the same style."""
    assert page.evaluate("document.documentElement.lang") == "en", where
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('table td, table th'), c => c.innerText)")
    assert [c for c in cells if re.search(r"\d:\d{2}", c)], (where, cells)
    for cell in cells:
        assert not re.search(r"[ap]\.m\.|\b(noon|midnight)\b|\d{1,2}/\d{1,2}/\d{2,4}", cell,
                             re.IGNORECASE), (where, cell)
        assert len(re.findall(r"\d{1,2}:\d{2}", cell)) == len(re.findall(EN_MOMENT, cell)), \
            (where, cell)
    times = page.evaluate(
        "Array.from(document.querySelectorAll('table time'), t => t.innerText.trim())")
    assert [t for t in times if not re.fullmatch(f"{EN_MOMENT}|{EN_DAY}", t)] == [], \
        (where, times)


@VIEWPORTS
def test_the_ke_reads_one_word_for_each_thing_and_one_date_style_in_english(
        live_server, requested, visitor, screen):
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    notice = page.locator("#notice-rows > tr", has_text="Astrid Aune")
    expect(notice).to_contain_text("Kan trenge individuell plan eller koordinator")
    notice.get_by_text("Hele meldingen").click()
    look(page, "the KE inbox with the whole notice")

    # The request is a "melding om behov" in the overview, its panel and its outcome.
    page.get_by_role("link", name="Individuelle planer").click()
    expect(page.get_by_role("heading", name=re.compile("^Åpne meldinger om behov"))).to_be_visible()
    look(page, "the KE overview")
    request = page.locator("#open-requests tr", has_text="Astrid Aune")
    request.get_by_role("link", name=re.compile("^Innvilg")).click()
    panel = page.locator("#overview-panel")
    expect(panel.get_by_role("heading", name="Innvilg meldingen om behov")).to_be_visible()
    coordinator = panel.get_by_role("combobox", name=re.compile("^Koordinator"))
    assert options_of(coordinator)[0] == "Velg en koordinator"
    look(page, "the accept panel")
    coordinator.select_option(label=next(
        o for o in options_of(coordinator) if o.startswith("Kora Koordinator")))
    panel.get_by_role("button", name="Innvilg og oppnevn").click()
    expect(panel.get_by_text("Meldingen om behov som gjelder Astrid Aune, er innvilget.")
           ).to_be_visible()
    look(page, "the accept panel, accepted")

    # The plan it opened: "Planen er opprettet", goal statuses and selects in bokmål.
    panel.get_by_role("link", name="Åpne den individuelle planen for Astrid Aune").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Individuell plan for Astrid Aune")
    expect(page.locator("#version-1")).to_contain_text("Planen er opprettet")
    look(page, "the plan")
    page.get_by_text("Legg til et mål", exact=True).click()
    page.locator("#goal-form").get_by_role("textbox").first.fill("Gå tur med hunden selv")
    page.get_by_role("button", name="Legg til målet").click()
    goal = page.locator("#goals > li", has_text="Gå tur med hunden selv")
    goal.get_by_text("Måloppnåelse og måldato").click()
    achievement = goal.get_by_role("combobox", name=re.compile("^Måloppnåelse"))
    assert "Frafalt" in options_of(achievement)
    page.get_by_text("Registrer samtykke", exact=True).click()
    consent_to = page.locator("#consent-form").get_by_role(
        "combobox", name=re.compile("^Organisasjon"))
    assert options_of(consent_to)[0] == "Velg en organisasjon"
    page.get_by_text("Legg til et medlem", exact=True).click()
    member_of = page.locator("#participant-form").get_by_role(
        "combobox", name=re.compile("^Organisasjon"))
    assert options_of(member_of)[0] == "Velg en organisasjon (valgfritt)"
    look(page, "the plan with its forms open")

    # In English, a table cell says a moment one way: 6 Dec 2026, 14:05.
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Bytt språk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Individual plan for Astrid Aune")
    assert_accessible(page, "the plan in English")
    page.get_by_role("link", name="KE inbox").click()
    expect(page.locator("#notice-rows > tr", has_text="Astrid Aune")).to_be_visible()
    assert_one_date_style_in_cells(page, "the KE inbox in English")
    assert_accessible(page, "the KE inbox in English")
    assert_fits(page, page.url)
    upcoming_meeting(page, "Astrid Aune").locator("a[id^='meeting-page-']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discharge meeting for Astrid Aune")
    expect(page.locator("#participants tr", has_text="Pia Planlegger")).to_contain_text(
        "Accepted")
    assert_one_date_style_in_cells(page, "the meeting page in English")
    assert_accessible(page, "the meeting page in English")
    assert_fits(page, page.url)
    ke.check("the KE's journey")
