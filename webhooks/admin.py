"""Operators' view of subscriptions and the delivery log; deliveries are read-only, with a
replay action. The signing secret is never shown here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from common.exceptions import StateConflict

from . import services
from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["client", "target_url", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["target_url", "client__name", "client__organization__name"]
    fields = ["uuid", "client", "target_url", "events", "active", "version", "created_at",
              "updated_at"]
    readonly_fields = ["uuid", "client", "version", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # a subscription is the client's to make, with its secret shown to it


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "subscription", "status", "attempts",
                    "last_status_code", "next_attempt_at"]
    list_filter = ["status", "event"]
    search_fields = ["uuid", "event_id", "subscription__target_url"]
    list_select_related = ["subscription__client"]
    actions = ["replay"]
    rows_deletable = True

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.replay_webhookdelivery")

    @admin.action(description=_("Replay the selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset):
        replayed = 0
        for delivery in queryset:
            try:
                services.replay_delivery(delivery, by=request.user)
                replayed += 1
            except StateConflict as exc:
                self.message_user(request, f"{delivery.uuid}: {exc.message}", messages.WARNING)
        self.message_user(request, ngettext("%(count)d delivery replayed.",
                                            "%(count)d deliveries replayed.", replayed)
                          % {"count": replayed})
