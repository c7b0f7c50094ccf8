"""The Django admin: the delivery log is read-only, its replay action needs the permission,
and the signing secret appears nowhere."""

from django.contrib.auth.models import Permission

from registry.models import AuditEvent
from tests import factories
from webhooks import events
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver_webhook

from .conftest import subscriber


def test_an_operator_replays_a_delivery_from_the_admin(cast, client, receiver, monkeypatch):
    tromso = subscriber(cast.tromso, receiver.url)

    delivery = events.ping(tromso.subscription)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=10)
    queued = []
    monkeypatch.setattr(deliver_webhook, "delay", queued.append)
    operator = factories.user("operator", is_staff=True)
    operator.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_webhookdelivery", "replay_webhookdelivery",
                      "view_webhooksubscription"]))
    client.force_login(operator)
    page = client.get("/admin/webhooks/webhookdelivery/")
    assert page.status_code == 200 and b"replay" in page.content
    detail = client.get(f"/admin/webhooks/webhooksubscription/{tromso.subscription.pk}/change/")
    assert detail.status_code == 200
    assert tromso.subscription.secret.encode() not in detail.content
    response = client.post("/admin/webhooks/webhookdelivery/", {
        "action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    replayed = WebhookDelivery.objects.get(replay_of=delivery)
    assert replayed.event_id == delivery.event_id and replayed.status == "pending"
    assert AuditEvent.objects.filter(user=operator, object_type="webhookdelivery").exists()


def test_staff_without_the_permission_cannot_replay(cast, client, receiver):
    tromso = subscriber(cast.tromso, receiver.url)

    delivery = events.ping(tromso.subscription)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    viewer = factories.user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(viewer)
    client.post("/admin/webhooks/webhookdelivery/", {
        "action": "replay", "_selected_action": [delivery.pk]})
    assert not WebhookDelivery.objects.filter(replay_of=delivery).exists()
