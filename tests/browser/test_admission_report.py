"""The municipality's admission report (innleggelsesrapport) on the pathway page, at a
desktop's and a phone's width: the planner reads it in the timeline, with the offer to refer
the patient above; the KE writes its next version on the form the page opens. No axe-core
violation, no sideways scrolling."""

import pytest
from django.utils import timezone

from pathways import services
from tests.factories import admit

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser

REPORT = ("Årsak til innleggelse: Pasienten har fra kl 10 klaget over sterke smerter i brystet "
          "med utstråling til armene, er klam og kaldsvett; legevakten besluttet innleggelse.\n\n"
          "Legemidler: Burinex 1 mg (2 tabl kl 08 og 13); Triatec 2.5 mg (2 tabl kl 08 og 1 "
          "tabl kl 13)\n\nPårørende: Ole Hansen, Sønn")


@pytest.fixture
def stay(cast):
    """Built before the browser starts: the shared patient admitted, Tromsø's report on it."""
    ensure_service_levels()
    admission = admit(cast, hours_ago=30)
    services.record_admission_report(admission, by=cast.ke_tromso, message_status="new",
                                     summary=REPORT, reported_at=timezone.now(),
                                     responsible="Gunn Omsorg")
    return admission


@VIEWPORTS
def test_the_planner_reads_the_municipalitys_report_in_the_timeline(
        live_server, cast, stay, visitor, screen):
    pathway = f"/patients/{cast.shared.uuid}/pathway/"
    planner = visitor(**screen)
    planner.sign_in("planner", pathway)
    page = planner.page
    event = page.locator(".timeline__event--report")
    event.get_by_text("Innleggelsesrapport versjon 1 fra").wait_for()
    assert "Burinex 1 mg" in event.inner_text() and "Gunn Omsorg" in event.inner_text()
    assert page.locator("#refer-from-admission").is_visible()
    assert_accessible(page, "pathway with an admission report")
    assert_fits(page, "pathway with an admission report")


@VIEWPORTS
def test_the_ke_adds_to_the_report_from_the_pathway_page(live_server, cast, stay, visitor,
                                                          screen):
    """The KE writes version 2, an addition, on the form the pathway page opens; back on the
    page, the timeline shows it."""
    pathway = f"/patients/{cast.shared.uuid}/pathway/"
    ke = visitor(**screen)
    ke.sign_in("ke_tromso", pathway)
    page = ke.page
    page.get_by_role("link", name="Ny versjon av innleggelsesrapporten").click()
    page.get_by_role("heading", name="Innleggelsesrapport").wait_for()
    assert_accessible(page, "the admission report's form")
    assert_fits(page, "the admission report's form")
    ke.check("the admission report's form")
    page.get_by_role("button", name="Send rapporten").click()  # nothing chosen, nothing written
    page.locator(".error-summary").get_by_text("Denne versjonen").wait_for()
    assert ke.problems and all("422" in problem for problem in ke.problems)
    ke.problems.clear()  # the refusal was the point
    page.get_by_label("Et tillegg: denne versjonen legger til i rapporten").check()
    page.get_by_label("Rapporten:", exact=True).fill("Trenger rullator ved utskrivning.")
    page.get_by_role("button", name="Send rapporten").click()
    page.locator("main").get_by_text("Versjon 2 av rapporten er sendt til UNN Tromsø.").wait_for()
    assert page.url.endswith(pathway)
    event = page.locator(".timeline__event--report", has_text="versjon 2")
    assert "Trenger rullator ved utskrivning." in event.inner_text()
    ke.check("the admission report's version 2")
