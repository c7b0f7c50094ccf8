"""Sign-in limits: django-axes locks a user name at one address, RATE_LIMITS["login_failures"]
an address across user names; both answer 429 with Retry-After. Behind the TLS proxy the
address comes from a trusted proxy's X-Forwarded-For only, so nobody locks out someone else."""

import pytest
from django.urls import reverse

from registry.models import AuditEvent

PASSWORD = "correct horse battery"  # tests.factories.user's default
PROXY = "10.0.0.1"
VICTIM, ATTACKER = "203.0.113.5", "198.51.100.7"


def sign_in(client, username, password, **headers):
    return client.post(reverse("login"), {"username": username, "password": password},
                       **headers)


@pytest.fixture
def login_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failures": "4/15min"}


def test_the_lockout_of_a_user_name_says_when_to_retry(client, cast):
    for _ in range(5):
        sign_in(client, "ke_tromso", "wrong password")
    response = sign_in(client, "ke_tromso", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"  # AXES_COOLOFF_MINUTES
    assert "Prøv igjen om 15 minutter" in response.content.decode()


def test_it_blocks_an_address_that_tries_many_user_names(client, cast, login_limit):
    for username in ["ke_tromso", "ke_bodo", "planner", "nobody"]:
        assert sign_in(client, username, "wrong password").status_code == 200
    response = sign_in(client, "coordinator", PASSWORD)  # a fifth name, the right password
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 900
    html = response.content.decode()
    assert "for mange mislykkede innloggingsforsøk fra adressen din" in html
    assert "_auth_user_id" not in client.session
    # another address signs in as usual
    assert sign_in(client, "coordinator", PASSWORD, REMOTE_ADDR="192.0.2.9").status_code == 302


def test_the_admin_sign_in_counts_against_the_same_address_limit(client, cast, login_limit):
    for _ in range(4):
        client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong"})
    assert sign_in(client, "ke_tromso", PASSWORD).status_code == 429


def test_a_forged_forwarded_for_behind_the_proxy_locks_out_only_the_attacker(
        client, cast, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(6):  # the proxy appends the address it saw after the forged one
        sign_in(client, "ke_tromso", "wrong password", REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
    assert sign_in(client, "ke_tromso", PASSWORD, REMOTE_ADDR=PROXY,
                   HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert sign_in(client, "ke_tromso", PASSWORD, REMOTE_ADDR=PROXY,
                   HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302


def test_an_address_limit_behind_the_proxy_does_not_block_everyone_behind_it(
        client, cast, settings, login_limit):
    settings.TRUSTED_PROXIES = [PROXY]
    for username in ["a", "b", "c", "d"]:
        sign_in(client, username, "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert sign_in(client, "ke_bodo", PASSWORD, REMOTE_ADDR=PROXY,
                   HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert sign_in(client, "ke_bodo", PASSWORD, REMOTE_ADDR=PROXY,
                   HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302


def test_without_a_trusted_proxy_forwarded_for_is_ignored(client, cast):
    for n in range(5):  # a different forged address each time: still one address
        sign_in(client, "ke_tromso", "wrong password", REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in(client, "ke_tromso", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429


def test_the_audit_trail_records_the_address_the_trusted_proxy_saw(client, cast, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    client.force_login(cast.ke_tromso)
    client.get(reverse("pathways:patient_detail", args=[cast.shared.uuid]),
               REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
    event = AuditEvent.objects.filter(patient_uuid=cast.shared.uuid).latest("pk")
    assert event.client_address == ATTACKER
