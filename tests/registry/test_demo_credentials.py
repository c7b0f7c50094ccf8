"""Production refuses the published demo credentials whatever the database holds, `check
--deploy` reports them, and the admin asks for a second factor (django-otp) where OTP_ADMIN
is on."""

import io
import re
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from pathways import demo_data as demo
from registry.api.authentication import digest
from registry.models import ApiKey
from registry.services import create_api_client
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.user's default


@pytest.fixture
def production(settings):
    """Demo data seeded the way a copied staging database or `seed_demo --force` has it,
    under settings that do not allow demo data (as prod.py)."""
    settings.DEMO_DATA_ALLOWED = False
    call_command("seed_demo", force=True, stdout=io.StringIO(), stderr=io.StringIO())
    return settings


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def sign_in_to_admin(client, username, password, **extra):
    return client.post(reverse("admin:login"), {
        "username": username, "password": password, "next": reverse("admin:index"), **extra})


def deploy_check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_it_refuses_the_seeded_demo_api_key_under_production_settings(production):
    response = bearer(demo.API_KEY).get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert ApiKey.objects.filter(prefix=demo.API_KEY_PREFIX, revoked_at__isnull=True).exists()


def test_it_refuses_the_demo_secret_under_another_prefix(cast, settings):
    settings.DEMO_DATA_ALLOWED = False
    client, _key = create_api_client(cast.tromso, "Copied demo key")
    ApiKey.objects.create(client=client, prefix="copied01", digest=digest(demo.API_KEY_SECRET))
    assert bearer(f"rp_copied01_{demo.API_KEY_SECRET}").get("/api/v1/patients/") \
        .status_code == 401


def test_it_accepts_the_demo_key_where_demo_data_is_allowed(settings):
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert bearer(demo.API_KEY).get("/api/v1/patients/").status_code == 200


def test_the_demo_superuser_cannot_sign_in_to_the_admin_under_production_settings(
        production, client):
    response = sign_in_to_admin(client, demo.SUPERUSER, demo.demo_password(demo.SUPERUSER))
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_no_demo_user_signs_in_with_the_published_password_under_production_settings(
        production, client):
    for username in [demo.SUPERUSER, *(row[0] for row in demo.DEMO_USERS)]:
        response = client.post(reverse("login"), {
            "username": username, "password": demo.demo_password(username)})
        assert response.status_code == 200, username
        assert "_auth_user_id" not in client.session, username


def test_it_refuses_any_users_published_demo_password_but_not_their_own(cast, client, settings):
    settings.DEMO_DATA_ALLOWED = False
    cast.ke_tromso.set_password(demo.demo_password("ke_tromso"))
    cast.ke_tromso.save()
    assert client.post(reverse("login"), {
        "username": "ke_tromso", "password": "ke_tromso-demo"}).status_code == 200
    assert client.post(reverse("login"), {
        "username": "planner", "password": PASSWORD}).status_code == 302


def test_check_deploy_reports_demo_credentials_under_production_settings(production):
    ids = deploy_check_ids()
    assert {"pathways.W001", "pathways.W002"} <= ids
    warning = next(m for m in run_checks(include_deployment_checks=True)
                   if m.id == "pathways.W002")
    assert "admin" in warning.msg and "planlegger.unn" in warning.msg


def test_check_deploy_is_quiet_once_the_demo_credentials_are_gone(production):
    ApiKey.objects.filter(prefix=demo.API_KEY_PREFIX).update(revoked_at="2026-01-01T00:00Z")
    from registry.models import User
    for user in User.objects.all():
        user.set_password(f"{user.username} has a long new password")
        user.save()
    assert not deploy_check_ids() & {"pathways.W001", "pathways.W002"}


def test_check_deploy_also_finds_an_administrator_with_a_demo_password(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    factories.user("driftsadmin", password="driftsadmin-demo", is_staff=True)
    assert "pathways.W002" in deploy_check_ids()


# -- The admin's second factor -----------------------------------------------------------------

@pytest.fixture
def staff(db):
    user = factories.user("drift", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def token_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def test_with_otp_admin_a_password_alone_does_not_open_the_admin(staff, client, settings):
    settings.OTP_ADMIN = True
    response = sign_in_to_admin(client, "drift", PASSWORD)
    assert response.status_code == 200
    assert 'name="otp_token"' in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_with_otp_admin_a_wrong_token_does_not_open_the_admin(staff, client, settings):
    settings.OTP_ADMIN = True
    _user, device = staff
    wrong = f"{(int(token_for(device)) + 1) % 10**6:06d}"
    response = sign_in_to_admin(client, "drift", PASSWORD, otp_device=device.persistent_id,
                                otp_token=wrong)
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_with_otp_admin_the_password_and_a_current_token_open_the_admin(staff, client, settings):
    settings.OTP_ADMIN = True
    _user, device = staff
    response = sign_in_to_admin(client, "drift", PASSWORD, otp_device=device.persistent_id,
                                otp_token=token_for(device))
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_otp_admin_a_session_from_the_portal_sign_in_is_not_enough(staff, client, settings):
    settings.OTP_ADMIN = True
    assert client.post(reverse("login"), {"username": "drift", "password": PASSWORD}) \
        .status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_otp_admin_the_password_opens_the_admin(staff, client, settings):
    settings.OTP_ADMIN = False
    assert sign_in_to_admin(client, "drift", PASSWORD).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_add_totp_device_enrols_a_device_whose_tokens_open_the_admin(db, client, settings):
    settings.OTP_ADMIN = True
    factories.user("drift", is_staff=True, is_superuser=True)
    out = io.StringIO()
    call_command("add_totp_device", "drift", stdout=out, stderr=io.StringIO())
    uri = re.search(r"otpauth://\S+", out.getvalue()).group(0)
    assert uri.startswith("otpauth://totp/Rehab%20Portal%3Adrift?")
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user__username="drift")
    assert key == device.bin_key
    response = sign_in_to_admin(client, "drift", PASSWORD, otp_device=device.persistent_id,
                                otp_token=f"{totp(key):06d}")
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
