"""In-app notifications name the patient to a recipient who may see that patient (the name
read through pathways' access check and recorded in the audit log), and to nobody else; an
e-mail never names anyone."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from pathways import services
from registry import tasks
from registry.models import AuditEvent, Notification, NotificationChannel
from registry.notifications import Message, notify
from tests.factories import admit

LIST = "registry:notification_list"
# 1 session, 2 user, 3 count for the paginator, 4 the page, 5 memberships with the unread
# count, 6 the patients the user may see among the page's (with the grounds of each), 7 the
# audit of those named (one INSERT).
NAMED_LIST_BUDGET = 7


def tell(user, patient, title="Tidligmelding: en pasient fra kommunen din er innlagt"):
    return notify([user], Message(kind="test", title=title, url="/inbox/ke/",
                                  patient_uuid=patient.uuid),
                  channels=[NotificationChannel.IN_APP])[0]


def page(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse(LIST)).content.decode()


def name_reads(user, patient):
    return AuditEvent.objects.filter(user_id=user.pk, patient_uuid=patient.uuid,
                                     detail="notifications")


def test_a_recipient_who_may_see_the_patient_reads_the_name_and_the_read_is_audited(
        client, cast):
    services.send_early_notification(admit(cast), by=cast.planner)
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       patient_uuid=cast.shared.uuid).exists()
    html = page(client, cast.ke_tromso)
    assert "Pasient: Astrid Aune" in html
    assert name_reads(cast.ke_tromso, cast.shared).count() == 1


def test_a_recipient_who_may_not_see_the_patient_reads_no_name(client, cast):
    tell(cast.ke_bodo, cast.shared)  # e.g. a colleague since moved: Bodø never saw Astrid
    html = page(client, cast.ke_bodo)
    assert "Tidligmelding: en pasient fra kommunen din er innlagt" in html
    assert "Aune" not in html and "Pasient:" not in html
    assert not name_reads(cast.ke_bodo, cast.shared).exists()


def test_marking_read_shows_the_name_again_behind_the_same_check(client, cast):
    notification = tell(cast.ke_tromso, cast.tromso_only)
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    html = client.post(reverse("registry:notification_read", args=[notification.uuid]),
                       HTTP_HX_REQUEST="true").content.decode()
    assert "Pasient: Tor Tindvik" in html
    assert name_reads(cast.ke_tromso, cast.tromso_only).count() == 1


def test_the_email_of_the_same_notice_names_nobody(cast, django_capture_on_commit_callbacks):
    cast.ke_tromso.email = "kare@tromso.example"
    cast.ke_tromso.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_early_notification(admit(cast), by=cast.planner)
    for row in Notification.objects.filter(channel=NotificationChannel.EMAIL,
                                           delivered_at__isnull=True):
        tasks.deliver_notification(row.pk)
    sent = [m for m in mail.outbox if m.to == ["kare@tromso.example"]]
    assert sent
    for message in sent:
        text = message.subject + message.body + "".join(
            str(content) for _name, content, _type in message.attachments)
        assert "Astrid" not in text and "Aune" not in text
        assert cast.shared.identity_number not in text


@pytest.mark.parametrize("rows", [3, 30])
def test_naming_costs_the_same_queries_for_3_notifications_as_for_30(
        client, cast, django_assert_max_num_queries, rows):
    patients = [cast.shared, cast.tromso_only, cast.bodo_only]
    for n in range(rows):
        tell(cast.ke_tromso, patients[n % 3])
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(NAMED_LIST_BUDGET):
        response = client.get(reverse(LIST))
    named = {n.patient_name for n in response.context["page"].object_list}
    assert named == {"Astrid Aune", "Tor Tindvik", ""}  # Berit Bakken is Bodø's
