from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import NamedChoiceField
from common.api.serializers import ValidatedModelSerializer

from ..models import (
    PING,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventType,
    WebhookSubscription,
)


def _event_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=NamedChoiceField(WebhookEventType.choices, enum_name="WebhookEventType"),
        min_length=1,
        help_text=_("The events to receive. Your client also needs the read scope of the "
                    "event's family (pathways:read, coordination:read), and your organisation "
                    "a care relationship with the patient."),
        **kwargs,
    )


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="webhook-subscription-detail",
                                               lookup_field="uuid")
    client = serializers.UUIDField(source="client.uuid", read_only=True,
                                   help_text=_("The API client that owns the subscription."))
    client_name = serializers.CharField(source="client.name", read_only=True,
                                        help_text=_("The API client's name."))
    target_url = serializers.URLField(read_only=True, help_text=_(
        "Where deliveries are POSTed (https)."))
    events = _event_list(read_only=True)
    active = serializers.BooleanField(read_only=True, help_text=_(
        "A paused subscription gets no new events; its pending deliveries wait."))
    version = serializers.IntegerField(read_only=True, help_text=_(
        "Raised by every change; the ETag carries it."))

    class Meta:
        model = WebhookSubscription
        fields = ["uuid", "url", "client", "client_name", "target_url", "events", "active",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookSubscriptionSecretSerializer(WebhookSubscriptionSerializer):
    """Only in the answer to create and rotate-secret: the secret is shown once."""

    secret = serializers.CharField(read_only=True, help_text=_(
        "The signing secret. Shown only now: store it. The key of the HMAC-SHA256 signature "
        "in X-RehabPortal-Signature."))

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(ValidatedModelSerializer):
    target_url = serializers.CharField(max_length=500, help_text=_(
        "Where to POST: https (plain http only to 127.0.0.1 or localhost in development)."))
    events = _event_list()
    active = serializers.BooleanField(required=False, help_text=_(
        "False pauses the subscription; true (the default) resumes it."))

    class Meta:
        model = WebhookSubscription
        fields = ["target_url", "events", "active"]


class WebhookSubscriptionUpdateSerializer(WebhookSubscriptionInputSerializer):
    """Every field optional: send what changes."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class WebhookPayloadDataSerializer(serializers.Serializer):
    """Only for the schema: what `data` of a delivered event holds."""

    resource = serializers.CharField(help_text=_(
        "The kind of resource: admission, early-notification, discharge-meeting, "
        "individual-plan (webhook-subscription for ping)."))
    uuid = serializers.UUIDField(help_text=_("The resource's UUID."))
    url = serializers.URLField(help_text=_(
        "The resource's REST URL; read it with your API key."))
    patient = serializers.UUIDField(required=False, help_text=_(
        "The patient's UUID (absent for ping)."))


class WebhookPayloadSerializer(serializers.Serializer):
    """Only for the schema: the body POSTed to the receiver."""

    id = serializers.UUIDField(help_text=_(
        "The event's id: the same in every retry and replay, so deduplicate on it."))
    type = serializers.ChoiceField([*WebhookEventType.values, PING], help_text=_(
        "The event's name."))
    occurred_at = serializers.DateTimeField(help_text=_("When the change happened."))
    data = WebhookPayloadDataSerializer(help_text=_(
        "Ids and a URL only: no health data. Fetch the resource with your key."))


@extend_schema_field(WebhookPayloadSerializer)
class PayloadField(serializers.JSONField):
    """The stored body, verbatim: exactly what the receiver got."""


class WebhookDeliverySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="webhook-delivery-detail",
                                               lookup_field="uuid")
    subscription = serializers.UUIDField(source="subscription.uuid", read_only=True,
                                         help_text=_("The subscription delivered to."))
    event = serializers.CharField(read_only=True, help_text=_(
        "The event's name (or ping); also in the X-RehabPortal-Event header."))
    event_id = serializers.UUIDField(read_only=True, help_text=_(
        "The event's id (the payload's `id`), shared by replays of the same event."))
    payload = PayloadField(read_only=True, help_text=_("The body as POSTed."))
    status = NamedChoiceField(WebhookDeliveryStatus.choices, enum_name="WebhookDeliveryStatus",
                              read_only=True, help_text=_(
                                  "pending (waiting for its next attempt), delivering, "
                                  "delivered (a 2xx answer), failed (attempts exhausted; "
                                  "replay it)."))
    attempts = serializers.IntegerField(read_only=True, help_text=_("Attempts so far."))
    next_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_(
        "When it is tried next, while pending."))
    last_status_code = serializers.IntegerField(read_only=True, allow_null=True, help_text=_(
        "The receiver's HTTP status at the last attempt; null when it did not answer."))
    last_error = serializers.CharField(read_only=True, help_text=_(
        "Why the last attempt failed (truncated)."))
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_(
        "When the receiver answered 2xx."))
    replay_of = serializers.UUIDField(source="replay_of.uuid", read_only=True, allow_null=True,
                                      help_text=_("The delivery this one replays, if any."))

    class Meta:
        model = WebhookDelivery
        fields = ["uuid", "url", "subscription", "event", "event_id", "payload", "status",
                  "attempts", "next_attempt_at", "last_status_code", "last_error",
                  "delivered_at", "replay_of", "created_at", "updated_at"]
        read_only_fields = fields
