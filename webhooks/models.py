"""Subscriptions of API clients to events, and the log of every delivery.

The signing secret is stored in plain text (see README.md in this folder): the worker needs it
to sign, so a one-way digest is useless, and no encryption library is in the lock. It never
leaves the portal except in the answer to create and rotate-secret.
"""

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.models import ApiClient

from . import network

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class WebhookEventType(models.TextChoices):
    ADMISSION_CREATED = "admission.created", _("Admission registered")
    EARLY_NOTIFICATION_SENT = "early_notification.sent", _("Early notification sent")
    EARLY_NOTIFICATION_ACKNOWLEDGED = ("early_notification.acknowledged",
                                       _("Early notification acknowledged"))
    READY_FOR_DISCHARGE = "admission.ready_for_discharge", _("Declared ready for discharge")
    MUNICIPAL_ANSWER = "admission.municipal_answer", _("Municipality answered")
    MEETING_SCHEDULED = "discharge_meeting.scheduled", _("Discharge meeting scheduled")
    MEETING_CHANGED = "discharge_meeting.changed", _("Discharge meeting changed or cancelled")
    PLAN_UPDATED = "individual_plan.updated", _("Individual plan updated")
    REFERRAL_CREATED = "referral.created", _("Referral received")
    REFERRAL_UPDATED = "referral.updated", _("Referral assessed or changed")


# The `ping` event is sent on request only; nobody subscribes to it.
PING = "ping"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def insecure_urls_allowed() -> bool:
    return settings.DEBUG or getattr(settings, "WEBHOOK_ALLOW_INSECURE_URLS", False)


def validate_target_url(value: str) -> None:
    """https only; plain http only to this machine, and only where the settings allow it
    (development and tests)."""
    URLValidator(schemes=["http", "https"])(value)
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError(_("Put no credentials in the URL; verify the signature instead."))
    if not insecure_urls_allowed() and _is_internal_literal(parts.hostname or ""):
        raise ValidationError(_("The URL must name a host on the internet, not an internal "
                                "address."))
    if parts.scheme == "https":
        return
    if parts.hostname in LOOPBACK_HOSTS and insecure_urls_allowed():
        return
    raise ValidationError(_("The URL must use https."))


def _is_internal_literal(hostname: str) -> bool:
    if hostname in LOOPBACK_HOSTS:
        return True
    address = network.literal_address(hostname)
    # A name is judged when it is resolved, before each delivery (webhooks.tasks.post).
    return address is not None and not network.is_public(address)


def require_public_address(hostname: str, port: int) -> list:
    """Resolve the name once and return its addresses, each of them public (and every IPv4
    address inside them), so that a subscription cannot make the portal call into its own
    network. Where the settings allow internal URLs (development and tests) nothing is
    refused, but the answer is still the one to connect to."""
    addresses = network.resolve(hostname, port)
    if not insecure_urls_allowed():
        network.require_public(addresses)
    return addresses


def validate_event_types(value) -> None:
    if not isinstance(value, list) or not value or \
            not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Name at least one event."))
    unknown = sorted(set(value) - set(WebhookEventType.values))
    if unknown:
        raise ValidationError(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)})


class WebhookSubscription(TrackedModel):
    """An API client's wish to be told about some events, at one URL."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE,
                               related_name="webhook_subscriptions",
                               verbose_name=_("API client"))
    target_url = models.URLField(_("receiver URL"), max_length=500,
                                 validators=[validate_target_url])
    events = models.JSONField(_("events"), validators=[validate_event_types])
    secret = models.CharField(_("signing secret"), max_length=80, default=generate_secret,
                              editable=False)
    active = models.BooleanField(
        _("active"), default=True,
        help_text=_("A paused subscription gets no new events; its pending deliveries wait."))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.client.name} → {self.target_url}"

    def clean(self):
        if isinstance(self.events, list):
            self.events = sorted(set(self.events))


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Being delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription, with the outcome of its latest attempt.

    The payload is thin (ids and a URL, no health data): the receiver fetches the resource
    with its own key, so scopes and care relationships apply at that read.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries",
                                     verbose_name=_("subscription"))
    event = models.CharField(_("event"), max_length=60)
    event_id = models.UUIDField(_("event id"), db_index=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=12, choices=WebhookDeliveryStatus.choices,
                              default=WebhookDeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True,
                                                        blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # Set by every UPDATE of the delivery's state (auto_now does not see .update()).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="replays", verbose_name=_("replay of"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        permissions = [("replay_webhookdelivery", _("Can replay any webhook delivery"))]
        indexes = [
            # The retry sweep: due pending rows, and attempts whose lease ran out.
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["subscription", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription_id} ({self.status})"
