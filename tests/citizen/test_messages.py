"""The patient's message thread with the coordinator and the coordinating unit, from the
patient's own page: sending (and what is refused, with nothing written), what the e-mails
and notifications say (never the text), read receipts both ways, the unit's opening hours,
a closed plan's read-only thread, who may read and write, and the audit of every read."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citizen.auth import BACKEND, citizen_user
from coordination import services
from coordination.models import PlanMessage, PlanMessageRead, PlanStatus
from pathways.models import Representation, RepresentationKind
from pathways.services import update_patient
from registry import tasks
from registry.models import (
    AuditAction,
    AuditEvent,
    AuditObjectType,
    Notification,
    NotificationChannel,
)
from tests import factories

TEXT = "Jeg har vondt i hofta etter treningen. Kan fysioterapeuten ringe meg?"


@pytest.fixture
def plan(cast):
    """Astrid's plan in Tromsø, coordinated by Kora; the unit's hours and phone are known,
    and so is Astrid's e-mail address."""
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00",
                                opening_hours="Hverdager 08.00–15.30",
                                email="ke@tromso.example")
    astrid = cast.shared
    update_patient(astrid, by=cast.planner, expected_version=astrid.version,
                   email="astrid@example.org")
    astrid.refresh_from_db()
    for user in (cast.coordinator, cast.ke_tromso):
        user.email = f"{user.username}@tromso.example"
        user.save(update_fields=["email"])
    return factories.individual_plan(cast, factories.coordinator(cast), astrid)


def deliver():
    """Send the queued e-mails, as the worker does."""
    for row in Notification.objects.filter(channel=NotificationChannel.EMAIL,
                                           delivered_at__isnull=True):
        tasks.deliver_notification(row.pk)


def sign_in(client, identity_number, given="Astrid", family="Aune"):
    user = citizen_user(identity_number, given_name=given, family_name=family)
    client.force_login(user, backend=BACKEND)
    return user


def page_url(patient):
    return reverse("citizen:messages", args=[patient.uuid])


def send_url(patient, plan):
    return reverse("citizen:message_send", args=[patient.uuid, plan.uuid])


def daughter(cast, **parts):
    number = factories.identity_number(datetime.date(1979, 8, 30))
    Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune", **parts)
    return number


def test_the_patient_sends_a_message_and_staff_see_it_on_the_plan_page(client, cast, plan):
    sign_in(client, cast.shared.identity_number)
    response = client.post(send_url(cast.shared, plan), {"body": f"  {TEXT}\r\n"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#plan-{plan.uuid}")
    message = PlanMessage.objects.get(plan=plan)
    assert message.body == TEXT and message.from_citizen
    html = client.get(response["Location"]).content.decode()
    assert TEXT in html
    assert "Ikke lest ennå" in html
    # The coordinator sees it on the plan page, from the patient.
    client.force_login(cast.coordinator)
    staff = client.get(reverse("coordination:plan_detail", args=[plan.uuid])).content.decode()
    thread = staff.split('id="plan-messages"')[1]
    assert TEXT in thread
    assert "Astrid Aune" in thread and "(pasienten)" in thread


def test_the_notifications_and_emails_say_only_that_there_is_a_message(client, cast, plan):
    sign_in(client, cast.shared.identity_number)
    client.post(send_url(cast.shared, plan), {"body": TEXT})
    deliver()
    notices = Notification.objects.filter(kind="coordination.plan_message")
    assert {n.recipient for n in notices} == {cast.coordinator, cast.ke_tromso}
    for notice in notices:
        assert notice.title == "Ny melding i individuell plan"
        assert "hofta" not in notice.title + notice.body
        assert notice.url.endswith("#plan-messages")
    sent = [m for m in mail.outbox if m.subject == "Ny melding i individuell plan"]
    assert sorted(m.to[0] for m in sent) == ["coordinator@tromso.example",
                                             "ke_tromso@tromso.example"]
    assert not any("hofta" in m.body or "hofta" in m.subject for m in mail.outbox)
    assert not any("Astrid" in m.subject for m in mail.outbox)


def test_staff_reply_reaches_the_patient_by_a_contentless_email(cast, plan):
    services.send_message(plan, cast.coordinator, "Fysioterapeuten ringer deg i morgen.")
    deliver()
    to_astrid = [m for m in mail.outbox if m.to == ["astrid@example.org"]]
    assert len(to_astrid) == 1
    email = to_astrid[0]
    assert email.subject == "Ny melding på Min side"
    assert "Fysioterapeuten" not in email.body
    assert reverse("citizen:messages", args=[cast.shared.uuid]) in email.body


@pytest.mark.parametrize(("body", "error"), [
    ("   \r\n ", "Skriv en melding før du sender den."),
    ("x" * 4001, "Meldingen er for lang: 4001 tegn, høyst 4000."),
])
def test_an_empty_or_too_long_message_is_a_form_error_with_nothing_written(
        client, cast, plan, body, error):
    sign_in(client, cast.shared.identity_number)
    response = client.post(send_url(cast.shared, plan), {"body": body})
    assert response.status_code == 422
    html = response.content.decode()
    assert error in html
    if body.strip():
        assert body in html  # the text is kept
    assert not PlanMessage.objects.exists()
    assert not Notification.objects.filter(kind="coordination.plan_message").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE,
                                         object_type=AuditObjectType.PLAN_MESSAGE).exists()


def test_read_receipts_both_ways(client, cast, plan):
    astrid = sign_in(client, cast.shared.identity_number)
    client.post(send_url(cast.shared, plan), {"body": "Hei, jeg lurer på noe."})
    services.send_message(plan, cast.coordinator, "Hei Astrid, hva lurer du på?")
    # The coordinator opens the plan: her receipt is on Astrid's message.
    client.force_login(cast.coordinator)
    staff = client.get(reverse("coordination:plan_detail", args=[plan.uuid])).content.decode()
    assert "Ikke lest av pasienten ennå" in staff
    mine = PlanMessage.objects.get(from_citizen=True)
    assert PlanMessageRead.objects.filter(message=mine, reader=cast.coordinator).exists()
    # Astrid opens her page: she sees who read hers, and her receipt is on the reply.
    client.force_login(astrid, backend=BACKEND)
    html = client.get(page_url(cast.shared)).content.decode()
    assert "Lest av Kora Koordinator" in html
    reply = PlanMessage.objects.get(from_citizen=False)
    receipt = PlanMessageRead.objects.get(message=reply)
    assert receipt.reader == astrid and receipt.reader_is_citizen
    client.force_login(cast.ke_tromso)
    staff = client.get(reverse("coordination:plan_detail", args=[plan.uuid])).content.decode()
    assert "Lest av pasienten" in staff.split(f'id="message-{reply.uuid}"')[1]
    # A second look writes no second receipt, and the first time stays.
    client.force_login(astrid, backend=BACKEND)
    client.get(page_url(cast.shared))
    assert PlanMessageRead.objects.filter(message=reply).count() == 1
    assert PlanMessageRead.objects.get(message=reply).read_at == receipt.read_at


def test_every_read_is_audited(client, cast, plan):
    services.send_message(plan, cast.coordinator, "Velkommen")
    astrid = sign_in(client, cast.shared.identity_number)
    client.get(page_url(cast.shared))
    events = AuditEvent.objects.filter(user=astrid, action=AuditAction.VIEW,
                                       object_type=AuditObjectType.PLAN_MESSAGE)
    assert {e.object_id for e in events} == {
        str(plan.uuid), str(PlanMessage.objects.get().uuid)}
    assert {e.patient_uuid for e in events} == {cast.shared.uuid}
    assert {e.via for e in events} == {"citizen"}


def test_the_unit_s_hours_and_phone_are_beside_the_thread(client, cast, plan):
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert "Hverdager 08.00–15.30" in html
    assert 'href="tel:77790000"' in html
    assert "Meldinger leses i åpningstiden. Haster det, ring 77 79 00 00." in html


def test_the_thread_costs_the_same_queries_for_fifty_messages_as_for_one(client, cast, plan):
    services.send_message(plan, cast.coordinator, "Melding 0")
    sign_in(client, cast.shared.identity_number)
    client.get(page_url(cast.shared))
    with CaptureQueriesContext(connection) as one:
        client.get(page_url(cast.shared))
    for n in range(1, 50):
        services.send_message(plan, cast.coordinator, f"Melding {n}")
    client.get(page_url(cast.shared))  # reads them: the receipts are written once
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(page_url(cast.shared))
    assert response.content.decode().count('class="citizen-message ') == 50
    assert len(fifty) == len(one)


def test_the_overview_shows_how_many_are_unread(client, cast, plan):
    services.send_message(plan, cast.coordinator, "Hei")
    services.send_message(plan, cast.ke_tromso, "Hei igjen")
    sign_in(client, cast.shared.identity_number)
    overview = reverse("citizen:overview", args=[cast.shared.uuid])
    assert "2 nye" in client.get(overview).content.decode()
    client.get(page_url(cast.shared))
    assert 'id="unread-messages"' not in client.get(overview).content.decode()


def test_a_closed_plan_is_read_only(client, cast, plan):
    services.send_message(plan, cast.coordinator, "Siste melding")
    factories.activate_plan(cast, plan)
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert "Siste melding" in html
    assert f'id="closed-{plan.uuid}"' in html
    assert f'id="write-{plan.uuid}"' not in html
    response = client.post(send_url(cast.shared, plan), {"body": "Hallo?"})
    assert response.status_code == 409
    assert PlanMessage.objects.count() == 1


def test_a_next_of_kin_given_messages_writes_in_her_own_name(client, cast, plan):
    number = daughter(cast, sees_messages=True)
    sign_in(client, number, "Dina", "Aune")
    client.post(send_url(cast.shared, plan), {"body": "Mamma lurer på transport."})
    message = PlanMessage.objects.get()
    assert message.from_citizen
    client.force_login(cast.coordinator)
    staff = client.get(reverse("coordination:plan_detail", args=[plan.uuid])).content.decode()
    assert "Dina Aune" in staff and "(på vegne av pasienten)" in staff
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(message.uuid),
                                     detail="from the representative: next_of_kin").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_representative_without_messages_gets_404(client, cast, plan, method):
    number = daughter(cast, sees_meetings=True, sees_plan=True)
    sign_in(client, number, "Dina", "Aune")
    url = page_url(cast.shared) if method == "get" else send_url(cast.shared, plan)
    assert getattr(client, method)(url, {"body": "Hei"} if method == "post" else {}
                                   ).status_code == 404
    assert not PlanMessage.objects.exists()


def test_another_patients_plan_is_not_there(client, cast, plan):
    tor = cast.tromso_only
    sign_in(client, tor.identity_number, "Tor", "Tindvik")
    assert client.post(send_url(tor, plan), {"body": "Hei"}).status_code == 404
    assert client.post(send_url(cast.shared, plan), {"body": "Hei"}).status_code == 404
    assert not PlanMessage.objects.exists()


def test_without_a_plan_the_page_says_whom_to_call(client, cast):
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00")
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert 'id="no-plan"' in html
    assert "77 79 00 00" in html
