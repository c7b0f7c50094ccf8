"""Deliveries to real HTTP receivers on 127.0.0.1: after the commit, signed, retried with
backoff while the receiver is down, failed after ten attempts, claimed exactly once."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from pathways import services as pathway_services
from registry.models import ApiScope
from tests.factories import admit
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus

from .conftest import subscriber

S = WebhookDeliveryStatus


def test_it_posts_the_event_to_the_receiver_after_an_admission_through_the_api(
        cast, receiver, queue, django_capture_on_commit_callbacks):
    tromso = subscriber(cast.tromso, receiver.url, name="Gerica Tromsø")
    unn = subscriber(cast.unn, receiver.url, name="DIPS UNN",
                     events=["early_notification.sent"])  # not this event
    with django_capture_on_commit_callbacks(execute=True):
        response = unn.http.post("/api/v1/admissions/", {
            "patient": str(cast.shared.uuid), "ward": "Slag",
            "admitted_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        }, format="json")
    assert response.status_code == 201, response.json()
    assert queue.run() == 1
    [request] = receiver.requests
    event = receiver.events()[0]
    assert request.path == "/hooks/rehab"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-RehabPortal-Event"] == "admission.created"
    assert event["type"] == "admission.created"
    assert event["data"] == {
        "resource": "admission", "uuid": response.json()["uuid"],
        "url": "http://127.0.0.1:8000" + f"/api/v1/admissions/{response.json()['uuid']}/",
        "patient": str(cast.shared.uuid)}
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == tromso.subscription
    assert request.headers["X-RehabPortal-Delivery"] == str(delivery.uuid)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        S.DELIVERED, 1, 204)
    assert str(delivery.event_id) == event["id"]
    # The receiver reads the resource with its own key; its scopes and care relationship apply.
    assert tromso.http.get(event["data"]["url"]).status_code == 200


def test_it_keeps_a_delivery_pending_while_the_receiver_is_down_and_delivers_it_later(
        cast, down_receiver, queue, django_capture_on_commit_callbacks):
    subscriber(cast.tromso, down_receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    before = timezone.now()
    queue.run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (S.PENDING, 1, None)
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error
    assert delivery.next_attempt_at > before + datetime.timedelta(seconds=29)

    # Not due yet: the sweep queues nothing, and a duplicate message does nothing.
    assert tasks.retry_deliveries(now=timezone.now()) == 0
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    down_receiver.start()
    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert tasks.retry_deliveries(now=later) == 1
    queue.run(now=later)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (S.DELIVERED, 2, "")
    assert [e["type"] for e in down_receiver.events()] == ["admission.created"]


def test_it_backs_off_exponentially_and_fails_after_ten_attempts(cast, receiver, queue,
                                                                 django_capture_on_commit_callbacks):
    receiver.status = 503
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    queue.ids.clear()
    delivery = WebhookDelivery.objects.get()
    waits = []
    for _ in range(10):
        now = delivery.next_attempt_at
        tasks.deliver_webhook(delivery.pk, now=now)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append((delivery.next_attempt_at - now).total_seconds())
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (S.FAILED, 10, 503)
    assert delivery.last_error == "HTTP 503" and delivery.next_attempt_at is None
    assert len(receiver.requests) == 10
    expected = [30 * 2 ** n for n in range(9)]
    assert all(base <= wait <= base * 1.1 + 1 for base, wait in zip(expected, waits, strict=True))
    # Nothing more happens by itself: a failed delivery waits for a replay.
    assert tasks.retry_deliveries(now=timezone.now() + datetime.timedelta(days=2)) == 0


def test_it_caps_the_backoff_at_six_hours():
    assert tasks.QUEUE.backoff(30) >= datetime.timedelta(hours=6)
    assert tasks.QUEUE.backoff(30) <= datetime.timedelta(hours=6.6)


def test_it_posts_once_when_two_workers_claim_the_same_delivery(
        cast, receiver, queue, django_capture_on_commit_callbacks):
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    [delivery_id] = queue.ids
    now = timezone.now()
    assert tasks.claim(delivery_id, now) is True
    assert tasks.claim(delivery_id, now) is False  # the second worker finds it taken
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=S.PENDING, attempts=0,
                                                          next_attempt_at=now)
    tasks.deliver_webhook(delivery_id)
    tasks.deliver_webhook(delivery_id)  # the broker delivered the message twice
    queue.run()
    assert len(receiver.requests) == 1


def test_it_retries_an_attempt_whose_worker_died_once_its_lease_is_over(
        cast, receiver, queue, django_capture_on_commit_callbacks):
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    [delivery_id] = queue.ids
    queue.ids.clear()
    now = timezone.now()
    assert tasks.claim(delivery_id, now)  # ... and the worker dies before it POSTs
    lease_left = now + datetime.timedelta(seconds=tasks.QUEUE.setting("LEASE_SECONDS") - 1)
    assert tasks.retry_deliveries(now=lease_left) == 0
    later = now + datetime.timedelta(seconds=tasks.QUEUE.setting("LEASE_SECONDS") + 1)
    assert tasks.retry_deliveries(now=later) == 1
    queue.run(now=later)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (S.DELIVERED, 2)
    assert len(receiver.requests) == 1


def test_it_fails_a_last_attempt_whose_worker_died(cast, receiver, queue,
                                                   django_capture_on_commit_callbacks):
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    now = timezone.now()
    WebhookDelivery.objects.update(status=S.DELIVERING, attempts=tasks.QUEUE.max_attempts,
                                   next_attempt_at=now)
    tasks.retry_deliveries(now=now + datetime.timedelta(seconds=1))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == S.FAILED
    assert "worker lost" in delivery.last_error


def test_it_sends_nothing_when_the_change_rolls_back(cast, receiver, queue,
                                                    django_capture_on_commit_callbacks):
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            admit(cast, hours_ago=1)
            assert WebhookDelivery.objects.count() == 1  # written in the same transaction
            raise RuntimeError("something later in the request failed")
    assert WebhookDelivery.objects.count() == 0
    assert queue.ids == [] and callbacks == []
    assert tasks.retry_deliveries(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    assert receiver.requests == []


def test_it_loses_nothing_when_the_broker_is_down_at_commit(cast, receiver, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    def broker_down(delivery_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)  # the admission commits; queueing fails quietly
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (S.PENDING, 0)
    queued = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", queued.append)
    # A fresh delivery's own task goes first; the sweep takes it after the grace.
    assert tasks.retry_deliveries(now=timezone.now()) == 0
    grace = tasks.QUEUE.setting("FRESH_GRACE_SECONDS")
    later = timezone.now() + datetime.timedelta(seconds=grace + 1)
    assert tasks.retry_deliveries(now=later) == 1
    tasks.deliver_webhook(queued[0], now=later)
    delivery.refresh_from_db()
    assert delivery.status == S.DELIVERED and len(receiver.requests) == 1


def test_it_holds_deliveries_of_a_paused_subscription_until_it_resumes(
        cast, receiver, queue, django_capture_on_commit_callbacks):
    tromso = subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    tromso.subscription.active = False
    tromso.subscription.save()
    queue.run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, receiver.requests) == (S.PENDING, 0, [])
    tromso.subscription.active = True
    tromso.subscription.save()
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert tasks.retry_deliveries(now=later) == 1
    queue.run(now=later)
    delivery.refresh_from_db()
    assert delivery.status == S.DELIVERED


def test_it_does_not_follow_redirects(cast, receiver, queue, django_capture_on_commit_callbacks):
    receiver.status = 307
    subscriber(cast.tromso, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    queue.run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (S.PENDING, 307)


# --- who receives --------------------------------------------------------------------------------

def test_it_sends_only_to_clients_that_may_read_the_pathway_of_a_patient_in_their_care(
        cast, receiver, queue, django_capture_on_commit_callbacks):
    allowed = subscriber(cast.tromso, receiver.url, name="Gerica Tromsø")
    no_scope = subscriber(cast.tromso, receiver.url, name="Tromsø, no pathways:read",
                          scopes=[ApiScope.PATIENTS_READ, ApiScope.WEBHOOKS_WRITE])
    outsider = subscriber(cast.bodo, receiver.url, name="Bodø")  # no care relationship
    paused = subscriber(cast.tromso, receiver.url, name="Paused", active=False)
    other_events = subscriber(cast.tromso, receiver.url, name="Plans only",
                              events=["individual_plan.updated"])
    inactive_client = subscriber(cast.tromso, receiver.url, name="Retired")
    inactive_client.client.active = False
    inactive_client.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    receivers = set(WebhookDelivery.objects.values_list("subscription", flat=True))
    assert receivers == {allowed.subscription.pk}
    assert {no_scope.subscription.pk, outsider.subscription.pk, paused.subscription.pk,
            other_events.subscription.pk, inactive_client.subscription.pk}.isdisjoint(receivers)


def test_it_emits_each_pathway_and_plan_event_at_its_service(cast, receiver):
    from coordination import services as coordination_services
    from tests.coordination.conftest import make_plan

    tromso = subscriber(cast.tromso, receiver.url)
    admission = admit(cast, hours_ago=1)
    notice = pathway_services.send_early_notification(admission, by=cast.planner)
    pathway_services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    declaration = pathway_services.declare_ready_for_discharge(admission, by=cast.planner,
                                                               physician="Dr. Lege")
    pathway_services.answer_ready_for_discharge(declaration, by=cast.ke_tromso,
                                                kind="can_receive",
                                                receive_on=timezone.localdate())
    meeting = pathway_services.schedule_discharge_meeting(
        admission, by=cast.planner, scheduled_at=timezone.now() + datetime.timedelta(days=1),
        location="Møterom 1")
    pathway_services.reschedule_discharge_meeting(
        meeting, by=cast.planner, scheduled_at=timezone.now() + datetime.timedelta(days=2))
    pathway_services.cancel_discharge_meeting(meeting, by=cast.planner)
    kora = coordination_services.create_coordinator_profile(
        user=cast.coordinator, organization=cast.tromso, by=cast.ke_tromso)
    plan = make_plan(cast, kora)
    coordination_services.update_plan(plan, by=cast.coordinator, expected_version=plan.version,
                                      what_matters="Gå på butikken")
    deliveries = WebhookDelivery.objects.filter(subscription=tromso.subscription) \
        .order_by("pk")
    assert [(d.event, d.payload["data"]["resource"], d.payload["data"]["uuid"])
            for d in deliveries] == [
        ("admission.created", "admission", str(admission.uuid)),
        ("early_notification.sent", "early-notification", str(notice.uuid)),
        ("early_notification.acknowledged", "early-notification", str(notice.uuid)),
        ("admission.ready_for_discharge", "admission", str(admission.uuid)),
        ("admission.municipal_answer", "admission", str(admission.uuid)),
        ("discharge_meeting.scheduled", "discharge-meeting", str(meeting.uuid)),
        ("discharge_meeting.changed", "discharge-meeting", str(meeting.uuid)),
        ("discharge_meeting.changed", "discharge-meeting", str(meeting.uuid)),
        *[("individual_plan.updated", "individual-plan", str(plan.uuid))] * (
            deliveries.filter(event="individual_plan.updated").count()),
    ]
    assert deliveries.filter(event="individual_plan.updated").exists()
    assert {d.payload["data"]["patient"] for d in deliveries} == {
        str(cast.shared.uuid), str(cast.tromso_only.uuid)}
    # Thin events: ids and a URL, no names, no health data.
    assert all(set(d.payload["data"]) == {"resource", "uuid", "url", "patient"}
               for d in deliveries)


def test_it_sends_nothing_more_once_the_client_loses_the_read_scope(
        cast, down_receiver, queue, django_capture_on_commit_callbacks):
    from registry.services import set_api_client_scopes

    tromso = subscriber(cast.tromso, down_receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        admit(cast, hours_ago=1)
    queue.run()  # the receiver is down: pending
    set_api_client_scopes(tromso.subscription.client, ["registry:read"])
    down_receiver.start()
    later = timezone.now() + datetime.timedelta(hours=1)
    tasks.retry_deliveries(now=later)
    queue.run(now=later)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == S.FAILED
    assert "pathways:read" in delivery.last_error
    assert down_receiver.events() == []
