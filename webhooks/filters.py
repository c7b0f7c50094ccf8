import django_filters
from django.utils.translation import gettext_lazy as _

from common.api.filters import updated_since_filter

from .models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription


class WebhookSubscriptionFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_since = updated_since_filter()

    class Meta:
        model = WebhookSubscription
        fields = ["active", "updated_since"]


class WebhookDeliveryFilter(django_filters.FilterSet):
    subscription = django_filters.UUIDFilter(field_name="subscription__uuid",
                                             label=_("Subscription"))
    status = django_filters.MultipleChoiceFilter(choices=WebhookDeliveryStatus.choices,
                                                 label=_("Status"))
    event = django_filters.CharFilter(label=_("Event"),
                                      help_text=_("An event name, e.g. admission.created."))
    event_id = django_filters.UUIDFilter(label=_("Event id"),
                                         help_text=_("Every delivery of one event, replays "
                                                     "included."))
    updated_since = updated_since_filter()

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event", "event_id", "updated_since"]
