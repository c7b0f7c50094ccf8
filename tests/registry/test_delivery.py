"""E-mail delivery of notifications (registry.tasks): claimed once, retried with backoff,
undeliverable after the last attempt and then visible to administrators."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from pathways import tasks as pathway_tasks
from pathways.models import Admission
from registry import notifications, tasks
from registry.models import DeliveryStatus, Notification, NotificationChannel
from registry.notifications import Message, notify
from tests import factories

MODULE = __name__
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


class FailingBackend(BaseEmailBackend):
    """An SMTP server that hangs up."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed " + "x" * 400)


class ReentrantBackend(LocmemBackend):
    """While this worker sends, a second worker gets the same notification id."""

    notification_id = None

    def send_messages(self, messages):
        tasks.deliver_notification(ReentrantBackend.notification_id)
        return super().send_messages(messages)


@pytest.fixture
def recipient(db):
    return factories.user("mottaker", email="mottaker@example.org")


@pytest.fixture
def email(recipient, settings):
    settings.PORTAL_BASE_URL = "https://rehab.example.no/"
    rows = notify([recipient], Message(
        kind="discharge_meeting.invitation", title="Invitasjon: utskrivingsmøte",
        body="Møtet er 06.05.2026 13:00.", url="/patients/abc/pathway/",
        attachment_name="invitation.ics", attachment=ICS,
    ))
    assert {n.channel for n in rows} == {"in_app", "email"}
    return next(n for n in rows if n.channel == NotificationChannel.EMAIL)


def reload(notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def make_due(notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_it_sends_the_email_with_an_absolute_link_and_the_invitation(email):
    tasks.deliver_notification(email.pk)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mottaker@example.org"]
    assert sent.subject == "Invitasjon: utskrivingsmøte"
    assert sent.body == ("Møtet er 06.05.2026 13:00.\n\n"
                         "https://rehab.example.no/patients/abc/pathway/")
    assert sent.attachments == [("invitation.ics", ICS, "text/calendar")]
    row = reload(email)
    assert row.delivery_status == DeliveryStatus.DELIVERED
    assert row.delivered_at is not None and row.attempts == 1 and row.last_error == ""
    assert not Notification.objects.undelivered().exists()


def test_a_second_delivery_of_the_same_id_sends_nothing(email):
    tasks.deliver_notification(email.pk)
    tasks.deliver_notification(email.pk)
    assert len(mail.outbox) == 1
    assert reload(email).attempts == 1


def test_a_delivery_that_arrives_while_another_sends_finds_it_claimed(email, settings):
    settings.EMAIL_BACKEND = f"{MODULE}.ReentrantBackend"
    ReentrantBackend.notification_id = email.pk

    tasks.deliver_notification(email.pk)

    assert len(mail.outbox) == 1
    assert reload(email).delivery_status == DeliveryStatus.DELIVERED


def test_a_failure_is_recorded_and_retried_with_growing_waits(email, settings):
    settings.EMAIL_BACKEND = f"{MODULE}.FailingBackend"

    before = timezone.now()
    tasks.deliver_notification(email.pk)
    row = reload(email)
    assert row.delivery_status == DeliveryStatus.FAILED
    assert row.attempts == 1
    assert row.last_error.startswith("SMTPServerDisconnected: Connection unexpectedly closed")
    assert len(row.last_error) <= 200
    wait = row.next_attempt_at - before
    assert datetime.timedelta(seconds=59) < wait < datetime.timedelta(seconds=62)
    assert list(Notification.objects.undelivered()) == [row]  # administrators see it

    tasks.deliver_notification(email.pk)  # not due yet: nothing happens
    assert reload(email).attempts == 1

    make_due(email)
    before = timezone.now()
    tasks.deliver_notification(email.pk)
    row = reload(email)
    assert row.attempts == 2
    wait = row.next_attempt_at - before
    assert datetime.timedelta(seconds=119) < wait < datetime.timedelta(seconds=122)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(email)
    tasks.deliver_notification(email.pk)
    row = reload(email)
    assert (row.delivery_status, row.attempts, row.last_error) == ("delivered", 3, "")
    assert len(mail.outbox) == 1


def test_the_wait_doubles_up_to_a_cap(settings):
    settings.RETRY = {**settings.RETRY, "email": {
        **settings.RETRY["email"], "BACKOFF_BASE_SECONDS": 60, "BACKOFF_MAX_SECONDS": 3600}}
    waits = [tasks.QUEUE.backoff(n).total_seconds() / 60 for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_it_is_undeliverable_after_the_last_attempt(email, settings):
    settings.EMAIL_BACKEND = f"{MODULE}.FailingBackend"
    settings.RETRY = {**settings.RETRY, "email": {**settings.RETRY["email"], "MAX_ATTEMPTS": 4}}

    for attempt in range(1, 5):
        make_due(email)
        tasks.deliver_notification(email.pk)
        assert reload(email).attempts == attempt
    row = reload(email)
    assert row.delivery_status == DeliveryStatus.UNDELIVERABLE
    assert row.next_attempt_at is None
    assert "SMTPServerDisconnected" in row.last_error
    assert list(Notification.objects.undelivered()) == [row]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.deliver_notification(email.pk)
    assert tasks.retry_notifications() == 0
    assert reload(email).attempts == 4 and not mail.outbox


def test_a_deactivated_recipient_gets_no_email(email, recipient):
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    tasks.deliver_notification(email.pk)
    assert not mail.outbox
    assert reload(email).delivery_status == DeliveryStatus.UNDELIVERABLE


def test_the_retry_sweep_queues_due_failures_and_lost_pending_rows(email, recipient,
                                                                    monkeypatch):
    now = timezone.now()
    minutes = datetime.timedelta(minutes=1)

    def row(status, next_attempt_at, **fields):
        return Notification.objects.create(
            recipient=recipient, recipient_email=recipient.email, channel="email", kind="k",
            title="t", delivery_status=status, next_attempt_at=next_attempt_at, **fields)

    failed_due = row("failed", now - minutes, attempts=2)
    row("failed", now + minutes, attempts=1)  # still waiting
    lost = row("pending", now - 10 * minutes)  # its queueing was lost
    row("pending", now - datetime.timedelta(seconds=10))  # just created: its task is on the way
    row("delivered", None, attempts=1)
    row("undeliverable", None, attempts=8)
    worker_lost_on_last = row("pending", now - 10 * minutes, attempts=8)
    queued = []
    monkeypatch.setattr(tasks.deliver_notification, "delay", queued.append)

    assert tasks.retry_notifications(now) == 2
    assert sorted(queued) == sorted([failed_due.pk, lost.pk])
    assert reload(worker_lost_on_last).delivery_status == DeliveryStatus.UNDELIVERABLE

    for notification_id in queued:
        tasks.deliver_notification(notification_id)
    assert len(mail.outbox) == 2


def test_email_is_queued_after_commit_and_a_broker_outage_loses_nothing(
        recipient, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.deliver_notification, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify([recipient], Message(kind="k", title="t"), dedupe="d")
        assert not queued  # not before the commit
    assert queued == [n.pk for n in rows if n.channel == "email"]

    def broker_down(notification_id):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.deliver_notification, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify([recipient], Message(kind="k", title="t2"))
    pending = next(n for n in rows if n.channel == "email")
    assert reload(pending).delivery_status == DeliveryStatus.PENDING
    later = timezone.now() + datetime.timedelta(minutes=10)
    assert pending.pk in tasks.QUEUE.due(later).values_list("pk", flat=True)


def test_a_long_external_address_gets_a_dedupe_key_that_fits(db):
    address = "a" * 180 + "@example.org"
    rows = notify([], Message(kind="k", title="t"), dedupe="sweep:meeting-reminder:" + "u" * 60,
                  external_emails=[address])
    assert len(rows) == 1 and len(rows[0].dedupe_key) <= 200
    assert notify([], Message(kind="k", title="t"), dedupe="sweep:meeting-reminder:" + "u" * 60,
                  external_emails=[address]) == []
    assert notifications.dedupe_key("x", address, "email") != \
        notifications.dedupe_key("x", "b" + address[1:], "email")


def test_a_sweeps_email_names_no_patient_and_no_health_data(cast, settings):
    """A sample from the early-notification sweep, as the e-mail leaves the portal."""
    cast.planner.email = "planner@unn.example"
    cast.planner.save(update_fields=["email"])
    admitted_at = datetime.datetime(2026, 5, 4, 8, 0, tzinfo=datetime.UTC)
    Admission.objects.create(
        patient=cast.shared, hospital=cast.unn,
        ward=factories.ward(cast.unn, "Nevrologisk sengepost"),
        admitted_at=admitted_at, municipality=cast.tromso, reason="Hjerneinfarkt, afasi",
        notification_deadline=admitted_at + datetime.timedelta(hours=24),
    )
    pathway_tasks.remind_missing_early_notifications(admitted_at + datetime.timedelta(hours=25))
    email = Notification.objects.get(channel="email", recipient=cast.planner)

    tasks.deliver_notification(email.pk)

    sent = mail.outbox[0]
    text = f"{sent.subject}\n{sent.body}"
    for secret in (cast.shared.given_name, cast.shared.family_name,
                   cast.shared.identity_number, cast.shared.birth_date.isoformat(),
                   "Hjerneinfarkt", "afasi"):
        assert secret not in text
    assert f"/patients/{cast.shared.uuid}/pathway/" in sent.body
    assert "Nevrologisk sengepost" in sent.body
