"""Emitting events: one delivery row per interested subscription, written in the caller's
transaction, queued after it commits.

A rolled-back change therefore sends nothing; a broker that is down (or a crash right after
the commit) loses nothing either, because the rows are pending and the retry sweep
(webhooks.tasks.retry_deliveries) queues them.
"""

import logging
import uuid as uuid_module
from collections.abc import Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.publishing import publish_each
from registry.models import ChannelChoice, StepChannel

from .models import PING, WebhookDelivery, WebhookEventType, WebhookSubscription

logger = logging.getLogger(__name__)

E = WebhookEventType
# Which scope family's read scope a client needs to receive the event.
EVENT_FAMILIES = {
    E.ADMISSION_CREATED: "pathways",
    E.EARLY_NOTIFICATION_SENT: "pathways",
    E.EARLY_NOTIFICATION_ACKNOWLEDGED: "pathways",
    E.READY_FOR_DISCHARGE: "pathways",
    E.MUNICIPAL_ANSWER: "pathways",
    E.MEETING_SCHEDULED: "pathways",
    E.MEETING_CHANGED: "pathways",
    E.PLAN_UPDATED: "coordination",
    # Referrals are read with the coordination scopes (referrals.api).
    E.REFERRAL_CREATED: "coordination",
    E.REFERRAL_UPDATED: "coordination",
}


def absolute_api_url(url_name: str, uuid) -> str:
    path = reverse(url_name, kwargs={"uuid": uuid})
    return urljoin(settings.PORTAL_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def build_payload(event: str, *, resource: str, uuid, url: str, patient_uuid=None,
                  event_id=None, occurred_at=None) -> dict:
    data = {"resource": resource, "uuid": str(uuid), "url": url}
    if patient_uuid is not None:
        data["patient"] = str(patient_uuid)
    return {
        "id": str(event_id or uuid_module.uuid4()),
        "type": str(event),
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        "data": data,
    }


def _recipients(event: str, organization_ids) -> list[WebhookSubscription]:
    """Active subscriptions to the event of active clients in those organisations that hold
    the family's read scope. (JSON containment is not portable to SQLite: the events and
    scopes are matched here, over the few subscriptions of the organisations concerned.)"""
    family = EVENT_FAMILIES[event]
    # An organisation that chose the portal only, or PLO, for this step gets no webhook of
    # it (registry.ChannelChoice; no choice: its subscriptions decide).
    other_channel = ChannelChoice.objects.filter(
        organization_id=OuterRef("client__organization_id"), step=event,
    ).exclude(channel=StepChannel.WEBHOOK)
    candidates = WebhookSubscription.objects.filter(
        active=True, client__active=True, client__user__is_active=True,
        client__organization_id__in=organization_ids,
    ).exclude(Exists(other_channel)).select_related("client")
    return [s for s in candidates
            if event in (s.events or ()) and s.client.allows(family, write=False)]


def emit(event: str, *, resource: str, uuid, url_name: str, patient_uuid,
         recipients_org_ids: Iterable[int]) -> list[WebhookDelivery]:
    """Record the event for every subscriber who may know of it; call it inside the service's
    transaction, after the state change. `recipients_org_ids` are the organisations with a
    care relationship to the patient (pathways.access.organizations_caring_for)."""
    if event not in EVENT_FAMILIES:
        raise ValueError(f"Unknown webhook event {event!r}")
    # A queryset of ids stays lazy: one query (with a subquery) when nobody subscribes.
    organization_ids = recipients_org_ids if isinstance(recipients_org_ids, QuerySet) \
        else set(recipients_org_ids)
    subscriptions = _recipients(event, organization_ids)
    if not subscriptions:
        return []
    payload = build_payload(event, resource=resource, uuid=uuid,
                            url=absolute_api_url(url_name, uuid), patient_uuid=patient_uuid)
    return _create(subscriptions, str(event), payload)


def ping(subscription: WebhookSubscription) -> WebhookDelivery:
    """A `ping` event to one subscription (whatever its events), to test the receiver."""
    payload = build_payload(PING, resource="webhook-subscription", uuid=subscription.uuid,
                            url=absolute_api_url("webhook-subscription-detail",
                                                 subscription.uuid))
    return _create([subscription], PING, payload)[0]


def _create(subscriptions, event: str, payload: dict, *,
            replay_of: WebhookDelivery | None = None) -> list[WebhookDelivery]:
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription=subscription, event=event,
                        event_id=uuid_module.UUID(payload["id"]),
                        payload=payload, next_attempt_at=now, replay_of=replay_of)
        for subscription in subscriptions
    ])
    # bulk_create returns primary keys on PostgreSQL and SQLite; ask by uuid elsewhere.
    ids = [row.pk for row in rows] if all(row.pk for row in rows) else list(
        WebhookDelivery.objects.filter(uuid__in=[r.uuid for r in rows])
        .values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids))
    return rows


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """The same event (same id, same payload) once more, as a new delivery in the log."""
    return _create([delivery.subscription], delivery.event, delivery.payload,
                   replay_of=delivery)[0]


def enqueue(delivery_ids: list[int]) -> None:
    """Queue the deliveries. A broker that is down or hangs loses nothing and holds up no
    request (common.publishing): the retry sweep queues the pending rows."""
    from .tasks import deliver_webhook

    publish_each(deliver_webhook, delivery_ids)
