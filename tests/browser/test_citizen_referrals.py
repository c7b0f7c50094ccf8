"""Astrid on her phone (and at a desk), "Referrals": from her overview to the page, where
she reads that she waits for Valnesfjord with a date care must start by, opens the places
she may choose among, and reads why another referral was declined and how to complain.
No axe-core violation, no sideways scrolling."""

import datetime
import re

import pytest
from django.utils import timezone

from referrals import services
from tests.referrals.conftest import referral_world

from .conftest import VIEWPORTS, assert_accessible, assert_fits, ensure_service_levels

pytestmark = pytest.mark.browser


@pytest.fixture
def referred(cast):
    """Built before the browser starts: Tromsø's KE referred Astrid through the RVE, which
    accepted with a right and a start date; a second referral was declined. (A browser test's
    database is emptied after it: the pyramid's levels are made again.)"""
    ensure_service_levels()
    world = referral_world(cast)
    accepted = services.refer(by=cast.ke_tromso, patient=cast.shared,
                              service=world.valnesfjord_rehab, reason="Etter hjerneslag")
    services.accept(accepted, by=world.rve_assessor, has_right=True,
                    care_start_deadline=timezone.localdate() + datetime.timedelta(days=60),
                    expected_start=timezone.localdate() + datetime.timedelta(days=20),
                    allocated_service=world.valnesfjord_rehab)
    declined = services.refer(by=cast.ke_tromso, patient=cast.shared,
                              service=world.skibotn_rehab, reason="Alternativ")
    services.decline(declined, by=world.rve_assessor, has_right=False,
                     reason="Valnesfjord passer bedre")
    return accepted, declined


@VIEWPORTS
def test_astrid_reads_where_she_waits_and_why_one_was_declined(
        live_server, cast, referred, settings, visitor, screen):
    accepted, declined = referred
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}
    astrid = visitor(**screen)
    page = astrid.page
    astrid.visit("/me/sign-in/")
    page.get_by_role("button", name=re.compile("Astrid Aune")).first.click()
    page.wait_for_url(re.compile(rf"/me/p/{cast.shared.uuid}/$"))
    page.locator("#referrals-card").click()
    page.wait_for_url(re.compile(r"/referrals/$"))
    card = page.locator(f"#referral-{accepted.uuid}")
    assert "Du står på ventelisten til Valnesfjord" in card.inner_text()
    assert "HELFO" in card.inner_text()
    page.get_by_text("Du kan velge hvor du vil vente").click()
    choices = page.locator(f"#choices-{accepted.uuid}")
    assert "Skibotn: rehabilitering" in choices.inner_text()
    assert "din plass nå" in choices.inner_text()
    other = page.locator(f"#referral-{declined.uuid}")
    assert "Valnesfjord passer bedre" in other.inner_text()
    assert "Statsforvalteren" in other.inner_text()
    astrid.check("referrals")
    assert_accessible(page, "referrals")
    assert_fits(page, "referrals")
