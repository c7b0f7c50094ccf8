"""Signing in with ID-porten, end to end against a real OpenID Connect provider started by the
tests (tests/oidc_provider/, django-oauth-toolkit): the portal sends the browser to the
provider, the person signs in on its form, the provider sends them back with a code, and the
portal exchanges it over HTTP and checks the id_token against the provider's keys. Nothing of
the protocol is mocked."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client

from citizen.auth import BACKEND, citizen_user
from citizen.views.common import SESSION_SEEN
from pathways.models import Citizen, Patient
from registry.models import AuditEvent, User

from .conftest import CALLBACK_PATH, HIGH, SUBSTANTIAL, sign_in_at_provider

START = "/me/sign-in/idporten/"


def start(client, **query) -> str:
    """The portal's redirect to the provider's authorization endpoint."""
    answer = client.get(START + ("?" + urlencode(query) if query else ""))
    assert answer.status_code == 302, answer.content[:300]
    return answer["Location"]


def back_at_portal(client, location: str):
    """The browser arriving at the portal's callback with what the provider sent."""
    parts = urlsplit(location)
    assert parts.path == CALLBACK_PATH, location
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, who: str, **query):
    return back_at_portal(client, sign_in_at_provider(start(client, **query),
                                                      provider.people[who]))


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get(SESSION_KEY)).first()


def page_text(answer) -> str:
    return answer.content.decode()


def assert_refused(answer, *words):
    assert answer.status_code == 400, answer.content[:300]
    text = page_text(answer)
    assert "Du ble ikke logget inn" in text
    for word in words:
        assert word in text, (word, text[-2000:])


@pytest.fixture
def patient(cast, idporten):
    """The cast's Astrid, known by the identity number the provider gives its patient."""
    Patient.objects.filter(pk=cast.shared.pk).update(
        identity_number=idporten.people["patient"].pid)
    cast.shared.refresh_from_db()
    return cast.shared


def test_a_patient_signs_in_with_idporten_and_reaches_her_own_page(client, idporten, patient):
    authorize = start(client)
    asked = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(idporten.url + "/authorize/")
    assert asked["response_type"] == ["code"] and asked["code_challenge_method"] == ["S256"]
    assert asked["acr_values"] == [SUBSTANTIAL] and asked["scope"] == ["openid profile"]
    assert asked["state"][0] and asked["nonce"][0] and asked["code_challenge"][0]
    session_before = client.cookies["sessionid"].value

    answer = back_at_portal(client, sign_in_at_provider(authorize, idporten.people["patient"]))

    assert answer.status_code == 302 and answer["Location"] == "/me/"
    citizen = Citizen.objects.get(identity_number=patient.identity_number)
    assert signed_in_user(client) == citizen.user and citizen.user.is_citizen
    assert client.session["_auth_user_backend"] == BACKEND
    assert client.cookies["sessionid"].value != session_before  # a new session key
    assert (citizen.user.first_name, citizen.user.last_name) == ("Sigrid", "Solberg")
    assert citizen.last_assurance_level == SUBSTANTIAL
    assert AuditEvent.objects.filter(object_type="citizen", object_id=str(citizen.uuid),
                                     detail=f"signed in: idporten {SUBSTANTIAL}").count() == 1
    home = client.get("/me/")
    assert home.status_code == 302 and home["Location"] == f"/me/p/{patient.uuid}/"
    overview = client.get(home["Location"])
    assert overview.status_code == 200
    assert client.get("/ke/overview/").status_code == 404  # a citizen on a staff page


def test_a_second_sign_in_finds_the_same_citizen(client, idporten, patient):
    sign_in(client, idporten, "patient")
    client.post("/me/sign-out/")
    assert sign_in(client, idporten, "patient").status_code == 302
    assert Citizen.objects.filter(identity_number=patient.identity_number).count() == 1


def test_without_a_name_from_the_provider_the_patients_name_is_used(client, idporten,
                                                                      settings, patient):
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(scope="openid")}
    assert sign_in(client, idporten, "patient").status_code == 302
    user = signed_in_user(client)
    assert (user.first_name, user.last_name) == ("Astrid", "Aune")


def test_a_registered_redirect_uri_is_used_as_given(client, idporten, settings, db):
    registered = "http://localhost/me/sign-in/idporten/callback/"
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(redirect_uri=registered)}
    assert parse_qs(urlsplit(start(client)).query)["redirect_uri"] == [registered]


def test_the_high_level_is_accepted(client, idporten, db):
    answer = sign_in(client, idporten, "high")
    assert answer.status_code == 302
    citizen = Citizen.objects.get(identity_number=idporten.people["high"].pid)
    assert citizen.last_assurance_level == HIGH and signed_in_user(client) == citizen.user


def test_the_citizen_comes_back_to_the_page_asked_for(client, idporten, patient):
    wanted = f"/me/p/{patient.uuid}/"
    assert sign_in(client, idporten, "patient", next=wanted)["Location"] == wanted


@pytest.mark.parametrize("elsewhere", ["https://evil.example/me/", "//evil.example/me/",
                                       "/ke/overview/", "/me/sign-in/idporten/",
                                       "/me/../admin/"])
def test_a_next_outside_the_citizens_pages_is_ignored(client, idporten, db, elsewhere):
    assert sign_in(client, idporten, "high", next=elsewhere)["Location"] == "/me/"


def test_a_state_that_does_not_match_signs_nobody_in(client, idporten, db):
    location = sign_in_at_provider(start(client), idporten.people["high"])
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    answer = client.get(parts.path, {"code": query["code"][0], "state": "not-the-state"})
    assert_refused(answer, "utløpt")
    assert signed_in_user(client) is None
    assert not Citizen.objects.exists()


def test_a_lower_level_is_refused(client, idporten, db):
    answer = sign_in(client, idporten, "low")
    assert_refused(answer, "høyere sikkerhetsnivå")
    assert signed_in_user(client) is None
    assert not Citizen.objects.exists()


def test_an_identity_number_that_is_not_valid_is_refused_with_the_reason(client, idporten,
                                                                         db):
    users_before = User.objects.count()
    answer = sign_in(client, idporten, "bad_pid")
    assert_refused(answer, "Fødselsnummeret fra ID-porten kunne ikke brukes",
                   "Kontrollsifrene stemmer ikke")
    assert signed_in_user(client) is None
    assert not Citizen.objects.exists() and User.objects.count() == users_before


def test_an_answer_without_the_identity_number_is_refused(client, idporten, db):
    assert_refused(sign_in(client, idporten, "no_pid"), "oppga ikke fødselsnummeret")
    assert signed_in_user(client) is None and not Citizen.objects.exists()


def test_a_code_is_used_once(client, idporten, db):
    authorize = start(client)
    state_key = f"_state_idporten_{parse_qs(urlsplit(authorize).query)['state'][0]}"
    kept = client.session[state_key]  # the state, nonce and PKCE verifier of this sign-in
    location = sign_in_at_provider(authorize, idporten.people["high"])
    assert back_at_portal(client, location).status_code == 302
    # The same answer again, in the same browser: its state is spent.
    assert_refused(back_at_portal(client, location), "utløpt")
    # Replayed with everything the first browser had (state, nonce, verifier): the provider
    # refuses the spent code.
    other = Client()
    session = other.session
    session[state_key] = kept
    session.save()
    assert_refused(back_at_portal(other, location), "ID-porten kunne ikke logge deg inn")
    assert signed_in_user(other) is None


def test_a_cancelled_sign_in_says_so(client, idporten, db):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    answer = client.get(CALLBACK_PATH, {"error": "access_denied", "state": state})
    assert_refused(answer, "Innloggingen ble avbrutt")
    assert signed_in_user(client) is None


def test_the_client_may_authenticate_with_a_post(client, idporten, settings, db):
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(
        token_endpoint_auth_method="client_secret_post")}
    assert sign_in(client, idporten, "high").status_code == 302
    assert signed_in_user(client).is_citizen


def test_a_wrong_client_secret_signs_nobody_in(client, idporten, settings, db):
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(client_secret="wrong")}
    assert_refused(sign_in(client, idporten, "high"))
    assert signed_in_user(client) is None


def test_a_provider_that_does_not_answer_gives_a_plain_page(client, idporten, settings, db):
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(
        metadata_url="http://127.0.0.1:9/.well-known/openid-configuration", timeout_seconds=2)}
    answer = client.get(START)
    assert answer.status_code == 502
    assert "svarer ikke akkurat nå" in page_text(answer)


def test_the_sign_in_page_offers_idporten_only_where_it_is_configured(client, idporten,
                                                                      settings, db):
    page = client.get("/me/sign-in/")
    assert page.status_code == 200 and "Logg inn med ID-porten" in page_text(page)
    assert 'href="/me/sign-in/idporten/"' in page_text(page)
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": idporten.entry(metadata_url="")}
    page = client.get("/me/sign-in/")
    assert "Logg inn med ID-porten" not in page_text(page)
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK_PATH).status_code == 404


def test_sign_out_ends_the_providers_session_too(client, idporten, patient):
    sign_in(client, idporten, "patient")
    id_token = client.session["citizen_id_token"]
    answer = client.post("/me/sign-out/")
    # A page that refreshes to the provider (a redirect after the form would be blocked by
    # the Content-Security-Policy's form-action 'self'), with a link for the rest.
    assert answer.status_code == 200
    delay, url = answer["Refresh"].split("; url=", 1)
    assert delay == "0" and f'href="{url.replace("&", "&amp;")}"' in page_text(answer)
    end_session = urlsplit(url)
    query = parse_qs(end_session.query)
    assert f"http://{end_session.netloc}" == idporten.url and end_session.path == "/logout/"
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/me/sign-in/"]
    assert signed_in_user(client) is None
    assert client.get("/me/")["Location"].startswith("/me/sign-in/")
    # The provider takes the hint and sends the browser back to the sign-in page.
    back = requests.get(url, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"].startswith("http://testserver/me/sign-in/")
    assert "Du er logget ut" in page_text(client.get(back.headers["Location"]))
    assert AuditEvent.objects.filter(object_type="citizen", detail="signed out").count() == 1


def test_sign_out_after_the_demo_login_goes_to_the_sign_in_page(client, settings, cast):
    settings.CITIZEN_DEMO_LOGIN = True
    client.post("/me/sign-in/demo/", {"identity_number": cast.shared.identity_number})
    answer = client.post("/me/sign-out/")
    assert answer.status_code == 302 and answer["Location"] == "/me/sign-in/"
    assert signed_in_user(client) is None
    assert "Du er logget ut" in page_text(client.get("/me/sign-in/"))
    assert "Du er logget ut" not in page_text(client.get("/me/sign-in/"))  # said once


def test_sign_out_is_a_post(client, idporten, patient):
    sign_in(client, idporten, "patient")
    assert client.get("/me/sign-out/").status_code == 405
    assert signed_in_user(client) is not None


def test_a_signed_in_citizen_is_sent_on_from_the_sign_in_page(client, idporten, db):
    sign_in(client, idporten, "high")
    answer = client.get("/me/sign-in/")
    assert answer.status_code == 302 and answer["Location"] == "/me/"
    assert client.get(START)["Location"] == "/me/"


def test_staff_may_sign_in_as_a_citizen_and_lose_their_staff_session(client, idporten, cast):
    client.force_login(cast.ke_tromso)
    assert client.get("/me/sign-in/").status_code == 200
    assert client.get("/me/").status_code == 404  # staff have no citizen pages
    answer = sign_in(client, idporten, "high")
    assert answer.status_code == 302
    assert signed_in_user(client).is_citizen
    assert client.get("/ke/overview/").status_code == 404


def test_an_idle_citizen_is_signed_out(client, idporten, settings, patient):
    sign_in(client, idporten, "patient")
    session = client.session
    session[SESSION_SEEN] -= settings.CITIZEN_SESSION_IDLE_SECONDS + 1
    session.save()
    answer = client.get("/me/")
    assert answer.status_code == 302 and answer["Location"].startswith("/me/sign-in/?next=")
    assert signed_in_user(client) is None


def test_a_citizen_signed_in_by_another_test_helper_works(client, patient):
    """What other tests do to have a signed-in citizen without the provider."""
    client.force_login(citizen_user(patient.identity_number), backend=BACKEND)
    assert client.get("/me/")["Location"] == f"/me/p/{patient.uuid}/"
