"""The signed-in user's own notifications over the API: list, unread, read, read all."""

import datetime
import uuid

from django.utils import timezone

from registry.models import Notification, NotificationChannel
from registry.notifications import Message, notify
from tests.factories import admit

from .support import error
from .test_admissions import iso

NOTIFICATIONS = "/api/v1/notifications/"


def tell(*users, kind="early_notification.new", title="Tidligmelding"):
    return notify(users, Message(kind=kind, title=title, url="/patients/x/pathway/",
                                 subject_type="admission", subject_uuid=uuid.uuid4()))


def in_app(user):
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def test_it_lists_only_your_own_in_portal_notifications(cast, api):
    cast.ke_tromso.email = "ke@tromso.example.org"
    cast.ke_tromso.save()
    tell(cast.ke_tromso)
    tell(cast.ke_bodo, kind="other", title="Ikke din")
    response = api(cast.ke_tromso).get(NOTIFICATIONS)
    assert response.status_code == 200
    [row] = response.json()["results"]
    mine = in_app(cast.ke_tromso).get()
    assert (row["uuid"], row["kind"], row["title"], row["link"], row["read_at"]) == (
        str(mine.uuid), "early_notification.new", "Tidligmelding", "/patients/x/pathway/", None)
    assert row["url"].endswith(f"{NOTIFICATIONS}{mine.uuid}/")
    # The e-mail copy is a delivery record, not a second notification.
    assert Notification.objects.filter(recipient=cast.ke_tromso).count() == 2


def test_it_lists_what_the_pathway_services_notified(cast, api):
    from pathways import services

    services.send_early_notification(admit(cast), by=cast.planner)
    rows = api(cast.ke_tromso).get(NOTIFICATIONS).json()["results"]
    assert [r["kind"] for r in rows] == ["early_notification.new"]
    assert rows[0]["patient_uuid"] == str(cast.shared.uuid)


def test_it_filters_unread_and_by_creation_time(cast, api):
    first, second = tell(cast.planner, title="1")[0], tell(cast.planner, title="2")[0]
    Notification.objects.filter(pk=first.pk).update(
        read_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(days=2))
    client = api(cast.planner)
    assert [r["uuid"] for r in client.get(NOTIFICATIONS, {"unread": "true"}).json()[
        "results"]] == [str(second.uuid)]
    assert [r["uuid"] for r in client.get(NOTIFICATIONS, {"unread": "false"}).json()[
        "results"]] == [str(first.uuid)]
    since = iso(timezone.now() - datetime.timedelta(days=1))
    assert [r["uuid"] for r in client.get(NOTIFICATIONS, {"updated_since": since}).json()[
        "results"]] == [str(second.uuid)]
    response = client.get(NOTIFICATIONS, {"updated_since": "last week"})
    assert list(error(response)["fields"]) == ["updated_since"]


def test_it_marks_one_read_and_keeps_the_first_reading_time(cast, api):
    [notification] = tell(cast.planner)
    client = api(cast.planner)
    response = client.post(f"{NOTIFICATIONS}{notification.uuid}/read/")
    assert response.status_code == 200
    first_read = response.json()["read_at"]
    assert first_read is not None
    again = client.post(f"{NOTIFICATIONS}{notification.uuid}/read/")
    assert again.json()["read_at"] == first_read


def test_it_answers_404_for_someone_elses_notification(cast, api):
    [theirs] = tell(cast.ke_bodo)
    client = api(cast.planner)
    assert client.get(f"{NOTIFICATIONS}{theirs.uuid}/").status_code == 404
    response = client.post(f"{NOTIFICATIONS}{theirs.uuid}/read/")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_all_your_own_read_and_counts_the_unread(cast, api):
    tell(cast.planner, title="1")
    tell(cast.planner, title="2")
    tell(cast.ke_tromso)
    client = api(cast.planner)
    assert client.get(f"{NOTIFICATIONS}unread-count/").json() == {"unread": 2}
    response = client.post(f"{NOTIFICATIONS}read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert client.get(f"{NOTIFICATIONS}unread-count/").json() == {"unread": 0}
    assert client.post(f"{NOTIFICATIONS}read-all/").json() == {"marked": 0}
    assert in_app(cast.ke_tromso).get().read_at is None


def test_it_refuses_notifications_to_anonymous_callers(cast, api):
    tell(cast.planner)
    client = api()
    assert client.get(NOTIFICATIONS).status_code == 401
    assert client.get(f"{NOTIFICATIONS}unread-count/").status_code == 401
    assert client.post(f"{NOTIFICATIONS}read-all/").status_code == 401
    assert in_app(cast.planner).get().read_at is None


def test_it_offers_no_way_to_write_or_delete_a_notification(cast, api):
    [notification] = tell(cast.planner)
    client = api(cast.planner)
    assert client.post(NOTIFICATIONS, {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"{NOTIFICATIONS}{notification.uuid}/").status_code == 405
