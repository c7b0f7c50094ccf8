"""The pathway in two real browsers at once: the ward admits a patient and sends the early
notification; the municipality's KE, with its inbox open, sees it arrive without reloading
and acknowledges it; the ward invites the KE to a discharge meeting, and the KE sees the
invitation arrive too."""

import datetime
import re

import pytest
from django.utils import timezone

from registry.models import Membership
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def flow(cast, settings):
    """Built before the browser starts (see tests/browser/conftest.py). Quick polling, so the
    test waits seconds, not minutes, for what arrives by itself."""
    settings.PORTAL_POLL_SECONDS = {"ke_inbox": 1, "ward_board": 2, "notification_badge": 1}
    Membership.objects.filter(user=cast.planner).update(ward=cast.stroke_unit)
    cast.new_number = factories.identity_number(datetime.date(1961, 5, 17))
    return cast


def signed_in(visitor, username, path):
    person = visitor()
    person.sign_in(username, path)
    person.page.evaluate("window.notReloaded = true")  # survives htmx swaps, not a page load
    return person


def test_a_notice_and_an_invitation_reach_the_ke_without_a_reload(live_server, flow, visitor):
    ke_tromso = signed_in(visitor, "ke_tromso", "/inbox/ke/")
    planner = signed_in(visitor, "planner", "/ward/")
    ke, ward = ke_tromso.page, planner.page
    assert ke.get_by_role("heading", level=1).inner_text() == \
        "Innboks for koordinerende enhet"
    ke.locator("#no-waiting-notices").wait_for()

    # The ward admits a patient new to the portal.
    assert ward.get_by_role("heading", level=1).inner_text() == \
        "Avdelingstavle, UNN Tromsø"
    ward.get_by_role("link", name="Legg inn en pasient").click()
    panel = ward.locator("#board-panel")
    panel.get_by_role("heading", name="Legg inn en pasient").wait_for()
    panel.get_by_label("Fødselsnummer eller D-nummer").fill(flow.new_number)
    panel.get_by_label("Fornavn").fill("Nils")
    panel.get_by_label("Etternavn").fill("Nyvik")
    panel.get_by_label("Bostedskommune").select_option(label="Tromsø")
    panel.get_by_label("Årsak til innleggelse").fill("Hjerneslag")
    panel.get_by_role("button", name="Legg inn", exact=True).click()
    panel.get_by_text("Nils Nyvik er lagt inn på Slag.").wait_for()
    row = ward.locator("#ward-board tr", has_text="Nyvik, Nils")
    row.locator(".countdown").wait_for()
    assert re.fullmatch(r"om 2[34] t( \d+ min)?|om 1 d", row.locator(".countdown")
                        .inner_text())

    # ... and sends the early notification, with what it knows now (the row's menu).
    row.locator("summary").click()
    row.get_by_role("link", name=re.compile("^Skriv tidligmelding")).click()
    panel.get_by_role("heading", name="Tidligmelding").wait_for()
    panel.get_by_label("Forventet forløp").fill("Stabil, mobiliseres med hjelp.")
    panel.get_by_role("button", name="Send til kommunen").click()
    panel.get_by_text("Tidligmelding versjon 1 er sendt til Tromsø.").wait_for()
    row.get_by_text("Sendt, versjon 1").wait_for()

    # The KE's open inbox shows the notice without a reload, and it is acknowledged.
    notice = ke.locator("#notice-rows tr", has_text="Nils Nyvik")
    notice.wait_for()
    assert "Slag" in notice.inner_text()
    notice.get_by_role("button", name=re.compile("^Kvitter")).click()
    lists = ke.locator("#ke-lists")
    notice.get_by_text("Tidligmeldingen for Nils Nyvik (versjon 1) er kvittert.").wait_for()
    assert ke.locator("#announcer").inner_text() == \
        "Tidligmeldingen for Nils Nyvik (versjon 1) er kvittert."
    notice.get_by_text("Kvittert", exact=True).wait_for()
    ke.locator("#count-waiting", has_text="(0)").wait_for()

    # The ward's board shows who acknowledged, by itself too.
    row.get_by_text("Kvittert av Kåre Tromsø").wait_for()

    # The ward schedules a discharge meeting with the KE staff member.
    row.locator("summary").click()
    row.get_by_role("link", name=re.compile("^Planlegg møte")).click()
    panel.get_by_role("heading", name="Planlegg et utskrivingsmøte").wait_for()
    when = timezone.localtime() + datetime.timedelta(days=2)
    panel.locator("#id_scheduled_at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    panel.get_by_label("Sted").fill("Møterom 3, Slagenheten")
    panel.get_by_label("Kåre Tromsø").check()
    panel.get_by_role("button", name="Planlegg og inviter").click()
    panel.get_by_text(re.compile(r"Utskrivingsmøte for Nils Nyvik er planlagt")).wait_for()
    # The count is of the people she invited: the KE has not answered yet.
    row.get_by_text("0 av 1 har takket ja").wait_for()

    # The KE sees the invitation arrive in the inbox, and the unread badge count.
    invitation = ke.locator("#meetings :is(li, tr)", has_text="Nils Nyvik")  # a card or a row
    invitation.wait_for()
    assert "Møterom 3, Slagenheten" in invitation.inner_text()
    ke.locator("#unread-badge", has_text=re.compile(r"^\d+")).wait_for()
    invitation.get_by_role("button", name="Takk ja").click()
    lists.get_by_text(re.compile(r"^Du har takket ja til utskrivingsmøtet")).wait_for()
    row.get_by_text("1 av 1 har takket ja").wait_for()

    assert ke.evaluate("window.notReloaded") is True
    assert ward.evaluate("window.notReloaded") is True
    ke_tromso.check("the KE's inbox")
    planner.check("the ward board")
