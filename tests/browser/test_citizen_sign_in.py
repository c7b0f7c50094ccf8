"""A patient signs in on her phone through the (local, real) OpenID Connect provider's login
page, lands on her own page and signs out of both; the sign-in page, with and without the
development demo login, has no axe-core violation at 390 px."""

import re

import pytest

from pathways.models import Patient
from tests.citizen.conftest import idporten, oidc_provider  # noqa: F401 - fixtures

from .conftest import PHONE, assert_accessible, assert_fits

pytestmark = pytest.mark.browser


@pytest.fixture
def astrid(cast, idporten):  # noqa: F811 - the fixture imported above
    """The cast's Astrid, known to the provider by her identity number."""
    Patient.objects.filter(pk=cast.shared.pk).update(
        identity_number=idporten.people["patient"].pid)
    cast.shared.refresh_from_db()
    return cast.shared


def test_a_patient_signs_in_with_idporten_on_her_phone(live_server, astrid, idporten,  # noqa: F811
                                                       visitor):
    phone = visitor(**PHONE)
    page = phone.page
    phone.visit("/me/sign-in/")
    assert_accessible(page, "the sign-in page")
    assert_fits(page, "the sign-in page")
    assert page.get_by_text("Demo-innlogging").count() == 0

    page.get_by_role("link", name="Logg inn med ID-porten").click()
    page.wait_for_url(re.compile(re.escape(idporten.url) + r"/login/\?next="))
    person = idporten.people["patient"]
    page.get_by_label("Fødselsnummer").fill(person.username)
    page.get_by_label("Passord").fill(person.password)
    page.get_by_role("button", name="Logg inn").click()

    page.wait_for_url(f"{live_server.url}/me/p/{astrid.uuid}/")
    phone.check("her own page after signing in")
    assert page.get_by_text("Sigrid Solberg").first.is_visible()  # the name ID-porten gave

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/me/sign-in/\?state="))
    assert page.get_by_text("Du er logget ut.").is_visible()
    phone.check("back from the provider's logout")
    page.goto(f"{live_server.url}/me/p/{astrid.uuid}/")
    assert page.url.startswith(f"{live_server.url}/me/sign-in/?next=")


def test_the_demo_login_is_accessible_and_signs_in(live_server, cast, settings, visitor):
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}
    phone = visitor(**PHONE)
    page = phone.page
    phone.visit("/me/sign-in/")
    assert_accessible(page, "the sign-in page with the demo login")
    assert_fits(page, "the sign-in page with the demo login")
    page.get_by_role("button", name=re.compile("Astrid Aune")).click()
    page.wait_for_url(f"{live_server.url}/me/p/{cast.shared.uuid}/")
    phone.check("Astrid's page after the demo login")
