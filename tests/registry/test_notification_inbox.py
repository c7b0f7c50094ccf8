"""Everyone's notifications, the unread badge in the navigation, and the administrators'
list of notifications that could not be delivered."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from registry.models import DeliveryStatus, Notification, NotificationChannel
from registry.notifications import Message, notify
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = "registry:notification_list"

# Queries of the notification list: 1 session, 2 user, 3 count for the paginator,
# 4 the page of notifications, 5 memberships with the unread count (navigation and badge).
LIST_BUDGET = 5
# The badge alone: 1 session, 2 user, 3 the unread count.
BADGE_BUDGET = 3
# The undelivered list: 1 session, 2 user, 3 count, 4 the page with recipients,
# 5 the user's roles with the unread count (navigation).
UNDELIVERED_BUDGET = 5


def tell(user, title="Tidligmelding: en pasient fra kommunen din er innlagt", **fields):
    return notify([user], Message(kind="test", title=title, **{"url": "/patients/", **fields}),
                  channels=[NotificationChannel.IN_APP])[0]


def get(client, name=LIST, htmx=False, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse(name), params, **(HTMX if htmx else {}))


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    for name in (LIST, "registry:notification_badge", "registry:undelivered_notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def test_it_lists_the_users_own_notifications_unread_first(client, cast):
    read = tell(cast.ke_tromso, "Lest varsel")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    tell(cast.ke_tromso, "Nytt varsel")
    tell(cast.ke_bodo, "Bodøs varsel")
    client.force_login(cast.ke_tromso)
    response = get(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert [n.title for n in response.context["page"].object_list] == [
        "Nytt varsel", "Lest varsel"]
    assert "Bodøs varsel" not in html
    assert html.index("Nytt varsel") < html.index("Lest varsel")
    assert 'href="/patients/"' in html


def test_it_makes_links_only_into_the_portal(client, cast):
    tell(cast.ke_tromso, "Utenfor", url="https://example.org/phish")
    Notification.objects.update(url="javascript:alert(1)")
    client.force_login(cast.ke_tromso)
    html = get(client).content.decode()
    assert "javascript:" not in html and "example.org" not in html


def test_the_navigation_shows_the_unread_count_and_polls_for_it(client, cast):
    tell(cast.planner)
    tell(cast.planner)
    client.force_login(cast.planner)
    html = get(client, "registry:home").content.decode()
    badge = re.search(r'<span id="unread-badge"[^>]*>(.*?)</span></span>', html, re.DOTALL)
    assert badge and badge.group(1).startswith("2")
    assert 'hx-get="/notifications/badge/"' in html and 'hx-trigger="every 30s"' in html


def test_the_badge_endpoint_answers_with_the_badge_only(
        client, cast, django_assert_max_num_queries):
    tell(cast.planner)
    client.force_login(cast.planner)
    with django_assert_max_num_queries(BADGE_BUDGET):
        response = get(client, "registry:notification_badge", htmx=True)
    html = response.content.decode().strip()
    assert html.startswith('<span id="unread-badge"') and "<html" not in html
    assert ">1<span" in html and "ulest" in html
    Notification.objects.update(read_at=timezone.now())
    html = get(client, "registry:notification_badge", htmx=True).content.decode()
    assert "badge--empty" in html


def test_the_poll_interval_is_a_setting(client, cast, settings):
    settings.PORTAL_POLL_SECONDS = {"notification_badge": 2}
    client.force_login(cast.planner)
    assert 'hx-trigger="every 2s"' in get(client, "registry:notification_badge").content.decode()


def test_marking_read_updates_the_item_and_the_badge(client, cast):
    first = tell(cast.ke_tromso, "Første")
    tell(cast.ke_tromso, "Andre")
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    response = client.post(reverse("registry:notification_read", args=[first.uuid]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="notification-{first.uuid}"')
    assert "Lest " in html and f'id="read-{first.uuid}"' not in html
    assert re.search(r'<span id="unread-badge"[^>]*hx-swap-oob="true">1<span', html)
    assert 'hx-swap-oob="innerHTML:#announcer">Merket som lest: Første' in html
    first.refresh_from_db()
    assert first.read_at is not None


def test_nobody_marks_someone_elses_notification_read(client, cast):
    theirs = tell(cast.ke_bodo)
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("registry:notification_read", args=[theirs.uuid]), **HTMX)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_all_read(client, cast):
    for _n in range(3):
        tell(cast.ke_tromso)
    other = tell(cast.ke_bodo)
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("registry:notification_read_all"))
    assert response.status_code == 302
    assert not cast.ke_tromso.notifications.unread().exists()
    other.refresh_from_db()
    assert other.read_at is None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    assert "3 varsler er merket som lest." in client.get(response["Location"]).content.decode()


def test_it_answers_htmx_paging_with_the_list_only(client, cast):
    for _n in range(55):
        tell(cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    assert 'rel="next"' in get(client).content.decode()
    partial = get(client, htmx=True, page=2).content.decode()
    assert "<html" not in partial and 'rel="prev"' in partial


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_for_3_notifications_as_for_30(
        client, cast, django_assert_max_num_queries, rows):
    for _n in range(rows):
        tell(cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = get(client)
    assert len(response.context["page"].object_list) == rows


# ---------------------------------------------------------------------------------------
# Undelivered notifications, for administrators


@pytest.fixture
def failures(cast):
    cast.ke_tromso.email = "kare@example.org"
    cast.ke_tromso.save()
    rows = notify([cast.ke_tromso], Message(kind="test", title="Påminnelse"),
                  channels=[NotificationChannel.EMAIL], external_emails=["gp@example.org"])
    Notification.objects.filter(recipient=cast.ke_tromso).update(
        delivery_status=DeliveryStatus.FAILED, attempts=3, last_error="SMTP 451 try later")
    Notification.objects.filter(recipient_email="gp@example.org").update(
        delivery_status=DeliveryStatus.UNDELIVERABLE, attempts=8,
        last_error="SMTP 550 no such user")
    return rows


def test_administrators_see_undelivered_notifications(client, cast, failures):
    admin = factories.user("admin", is_staff=True)
    client.force_login(admin)
    response = get(client, "registry:undelivered_notifications")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SMTP 451 try later" in html and "SMTP 550 no such user" in html
    assert "gp@example.org" in html and "Kåre Tromsø" in html
    assert "Kan ikke leveres" in html and "Mislyktes, prøver igjen" in html
    assert re.search(r'<td class="num">8</td>', html)
    assert reverse("registry:undelivered_notifications") in get(client).content.decode()


def test_others_do_not_see_undelivered_notifications(client, cast, failures):
    client.force_login(cast.ke_tromso)
    assert get(client, "registry:undelivered_notifications").status_code == 403
    assert reverse("registry:undelivered_notifications") not in get(client).content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_undelivered_list_costs_the_same_queries_for_3_as_for_30(
        client, cast, django_assert_max_num_queries, rows):
    users = [factories.user(f"u{n}", cast.tromso, "ke_staff", email=f"u{n}@example.org")
             for n in range(rows)]
    notify(users, Message(kind="test", title="x"), channels=[NotificationChannel.EMAIL])
    Notification.objects.update(delivery_status=DeliveryStatus.FAILED, attempts=1)
    client.force_login(factories.user("admin", is_staff=True))
    with django_assert_max_num_queries(UNDELIVERED_BUDGET):
        response = get(client, "registry:undelivered_notifications")
    assert len(response.context["page"].object_list) == rows
