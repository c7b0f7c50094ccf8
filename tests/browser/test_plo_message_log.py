"""Issue 16 in Chromium at 1366 x 768 and at 390 x 844, with axe-core on each page: Alvdal's
administrator opens the PLO log, filters it to the refused messages, opens the one refused
because St. Olavs had no PLO connection yet (made since) and processes it again; then
chooses PLO for admissions on the channels page. No page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from plo import services
from plo.models import MessageStatus, PloMessage
from registry.models import (
    ChannelChoice,
    ChannelStep,
    Organization,
    OrganizationKind,
    Role,
    StepChannel,
)
from tests import factories
from tests.plo.test_message_log import ADMITTED

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser

OTHER_PATIENT = (ADMITTED.replace(b"<GivenName>Roland</GivenName>", b"<GivenName>Gry</GivenName>")
                 .replace(b"<FamilyName>Gundersen</FamilyName>",
                          b"<FamilyName>Telokk</FamilyName>")
                 .replace(b"1965-07-15", b"1979-05-12").replace(b"15876500288", b"12857900101")
                 .replace(b"b088a160-0698-11e8-b566-0800200c9a66",
                          b"5e0d1c10-fd1f-11e7-8f1a-0800200c9a66"))


@pytest.fixture
def log(cast):
    """Built before the browser starts (see tests/browser/conftest.py): Roland's admission,
    refused (X99) while St. Olavs had no PLO connection; the connection made; Gry's admission,
    processed."""
    ensure_service_levels()
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    alvdal = factories.organization(name="Alvdal", her_id="99387")
    factories.user("admin_alvdal", alvdal, Role.ORG_ADMIN, first_name="Ada",
                   last_name="Administrator")
    refused = services.receive(ADMITTED, transport="folder")
    assert refused.error_code == "X99"
    services.connect(hospital)
    processed = services.receive(OTHER_PATIENT, transport="folder")
    assert processed.status == MessageStatus.PROCESSED, processed.error_text
    return refused


@VIEWPORTS
def test_the_administrator_processes_a_refused_message_again(live_server, log, visitor, screen):
    admin = visitor(**screen)
    admin.sign_in("admin_alvdal", "/plo/messages/")
    page = admin.page
    expect(page.locator("#plo-count")).to_have_text("2 meldinger.")
    expect(page.locator("#plo-messages tbody tr")).to_have_count(2)
    assert_accessible(page, "the PLO message log")
    assert_fits(page, "the PLO message log")

    page.get_by_role("combobox", name="Status").select_option("rejected")
    expect(page.locator("#plo-count")).to_have_text("1 melding.")
    row = page.locator("#plo-messages tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_text("X99")).to_be_visible()
    assert_accessible(page, "the PLO message log, refused messages")
    assert_fits(page, "the PLO message log, refused messages")

    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PLO-melding: LOG_INNLAGT")
    expect(page.locator("#plo-status")).to_have_text("avvist")
    expect(page.locator("#plo-error-code")).to_have_text("X99")
    assert_accessible(page, "a refused PLO message")
    assert_fits(page, "a refused PLO message")

    page.get_by_role("button", name="Behandle på nytt").click()
    expect(page.locator("#plo-flash")).to_contain_text("behandlet og besvart")
    expect(page.locator("#plo-status")).to_have_text("behandlet")
    expect(page.get_by_role("button", name="Behandle på nytt")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("behandlet og besvart")
    assert_accessible(page, "the PLO message, processed again")
    assert_fits(page, "the PLO message, processed again")
    log.refresh_from_db()
    assert log.status == MessageStatus.PROCESSED and log.patient is not None
    assert PloMessage.objects.filter(status=MessageStatus.PROCESSED).count() == 2
    admin.check("the PLO message log")


@pytest.fixture
def alvdal_connected(log):
    """Alvdal connected by PLO too (built before the browser starts)."""
    services.connect(Organization.objects.get(her_id="99387"))


@VIEWPORTS
def test_the_administrator_chooses_plo_for_admissions(live_server, alvdal_connected, visitor,
                                                      screen):
    admin = visitor(**screen)
    admin.sign_in("admin_alvdal", "/plo/messages/")
    page = admin.page
    page.get_by_role("link", name="Velg hvordan organisasjonen din får vite om").click()
    page.get_by_role("heading", name="Slik får organisasjonen din vite om").wait_for()
    assert_accessible(page, "the channels")
    assert_fits(page, "the channels")
    admitted = page.get_by_role("group", name="En pasient er lagt inn")
    admitted.get_by_label("PLO-meldinger til vårt EPJ-system").check()
    page.get_by_role("button", name="Lagre kanalene").click()
    expect(page.get_by_text("Kanalene for Alvdal er lagret.")).to_be_visible()
    expect(page.get_by_role("group", name="En pasient er lagt inn")
           .get_by_label("PLO-meldinger til vårt EPJ-system")).to_be_checked()
    assert ChannelChoice.objects.get(step=ChannelStep.ADMISSION).channel == StepChannel.PLO
    assert not admin.problems, admin.problems
