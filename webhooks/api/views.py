"""Webhook subscriptions and the delivery log over the API.

An API client manages its own subscriptions with its key (scope family `webhooks`); an
organisation administrator, signed in, may read its clients' subscriptions and deliveries and
replay deliveries. Anyone else sees nothing (404). Nothing here is patient data: payloads
carry ids only.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import locked_for_update, versioned_response
from common.api.fields import UuidLookupMixin, detail_url
from common.api.operations import (
    SHORT_IF_MATCH_HEADER,
    create_schema,
    error_responses,
    etag_header,
    list_schema,
    location_header,
    locked_schema,
    retrieve_schema,
)
from common.api.serializers import NoInput, validated_input
from common.idempotency import not_replayable

from .. import access, services
from ..filters import WebhookDeliveryFilter, WebhookSubscriptionFilter
from .serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionInputSerializer,
    WebhookSubscriptionSecretSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionUpdateSerializer,
)

ETAG = etag_header("subscription's version")
# A subscription and the delivery log are the client's own: another's is a 403 or a 404.
LIST_ERRORS = (400, 401, 403, 404)
READ_ERRORS = (401, 403, 404)
# A ping or a replay queues a delivery; 409 when the subscription is paused.
DELIVERY_CREATED = {"request": None, "parameters": [location_header("delivery")],
                    "responses": {201: WebhookDeliverySerializer,
                                  **error_responses(401, 403, 404, 409)}}


SUBSCRIPTIONS = """\
Subscribe your EPJ system to events; the portal POSTs each event to `target_url`.

**Events**: `admission.created`, `early_notification.sent`,
`early_notification.acknowledged`, `admission.ready_for_discharge`,
`admission.municipal_answer`, `discharge_meeting.scheduled`, `discharge_meeting.changed`
(rescheduled or cancelled), `individual_plan.updated`, `referral.created`, `referral.updated`
(assessed, forwarded, on the list, started or withdrawn); and `ping` on request. You receive
an event when your client holds the family's read scope (`pathways:read`,
`coordination:read` for plans and referrals) and your organisation has a care relationship
with the patient; a referral's events go only to the units it concerns (the sender, the
receiver, the institution whose list it is on, the patient's municipality).

**Body** (thin: no health data): `{"id": <event id>, "type": "admission.created",
"occurred_at": "...", "data": {"resource": "admission", "uuid": "...", "url": "<REST URL>",
"patient": "<patient uuid>"}}`. Fetch `data.url` with your API key: your scopes and your
organisation's care relationships apply to that read, as to any other.

**Headers**: `X-RehabPortal-Event` (the type), `X-RehabPortal-Delivery` (the delivery's
UUID, see `webhook-deliveries/`), and `X-RehabPortal-Signature: t=<unix seconds>,v1=<hex>`.

**Verifying**: compute HMAC-SHA256 with the subscription's secret (the whole `whsec_...`
string, UTF-8) as key over `<t>.<raw body>` (the timestamp, a dot, the body bytes exactly as
received), hex-encode it and compare it with `v1` in constant time (e.g.
`hmac.compare_digest`). Refuse a timestamp more than 5 minutes from your clock. Every attempt
is signed afresh, replays too.

**Delivery**: answer 2xx within 10 seconds. Anything else (or no answer) is retried with
exponential backoff (30 s, 1 min, 2 min ... at most 6 h, with jitter), 10 attempts in all;
then the delivery is failed and can be replayed. A receiver that is down loses nothing. The
same event can arrive more than once (retries, replays): deduplicate on `id`. Order is not
guaranteed: read the resource for its current state.

The secret is shown once, in the answer to create and to `rotate-secret/`.
"""


@extend_schema_view(
    list=list_schema(WebhookSubscriptionSerializer, "List your webhook subscriptions",
                     SUBSCRIPTIONS, errors=LIST_ERRORS),
    retrieve=retrieve_schema(WebhookSubscriptionSerializer,
                             "A webhook subscription (without its secret)",
                             "404 for another client's subscription.",
                             errors=READ_ERRORS, parameters=[ETAG]),
    create=create_schema(
        WebhookSubscriptionSecretSerializer, "Subscribe to events",
        "Answers 201 with the signing secret, which is shown only this once. Needs "
        "`webhooks:write`; only API clients (not signed-in people) subscribe.\n\n"
        + SUBSCRIPTIONS,
        location="subscription", parameters=[ETAG], errors=(400, 401, 403, 413),
        request=WebhookSubscriptionInputSerializer),
    partial_update=locked_schema(
        {200: WebhookSubscriptionSerializer},
        "Change the URL or the events, pause or resume (If-Match)",
        "Pausing keeps pending deliveries waiting; resuming sends them.",
        etag=ETAG, if_match=SHORT_IF_MATCH_HEADER, errors=(400, 401, 403, 404, 412, 413, 428),
        request=WebhookSubscriptionUpdateSerializer),
    destroy=extend_schema(
        summary="Delete a subscription with its delivery log",
        description="Pending deliveries are not sent.",
        parameters=[SHORT_IF_MATCH_HEADER],
        responses={204: None, **error_responses(401, 403, 404, 412, 428)},
    ),
)
class WebhookSubscriptionViewSet(UuidLookupMixin, mixins.ListModelMixin,
                                 mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_family = "webhooks"
    serializer_class = WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return access.visible_subscriptions(self.request.user).select_related("client") \
            .order_by("created_at", "pk")

    def retrieve(self, request, *args, **kwargs):
        subscription = self.get_object()
        return self._response(subscription)

    def create(self, request, *args, **kwargs):
        data = validated_input(self, WebhookSubscriptionInputSerializer)
        subscription = services.create_subscription(by=request.user, **data)
        return self._response(
            subscription, status.HTTP_201_CREATED, secret=True,
            Location=detail_url(request, "webhook-subscription-detail", subscription))

    def partial_update(self, request, *args, **kwargs):
        data = validated_input(self, WebhookSubscriptionUpdateSerializer,
                               instance=self.get_object(), partial=True)
        with transaction.atomic():
            subscription = self._locked(request)
            subscription = services.update_subscription(
                subscription, by=request.user, expected_version=subscription.version, **data)
        return self._response(subscription)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            services.delete_subscription(self._locked(request), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret takes effect at once, for retries of earlier events too; "
                    "it is in this answer and never shown again.",
        request=None, parameters=[SHORT_IF_MATCH_HEADER, ETAG],
        responses={200: WebhookSubscriptionSecretSerializer,
                   **error_responses(401, 403, 404, 412, 428)},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, uuid=None):
        validated_input(self, NoInput)
        with transaction.atomic():
            subscription = services.rotate_secret(self._locked(request), by=request.user)
        # A retried rotation rotates again and shows the newest secret, never an old one.
        return not_replayable(self._response(subscription, secret=True))

    @extend_schema(
        summary="Send a ping event to test the receiver",
        description="Queues a `ping` delivery (whatever the subscription's events); follow it "
                    "in the delivery log. 409 when the subscription is paused.",
        **DELIVERY_CREATED,
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, uuid=None):
        return _queue_delivery(self, services.ping)

    def _locked(self, request):
        """The subscription, locked for this transaction, once its owner (403 first) names
        its current version in If-Match (428, 412)."""
        subscription = self.get_object()
        access.require_owning_client(request.user)
        return locked_for_update(subscription, request)

    def _response(self, subscription, status_code=status.HTTP_200_OK, *, secret=False,
                  **headers):
        serializer_class = WebhookSubscriptionSecretSerializer if secret \
            else WebhookSubscriptionSerializer
        data = serializer_class(subscription, context=self.get_serializer_context()).data
        return versioned_response(data, subscription.version, status_code, **headers)


def _queue_delivery(view, queue) -> Response:
    """`queue(the view's object, by=user)` (a ping, a replay), which takes no input: 201 with
    the delivery it queued."""
    subject = view.get_object()
    validated_input(view, NoInput)
    request = view.request
    delivery = queue(subject, by=request.user)
    delivery = access.visible_deliveries(request.user).select_related(
        "subscription", "replay_of").get(pk=delivery.pk)
    return Response(WebhookDeliverySerializer(delivery, context={"request": request}).data,
                    status=status.HTTP_201_CREATED,
                    headers={"Location": detail_url(request, "webhook-delivery-detail",
                                                    delivery)})


@extend_schema_view(
    list=list_schema(
        WebhookDeliverySerializer, "The delivery log",
        "Your subscriptions' deliveries, newest first: status, attempts, the receiver's last "
        "answer. Filter by subscription, status, event or event id.", errors=LIST_ERRORS),
    retrieve=retrieve_schema(WebhookDeliverySerializer, "One delivery, with the payload as POSTed",
                             "404 for another client's delivery.", errors=READ_ERRORS),
)
class WebhookDeliveryViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    scope_family = "webhooks"
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter

    def get_queryset(self):
        return access.visible_deliveries(self.request.user).select_related(
            "subscription", "replay_of").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Replay a delivered or failed delivery",
        description="Sends the same event (same `id` and payload, signed afresh) once more, "
                    "as a new delivery in the log (`replay_of` points back). 409 while the "
                    "delivery is pending or being delivered, or when the subscription is "
                    "paused. The client (webhooks:write) or an administrator of its "
                    "organisation.",
        **DELIVERY_CREATED,
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, uuid=None):
        return _queue_delivery(self, services.replay_delivery)
