"""Signing in and out, and the lockout after repeated failures (django-axes)."""

from django.conf import settings
from django.urls import reverse

PASSWORD = "correct horse battery"  # tests.factories.user's default


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_shows_a_login_form_with_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'method="post"' in html
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'autocomplete="current-password"' in html


def test_it_signs_in_with_the_right_password_and_lands_on_the_dashboard(client, cast):
    response = sign_in(client, "ke_tromso", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:home")
    assert client.get(reverse("registry:home")).status_code == 200


def test_it_refuses_a_wrong_password_with_a_message(client, cast):
    response = sign_in(client, "ke_tromso", "wrong password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


def test_it_refuses_the_sixth_attempt_even_with_the_right_password(client, cast):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        sign_in(client, "ke_tromso", "wrong password")

    response = sign_in(client, "ke_tromso", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Innlogging sperret" in html
    assert "5 mislykkede innloggingsforsøk" in html
    assert "Prøv igjen om 15 minutter" in html
    assert client.get(reverse("registry:home")).status_code == 302


def test_it_locks_out_one_user_name_without_locking_out_others(client, cast):
    for _ in range(5):
        sign_in(client, "ke_tromso", "wrong password")
    assert sign_in(client, "ke_bodo", PASSWORD).status_code == 302


def test_it_signs_out_only_by_post(client, cast):
    client.force_login(cast.ke_tromso)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("registry:home")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("registry:home")).status_code == 302
