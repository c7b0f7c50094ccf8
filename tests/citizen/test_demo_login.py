"""The demo login: in development (CITIZEN_DEMO_LOGIN) a demo patient or representative is
picked on the sign-in page, without a password; production never offers it, whatever the
environment says."""

import datetime
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY

from pathways.models import Citizen, Representation, RepresentationKind
from registry.models import AuditEvent, User
from tests import factories

from .conftest import synthetic

SIGN_IN, DEMO = "/me/sign-in/", "/me/sign-in/demo/"
ROOT = Path(__file__).resolve().parents[2]
PRINT_DEMO_LOGIN = ("import django; django.setup(); from django.conf import settings; "
                    "print(settings.CITIZEN_DEMO_LOGIN)")


def demo_login_under(settings_module: str, **env) -> str:
    """settings.CITIZEN_DEMO_LOGIN as a fresh process with these settings reads it."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("CITIZEN_DEMO_LOGIN", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", PRINT_DEMO_LOGIN], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env}, timeout=120,
        check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def demo(settings):
    settings.CITIZEN_DEMO_LOGIN = True
    settings.CITIZEN_OIDC_PROVIDERS = {}


@pytest.fixture
def daughter(cast):
    """Astrid's daughter, whom Astrid gave her meetings."""
    return Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=synthetic(datetime.date(1975, 4, 2), 900),
        representative_name="Ingrid Aune", sees_meetings=True)


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get(SESSION_KEY)).first()


def test_the_demo_lists_the_demo_people_and_is_marked_as_such(client, demo, cast, daughter):
    page = client.get(SIGN_IN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Demo-innlogging (bare for utvikling)" in text
    assert "Dette er ikke en ekte innlogging" in text
    for person in (cast.shared, cast.tromso_only, cast.bodo_only):
        assert person.full_name in text
        assert f'value="{person.identity_number}"' in text
    assert "Ingrid Aune" in text and "Representerer Astrid Aune" in text
    assert "Logg inn med ID-porten" not in text  # no provider configured here


def test_a_demo_patient_signs_in(client, demo, cast):
    answer = client.post(DEMO, {"identity_number": cast.shared.identity_number})
    assert answer.status_code == 302 and answer["Location"] == "/me/"
    citizen = Citizen.objects.get(identity_number=cast.shared.identity_number)
    assert signed_in_user(client) == citizen.user
    assert (citizen.user.first_name, citizen.user.last_name) == ("Astrid", "Aune")
    assert citizen.last_assurance_level == "demo"
    assert AuditEvent.objects.filter(object_id=str(citizen.uuid),
                                     detail="signed in: demo demo").count() == 1
    assert client.get("/me/")["Location"] == f"/me/p/{cast.shared.uuid}/"
    assert client.get("/ke/overview/").status_code == 404


def test_a_demo_representative_signs_in_and_comes_back_where_asked(client, demo, daughter):
    wanted = f"/me/p/{daughter.patient.uuid}/"
    answer = client.post(DEMO, {"identity_number": daughter.representative_identity_number,
                                "next": wanted})
    assert answer.status_code == 302 and answer["Location"] == wanted
    user = signed_in_user(client)
    assert user.is_citizen and (user.first_name, user.last_name) == ("Ingrid", "Aune")


def test_only_demo_people_can_be_picked(client, demo, cast):
    stranger = synthetic(datetime.date(1966, 7, 7), 950)  # valid, but nobody in the demo
    for number in (stranger, "12345678901", ""):
        answer = client.post(DEMO, {"identity_number": number})
        assert answer.status_code == 400
        assert "Velg en av demopersonene" in answer.content.decode()
    assert signed_in_user(client) is None and not Citizen.objects.exists()


def test_the_demo_list_reads_the_same_queries_however_many_people(
        client, demo, cast, daughter, django_assert_num_queries):
    with django_assert_num_queries(2, exact=False) as few:
        client.get(SIGN_IN)
    for n in range(5):
        factories.patient(cast.ke_tromso, "Demo", f"Person {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(SIGN_IN)
    assert "Person 4" in page.content.decode()


def test_without_the_setting_there_is_no_demo_login(client, settings, cast):
    settings.CITIZEN_DEMO_LOGIN = False
    answer = client.post(DEMO, {"identity_number": cast.shared.identity_number})
    assert answer.status_code == 404
    assert signed_in_user(client) is None and not Citizen.objects.exists()
    page = client.get(SIGN_IN).content.decode()
    assert "Demo-innlogging" not in page and cast.shared.identity_number not in page


def test_production_refuses_the_demo_login_whatever_the_environment_says():
    assert demo_login_under("rehab_portal.settings.prod", CITIZEN_DEMO_LOGIN="1",
                            SECRET_KEY=secrets.token_urlsafe(64),
                            ALLOWED_HOSTS="rehab.example.no") == "False"


def test_development_offers_the_demo_login():
    assert demo_login_under("rehab_portal.settings.dev") == "True"
