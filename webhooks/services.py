"""Managing subscriptions and replaying deliveries; every change is audited (never the
secret itself)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from common.versioning import lock_at_version, save_changes
from registry import audit
from registry.models import AuditAction

from . import access, events
from .models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
    generate_secret,
)

SUBSCRIPTION_FIELDS = ("target_url", "events", "active")


def _audit(by, action: AuditAction, obj, client, detail: str = "") -> None:
    audit.record(by, action, type(obj).__name__.lower(), obj.uuid,
                 organization=client.organization, detail=detail)


@transaction.atomic
def create_subscription(*, by, target_url: str, events: list[str],
                        active: bool = True) -> WebhookSubscription:
    """A new subscription of the caller's client; its secret is in the returned object."""
    client = access.require_owning_client(by)
    subscription = WebhookSubscription(client=client, target_url=target_url, events=events,
                                       active=active, created_by=by, updated_by=by)
    subscription.full_clean()
    subscription.save()
    _audit(by, AuditAction.CREATE, subscription, client,
           f"{subscription.target_url} {','.join(subscription.events)}")
    return subscription


@transaction.atomic
def update_subscription(subscription: WebhookSubscription, *, by, expected_version: int,
                        **changes) -> WebhookSubscription:
    client = access.require_owning_client(by)
    current = lock_at_version(
        WebhookSubscription.objects.filter(client=client), subscription, expected_version,
        message=_("Someone changed the subscription since you read it (now version "
                  "%(version)s)."))
    save_changes(current, changes, by=by, allowed=SUBSCRIPTION_FIELDS)
    _audit(by, AuditAction.UPDATE, current, client, ", ".join(sorted(changes)))
    return current


@transaction.atomic
def rotate_secret(subscription: WebhookSubscription, *, by) -> WebhookSubscription:
    """A new secret at once; attempts from now on are signed with it (retries included)."""
    client = access.require_owning_client(by)
    secret = generate_secret()
    WebhookSubscription.objects.filter(pk=subscription.pk, client=client).update(
        secret=secret, version=F("version") + 1, updated_by=by, updated_at=timezone.now())
    subscription.refresh_from_db()
    _audit(by, AuditAction.UPDATE, subscription, client, "secret rotated")
    return subscription


@transaction.atomic
def delete_subscription(subscription: WebhookSubscription, *, by) -> None:
    """Gone with its delivery log; pending deliveries are not sent."""
    client = access.require_owning_client(by)
    _audit(by, AuditAction.DELETE, subscription, client, subscription.target_url)
    WebhookSubscription.objects.filter(pk=subscription.pk, client=client).delete()


@transaction.atomic
def ping(subscription: WebhookSubscription, *, by) -> WebhookDelivery:
    client = access.require_owning_client(by)
    if not subscription.active:
        raise StateConflict(_("The subscription is paused; activate it first."),
                            code="inactive", field="active")
    delivery = events.ping(subscription)
    _audit(by, AuditAction.CREATE, delivery, client, "ping")
    return delivery


REPLAYABLE = (WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED)


@transaction.atomic
def replay_delivery(delivery: WebhookDelivery, *, by) -> WebhookDelivery:
    """Send the same event again (same event id, so the receiver can tell) as a new delivery,
    signed afresh. Only a finished delivery: a pending one is already on its way."""
    access.require_can_replay(by, delivery)
    delivery = WebhookDelivery.objects.select_related("subscription__client__organization") \
        .get(pk=delivery.pk)
    if delivery.status not in REPLAYABLE:
        raise StateConflict(_("The delivery is still %(status)s; it will be retried.") % {
            "status": delivery.get_status_display().lower()}, code="not_finished",
            field="status")
    if not delivery.subscription.active:
        raise StateConflict(_("The subscription is paused; activate it first."),
                            code="inactive")
    replayed = events.replay(delivery)
    _audit(by, AuditAction.CREATE, replayed, delivery.subscription.client,
           f"replay of {delivery.uuid} ({delivery.event})")
    return replayed
