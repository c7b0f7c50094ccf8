"""Who sees which subscriptions and deliveries: an API client its own; an organisation
administrator (signed in) those of the organisation's clients; nobody else any."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry.access import administered_organization_ids
from registry.models import ApiClient

from .models import WebhookDelivery, WebhookSubscription


def client_of(user) -> ApiClient | None:
    """The API client whose service account this is, if any."""
    if not (user and user.is_authenticated and getattr(user, "is_service_account", False)):
        return None
    return ApiClient.objects.filter(user=user, active=True).first()


def visible_subscriptions(user):
    client = client_of(user)
    if client is not None:
        return WebhookSubscription.objects.filter(client=client)
    organizations = administered_organization_ids(user)
    if organizations:
        return WebhookSubscription.objects.filter(client__organization_id__in=organizations)
    return WebhookSubscription.objects.none()


def visible_deliveries(user):
    return WebhookDelivery.objects.filter(subscription__in=visible_subscriptions(user))


def require_owning_client(user) -> ApiClient:
    """Subscriptions are the client's own configuration: only its key manages them."""
    client = client_of(user)
    if client is None:
        raise PermissionDenied(_("Only the API client itself manages its webhook subscriptions, "
                                 "with its API key."))
    return client


def require_can_replay(user, delivery: WebhookDelivery) -> None:
    """The client itself, an administrator of its organisation, or the portal's operators
    (the permission, in the Django admin)."""
    if user.has_perm("webhooks.replay_webhookdelivery"):
        return
    if not visible_deliveries(user).filter(pk=delivery.pk).exists():
        raise PermissionDenied(_("You may not replay this delivery."))
