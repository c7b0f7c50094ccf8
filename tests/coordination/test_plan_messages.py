"""The message thread with the patient on the staff's plan page: who sees it, the reply
(and its refusals, with nothing written), receipts written by looking, the audit of them,
a closed plan's read-only thread, and a page that costs the same for fifty messages as for
one."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citizen.auth import citizen_user
from common.exceptions import StateConflict
from coordination import services
from coordination.models import PlanMessage, PlanMessageRead, PlanStatus
from registry.models import AuditAction, AuditEvent, AuditObjectType, Notification
from tests import factories

from .conftest import HTMX, activate, plan_url
from .test_views import PLAN_BUDGET


@pytest.fixture
def plan(cast, kora):
    """Astrid's plan in Tromsø, coordinated by Kora."""
    return factories.individual_plan(cast, kora, cast.shared)


@pytest.fixture
def astrid(cast):
    return citizen_user(cast.shared.identity_number, given_name="Astrid", family_name="Aune")


def page(client, plan):
    return client.get(plan_url(plan)).content.decode()


def thread_of(html):
    return html.split('id="plan-messages"')[1].split("</section>")[0]


@pytest.mark.parametrize("reader", ["coordinator", "ke_tromso"])
def test_the_coordinator_and_the_ke_read_the_thread_and_reply(client, cast, plan, astrid,
                                                             reader):
    services.send_message(plan, astrid, "Når kommer hjelpemidlene?")
    client.force_login(getattr(cast, reader))
    assert "Når kommer hjelpemidlene?" in thread_of(page(client, plan))
    response = client.post(plan_url(plan, "send_plan_message"),
                           {"body": "De kommer på torsdag."}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "De kommer på torsdag." in thread_of(html)
    assert "Meldingen er sendt." in html
    reply = PlanMessage.objects.get(from_citizen=False)
    assert reply.author == getattr(cast, reader)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(reply.uuid),
                                     patient_uuid=cast.shared.uuid,
                                     detail="from the staff").exists()


def test_an_empty_reply_is_a_form_error_with_nothing_written(client, cast, plan):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "send_plan_message"), {"body": "  "}, **HTMX)
    assert response.status_code == 422
    assert "Skriv en melding før du sender den." in response.content.decode()
    assert not PlanMessage.objects.exists()


def test_those_who_see_the_plan_without_taking_part_see_no_messages(client, cast, plan,
                                                                    astrid):
    factories.admit(cast, cast.shared)  # UNN's planner sees Astrid, and so her plan
    assert plan.__class__.objects.visible_to(cast.planner).filter(pk=plan.pk).exists()
    services.send_message(plan, astrid, "Privat til koordinatoren")
    with pytest.raises(PermissionDenied):
        services.send_message(plan, cast.planner, "Hei")
    client.force_login(cast.planner)
    html = page(client, plan)
    assert 'id="plan-messages"' in html
    assert "Privat til koordinatoren" not in html
    assert client.post(plan_url(plan, "send_plan_message"), {"body": "Hei"},
                       **HTMX).status_code == 403
    assert not PlanMessageRead.objects.filter(reader=cast.planner).exists()
    client.force_login(cast.ke_bodo)
    assert client.post(plan_url(plan, "send_plan_message"), {"body": "Hei"},
                       **HTMX).status_code == 404
    assert PlanMessage.objects.count() == 1


def test_looking_at_the_plan_marks_the_patients_messages_read_once_and_audits_it(
        client, cast, plan, astrid):
    first = services.send_message(plan, astrid, "Første")
    second = services.send_message(plan, astrid, "Andre")
    client.force_login(cast.coordinator)
    html = thread_of(page(client, plan))
    assert 'id="thread-new"' in html  # "2 nye"
    assert "2 nye" in html
    receipts = PlanMessageRead.objects.filter(reader=cast.coordinator)
    assert {r.message for r in receipts} == {first, second}
    assert not any(r.reader_is_citizen for r in receipts)
    events = AuditEvent.objects.filter(user=cast.coordinator, action=AuditAction.VIEW,
                                       object_type=AuditObjectType.PLAN_MESSAGE)
    assert {e.object_id for e in events} == {str(first.uuid), str(second.uuid)}
    assert {e.patient_uuid for e in events} == {cast.shared.uuid}
    # Seen: no longer new, no second receipt, no second event.
    assert 'id="thread-new"' not in thread_of(page(client, plan))
    assert receipts.count() == 2
    assert events.count() == 2
    # Another reader has her own receipts; the patient's first reader stays the first.
    client.force_login(cast.ke_tromso)
    page(client, plan)
    assert PlanMessageRead.objects.filter(message=first).count() == 2


def test_a_staff_message_is_not_marked_read_by_staff(client, cast, plan):
    services.send_message(plan, cast.coordinator, "Hei Astrid")
    client.force_login(cast.ke_tromso)
    page(client, plan)
    assert not PlanMessageRead.objects.exists()
    assert services.mark_read(plan, cast.ke_tromso) == 0


def test_a_closed_plan_keeps_its_thread_read_only(client, cast, plan, astrid):
    services.send_message(plan, astrid, "Takk for hjelpen")
    activate(cast, plan)
    plan = services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    html = thread_of(page(client, plan))
    assert "Takk for hjelpen" in html
    assert 'id="thread-closed"' in html
    assert "<form" not in html
    assert client.post(plan_url(plan, "send_plan_message"), {"body": "Ha det"},
                       **HTMX).status_code == 409
    with pytest.raises(StateConflict):
        services.send_message(plan, astrid, "En til")
    assert PlanMessage.objects.count() == 1


def test_the_notification_opens_the_thread_on_the_plan_page(client, cast, plan, astrid):
    services.send_message(plan, astrid, "Hei")
    notice = Notification.objects.filter(kind="coordination.plan_message",
                                         recipient=cast.coordinator).first()
    path, fragment = notice.url.split("#")
    client.force_login(cast.coordinator)
    response = client.get(path)
    assert response.status_code == 200
    assert f'id="{fragment}"' in response.content.decode()


def test_a_staff_message_sends_no_in_app_notice_and_no_mail_without_an_address(cast, plan):
    services.send_message(plan, cast.coordinator, "Hei")
    assert not Notification.objects.filter(kind__startswith="coordination.plan_message").exists()


@pytest.mark.parametrize("reader", ["coordinator", "ke_tromso"])
def test_the_plan_page_costs_the_same_for_fifty_messages_as_for_one(
        client, cast, plan, astrid, reader):
    services.send_message(plan, astrid, "Melding 0")
    client.force_login(getattr(cast, reader))
    page(client, plan)  # reads it
    with CaptureQueriesContext(connection) as one:
        page(client, plan)
    for n in range(1, 50):
        services.send_message(plan, astrid if n % 2 else cast.ke_tromso, f"Melding {n}")
    page(client, plan)
    with CaptureQueriesContext(connection) as fifty:
        html = page(client, plan)
    assert html.count('<li class="timeline__event thread__message') == 50
    assert len(fifty) == len(one) <= PLAN_BUDGET


def test_unread_messages_cost_the_same_whether_one_or_fifty(client, cast, plan, astrid):
    client.force_login(cast.coordinator)
    services.send_message(plan, astrid, "En")
    with CaptureQueriesContext(connection) as one:
        page(client, plan)
    for n in range(50):
        services.send_message(plan, astrid, f"Melding {n}")
    with CaptureQueriesContext(connection) as fifty:
        page(client, plan)
    assert len(fifty) == len(one)
    assert PlanMessageRead.objects.filter(reader=cast.coordinator).count() == 51
